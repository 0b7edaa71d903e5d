package io.sipreg.message.digest;

import java.util.Objects;

/**
 * A Digest challenge, the value of WWW-Authenticate or Proxy-Authenticate (RFC 3261 §22.4, RFC 7616 §3.3).
 * Empty strings mean "absent". {@code qop} is the qop-options list as sent, e.g. "auth" or "" for none.
 */
public record DigestChallenge(String realm, String nonce, String opaque, DigestAlgorithm algorithm, String qop,
                              boolean stale) {
    public DigestChallenge {
        Objects.requireNonNull(realm, "realm");
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(opaque, "opaque");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(qop, "qop");
    }

    /** Parses {@code Digest realm="...", nonce="...", ...}; throws SipParseException (BAD_CHALLENGE). */
    public static DigestChallenge parse(String headerValue) {
        return DigestGrammar.parseChallenge(headerValue);
    }

    /** True when the challenge offers qop=auth. */
    public boolean offersAuth() {
        return DigestGrammar.listContains(qop, "auth");
    }

    /** The header value, {@code Digest realm="...", nonce="...", algorithm=MD5, qop="auth"[, stale=true]}. */
    @Override
    public String toString() {
        return DigestGrammar.formatChallenge(this);
    }
}
