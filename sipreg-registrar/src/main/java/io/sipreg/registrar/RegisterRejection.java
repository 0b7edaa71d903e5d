package io.sipreg.registrar;

/**
 * Every way the registrar refuses a request, each with its status, reason phrase and the rule it applies (cf.
 * Kamailio's rerrno.h). The reason is sent as the reason phrase, so a device log or capture names the cause.
 */
enum RegisterRejection {
    UNSUPPORTED_URI_SCHEME(416, "Unsupported URI Scheme", "RFC 3261 §8.2.2.1"),
    /**
     * The Request-URI names a domain we do not serve. §10.3 step 1 only says the registrar must know whether it has
     * bindings for the domain (a proxy would forward); like Kamailio we answer 404 rather than 403.
     */
    DOMAIN_NOT_SERVED(404, "Domain not served", "RFC 3261 §10.3 step 1"),
    BAD_EXTENSION(420, "Bad Extension", "RFC 3261 §10.3 step 2, §8.2.2.3"),
    MALFORMED_CREDENTIALS(400, "Malformed credentials", "RFC 3261 §22.4"),
    DIGEST_URI_MISMATCH(400, "Digest uri does not match Request-URI", "RFC 2617 §3.2.2.5"),
    /** Wrong password and unknown user alike: the response must not tell an attacker which one it was. */
    FORBIDDEN(403, "Forbidden", "RFC 3261 §10.3 step 3, §22.3"),
    NOT_AUTHORIZED_FOR_AOR(403, "Not authorized for this address-of-record", "RFC 3261 §10.3 step 4"),
    AOR_NOT_SERVED(404, "Not Found", "RFC 3261 §10.3 step 5"),
    WILDCARD_NEEDS_EXPIRES_ZERO(400, "Contact * requires Expires: 0", "RFC 3261 §10.3 step 6"),
    WILDCARD_NOT_ALONE(400, "Contact * must be alone", "RFC 3261 §10.3 step 6"),
    /** We reach devices over SIP only: a binding to an http: or mailto: Contact could never be used or kept alive. */
    CONTACT_NOT_SIP(400, "Contact is not a SIP URI", "RFC 3261 §10.3 step 7, §19.1"),
    INTERVAL_TOO_BRIEF(423, "Interval Too Brief", "RFC 3261 §10.3 step 7, §21.4.17"),
    /** Same Call-ID, CSeq not higher: this REGISTER crossed a newer one and applying it could undo that one. */
    OUT_OF_ORDER_CSEQ(500, "Out of order CSeq", "RFC 3261 §10.3 step 7"),
    /** An outbound registration names one flow; two reg-ids in one REGISTER cannot both be it. */
    SEVERAL_REG_IDS(400, "Only one Contact may carry reg-id", "RFC 5626 §6"),
    /** Outbound through a proxy needs Path (RFC 3327), which we do not keep: the flow would not reach us. */
    FIRST_HOP_LACKS_OUTBOUND(439, "First Hop Lacks Outbound Support", "RFC 5626 §6"),
    /** Require: outbound, yet no Contact says which instance and flow it registers. */
    OUTBOUND_WITHOUT_INSTANCE(400, "Require: outbound needs +sip.instance and reg-id", "RFC 5626 §4.2, §6"),
    BINDING_STORE_UNAVAILABLE(500, "Binding store unavailable", "RFC 3261 §10.3 step 8"),
    /** Too many binding writes wait for the disk: come back after Retry-After (new registrations are shed first). */
    OVERLOADED(503, "Service Unavailable", "RFC 3261 §21.5.4"),
    USER_STORE_UNAVAILABLE(500, "User store unavailable", "RFC 3261 §10.3 step 3");

    private final int status;
    private final String reason;
    private final String section;

    RegisterRejection(int status, String reason, String section) {
        this.status = status;
        this.reason = reason;
        this.section = section;
    }

    int status() {
        return status;
    }

    String reason() {
        return reason;
    }

    String section() {
        return section;
    }
}
