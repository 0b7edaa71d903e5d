package io.sipreg.message.digest;

import java.util.Objects;

/**
 * Digest credentials, the value of Authorization or Proxy-Authorization (RFC 3261 §22.4, RFC 7616 §3.4).
 * Empty strings mean "absent"; {@code algorithm} is MD5 when the client did not say.
 */
public record DigestCredentials(String username, String realm, String nonce, String uri, String response,
                                DigestAlgorithm algorithm, String cnonce, String nonceCount, String qop,
                                String opaque) {
    public DigestCredentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(realm, "realm");
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(cnonce, "cnonce");
        Objects.requireNonNull(nonceCount, "nonceCount");
        Objects.requireNonNull(qop, "qop");
        Objects.requireNonNull(opaque, "opaque");
    }

    /**
     * Parses {@code Digest username="...", ...}; throws SipParseException (BAD_AUTHORIZATION) when it is not
     * Digest, is malformed, or lacks username, realm, nonce, uri or response, or has qop without cnonce/nc.
     * An unknown algorithm is BAD_AUTHORIZATION too.
     */
    public static DigestCredentials parse(String headerValue) {
        return DigestGrammar.parseCredentials(headerValue);
    }

    /** The header value; quoted where RFC 7616 §3.4 quotes (nc, qop and algorithm unquoted). */
    @Override
    public String toString() {
        return DigestGrammar.formatCredentials(this);
    }

    /** For logs: everything except the response hash. */
    public String describe() {
        return "username=" + username + " realm=" + realm + " algorithm=" + algorithm.wireName()
                + (qop.isEmpty() ? "" : " qop=" + qop + " nc=" + nonceCount);
    }
}
