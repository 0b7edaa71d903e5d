package io.sipreg.transport;

import java.io.IOException;
import java.util.Objects;

/**
 * A TLS connection opened from this side could not be set up: the peer's certificate was refused, or the handshake
 * failed for another reason. The message is a sentence for the user, e.g. {@code certificate not trusted: ...}.
 */
public final class TlsHandshakeException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why the handshake failed. */
    public enum Problem {
        /** The certificate does not lead to a trusted CA (self-signed, unknown CA, incomplete chain). */
        CERTIFICATE_NOT_TRUSTED,
        /** The certificate is trusted but names another host than the one connected to (RFC 5922 §7). */
        CERTIFICATE_NAME_MISMATCH,
        /** The certificate, or one of its chain, is expired or not yet valid. */
        CERTIFICATE_EXPIRED,
        /** Anything else: no common protocol version or cipher, the peer closed, not TLS at all. */
        HANDSHAKE_FAILED;

        /** Whether the peer's certificate was refused by this side's check. */
        public boolean isCertificate() {
            return this != HANDSHAKE_FAILED;
        }
    }

    private final Problem problem;

    TlsHandshakeException(Problem problem, String sentence, Throwable cause) {
        super(sentence, cause);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public Problem problem() {
        return problem;
    }
}
