package io.sipreg.message.digest;

/**
 * Digest arithmetic (RFC 2617 §3.2.2, RFC 7616 §3.4.1-3.4.3). Shared by the registrar (verifying) and the
 * client (answering). All hashes are lower-case hex.
 */
public final class Digest {
    private Digest() {
    }

    /** H(username ":" realm ":" password), what a user store keeps instead of the password (RFC 7616 §3.4.2). */
    public static String ha1(DigestAlgorithm algorithm, String username, String realm, String password) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * The request-digest. With {@code qop} "auth": KD(HA1, nonce:nc:cnonce:qop:HA2); with qop "" (RFC 2069
     * compatibility): KD(HA1, nonce:HA2). HA2 = H(method ":" uri).
     */
    public static String response(DigestAlgorithm algorithm, String ha1, String method, String uri, String nonce,
                                  String nonceCount, String cnonce, String qop) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Hex of the algorithm's hash of the UTF-8 bytes of {@code text}. */
    public static String hash(DigestAlgorithm algorithm, String text) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Constant-time comparison of two hex digests, so timing tells nothing about how close a guess was. */
    public static boolean matches(String expectedHex, String actualHex) {
        return java.security.MessageDigest.isEqual(
                expectedHex.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                actualHex.toLowerCase(java.util.Locale.ROOT).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
