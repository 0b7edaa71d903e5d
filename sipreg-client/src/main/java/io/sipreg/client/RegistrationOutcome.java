package io.sipreg.client;

/**
 * How a registration ended, in the words a troubleshooting engineer uses, with the process exit code of
 * {@code sipreg register}. 1 is left for internal errors and 2 for usage errors.
 */
public enum RegistrationOutcome {
    REGISTERED(0, "registered"),
    UNREGISTERED(0, "unregistered"),
    /** 403 after credentials: wrong username or password (or the account is barred). Never retried. */
    FORBIDDEN(3, "forbidden: wrong username or password"),
    /** A new challenge right after credentials: realm or authentication username is wrong. */
    CHALLENGE_LOOP(4, "challenged again after sending credentials: wrong realm or authentication username"),
    /** Nothing came back within Timer F: a firewall drops the packets, or the address is wrong. */
    NO_RESPONSE(5, "no response: a firewall drops the packets or the registrar address is wrong"),
    /** An ICMP port unreachable or a refused TCP connection: the host is up but nothing listens there. */
    PORT_UNREACHABLE(6, "port unreachable: nothing listens at that address and port"),
    /** The registrar's name did not resolve (RFC 3263). */
    DNS_FAILURE(7, "the registrar's name does not resolve"),
    /** Any other final response: 404, 5xx, an unanswerable challenge, ... */
    REJECTED(8, "rejected by the registrar"),
    /** 423 even after retrying with the registrar's Min-Expires. */
    INTERVAL_TOO_BRIEF(9, "423 Interval Too Brief even with the registrar's Min-Expires"),
    /** The flow failed: connection closed or reset, a send error, a TLS handshake that failed for another reason. */
    TRANSPORT_ERROR(10, "transport error"),
    /**
     * The registrar's TLS certificate was refused (RFC 3261 §26.3.1): not signed by a trusted CA, for another name,
     * or expired. Not retried: it needs the user (or the registrar's operator) to act.
     */
    CERTIFICATE_REJECTED(12, "the registrar's TLS certificate was refused");

    private final int exitCode;
    private final String meaning;

    RegistrationOutcome(int exitCode, String meaning) {
        this.exitCode = exitCode;
        this.meaning = meaning;
    }

    public int exitCode() {
        return exitCode;
    }

    /** A sentence a user understands. */
    public String meaning() {
        return meaning;
    }

    public boolean isSuccess() {
        return exitCode == 0;
    }
}
