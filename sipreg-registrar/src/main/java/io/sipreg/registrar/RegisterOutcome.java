package io.sipreg.registrar;

/**
 * How one REGISTER ended, in the words an operator uses; the token is what metrics and the admin API show.
 * Every 401/407 and 403 is an authentication outcome ({@link #isAuthentication()}), counted apart from the rest.
 */
public enum RegisterOutcome {
    /** 200: bindings added or refreshed. */
    REGISTERED("registered", false),
    /** 200: bindings removed (Expires: 0 or Contact: *), none added. */
    UNREGISTERED("unregistered", false),
    /** 200 to a REGISTER without Contact: the bindings are listed, nothing changes (RFC 3261 §10.2.3). */
    FETCHED("fetched", false),
    /**
     * 401/407: no usable credentials: none at all, none for our realm or algorithm, or an answer to a nonce we never
     * issued. The first step of every registration, so expected, yet it is what a scanner without passwords gets.
     */
    NO_CREDENTIALS("no-credentials", true),
    /** 401/407 with stale=true: the password was right, the nonce too old (RFC 7616 §3.3). */
    STALE_NONCE("stale-nonce", true),
    /** 403: wrong password or unknown user, deliberately alike (RFC 3261 §22.4). */
    WRONG_PASSWORD("wrong-password", true),
    /** 403: authenticated, but as a user who may not register this address-of-record (§10.3 step 4). */
    NOT_AUTHORIZED("not-authorized", true),
    /** 400: credentials that cannot be read, or whose digest uri is not the Request-URI. */
    MALFORMED_CREDENTIALS("malformed-credentials", true),
    /** 423 with Min-Expires (§10.3 step 7). */
    INTERVAL_TOO_BRIEF("interval-too-brief", false),
    /** Anything else: 400, 404, 416, 420, 439, 500 (out-of-order CSeq, store failure). */
    REJECTED("rejected", false);

    private final String token;
    private final boolean authentication;

    RegisterOutcome(String token, boolean authentication) {
        this.token = token;
        this.authentication = authentication;
    }

    /** Lower case with dashes, for labels and JSON. */
    public String token() {
        return token;
    }

    /** A challenge or an authentication failure. */
    public boolean isAuthentication() {
        return authentication;
    }

    static RegisterOutcome of(RegisterRejection rejection) {
        return switch (rejection) {
            case FORBIDDEN -> WRONG_PASSWORD;
            case NOT_AUTHORIZED_FOR_AOR -> NOT_AUTHORIZED;
            case MALFORMED_CREDENTIALS, DIGEST_URI_MISMATCH -> MALFORMED_CREDENTIALS;
            case INTERVAL_TOO_BRIEF -> INTERVAL_TOO_BRIEF;
            default -> REJECTED;
        };
    }
}
