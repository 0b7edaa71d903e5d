package io.sipreg.message.digest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Digest arithmetic (RFC 2617 §3.2.2, RFC 7616 §3.4.1-3.4.3). Shared by the registrar (verifying) and the
 * client (answering). All hashes are lower-case hex.
 */
public final class Digest {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Digest() {
    }

    /** H(username ":" realm ":" password), what a user store keeps instead of the password (RFC 7616 §3.4.2). */
    public static String ha1(DigestAlgorithm algorithm, String username, String realm, String password) {
        return hash(algorithm, username + ':' + realm + ':' + password);
    }

    /**
     * The request-digest. With {@code qop} "auth": KD(HA1, nonce:nc:cnonce:qop:HA2); with qop "" (RFC 2069
     * compatibility): KD(HA1, nonce:HA2). HA2 = H(method ":" uri).
     */
    public static String response(DigestAlgorithm algorithm, String ha1, String method, String uri, String nonce,
                                  String nonceCount, String cnonce, String qop) {
        // RFC 7616 §3.4.3: A2 = Method ":" request-uri (qop "auth"; auth-int is not offered by sipreg)
        String ha2 = hash(algorithm, method + ':' + uri);
        // RFC 7616 §3.4.1: KD(secret, data) = H(concat(secret, ":", data))
        if (qop.isEmpty()) {
            // RFC 2617 §3.2.2.1, RFC 2069 compatibility
            return hash(algorithm, ha1 + ':' + nonce + ':' + ha2);
        }
        return hash(algorithm, ha1 + ':' + nonce + ':' + nonceCount + ':' + cnonce + ':' + qop + ':' + ha2);
    }

    /** Hex of the algorithm's hash of the UTF-8 bytes of {@code text}. */
    public static String hash(DigestAlgorithm algorithm, String text) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm.jcaName());
        } catch (NoSuchAlgorithmException e) {
            // MD5 and SHA-256 are required of every Java platform (MessageDigest Javadoc).
            throw new IllegalStateException(algorithm.jcaName() + " missing from the Java platform", e);
        }
        byte[] digest = md.digest(text.getBytes(StandardCharsets.UTF_8));
        char[] hex = new char[digest.length * 2];
        for (int i = 0; i < digest.length; i++) {
            hex[2 * i] = HEX[(digest[i] >> 4) & 0xF];
            hex[2 * i + 1] = HEX[digest[i] & 0xF];
        }
        return new String(hex);
    }

    /** Constant-time comparison of two hex digests, so timing tells nothing about how close a guess was. */
    public static boolean matches(String expectedHex, String actualHex) {
        return java.security.MessageDigest.isEqual(
                expectedHex.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                actualHex.toLowerCase(java.util.Locale.ROOT).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
