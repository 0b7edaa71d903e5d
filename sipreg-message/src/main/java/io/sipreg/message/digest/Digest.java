package io.sipreg.message.digest;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Digest arithmetic (RFC 2617 §3.2.2, RFC 7616 §3.4.1-3.4.3). Shared by the registrar (verifying) and the
 * client (answering). All hashes are lower-case hex.
 *
 * <p>Every authenticated REGISTER costs two hashes here, so the inputs are encoded straight into a per-thread
 * buffer and hashed by a per-thread {@link MessageDigest} ({@code getInstance} searches the security providers on
 * every call). The bytes hashed are exactly the UTF-8 of the concatenated strings: each piece is encoded on its own,
 * which is the same because a ':' separates every two pieces, so no surrogate pair is split.
 */
public final class Digest {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final DigestAlgorithm[] ALGORITHMS = DigestAlgorithm.values();

    private static final ThreadLocal<Hasher> HASHERS = ThreadLocal.withInitial(Hasher::new);

    private Digest() {
    }

    /** H(username ":" realm ":" password), what a user store keeps instead of the password (RFC 7616 §3.4.2). */
    public static String ha1(DigestAlgorithm algorithm, String username, String realm, String password) {
        return HASHERS.get().start().append(username).append(':').append(realm).append(':').append(password)
                .hexString(algorithm);
    }

    /**
     * The request-digest. With {@code qop} "auth": KD(HA1, nonce:nc:cnonce:qop:HA2); with qop "" (RFC 2069
     * compatibility): KD(HA1, nonce:HA2). HA2 = H(method ":" uri).
     */
    public static String response(DigestAlgorithm algorithm, String ha1, String method, String uri, String nonce,
                                  String nonceCount, String cnonce, String qop) {
        Hasher h = HASHERS.get();
        // RFC 7616 §3.4.3: A2 = Method ":" request-uri (qop "auth"; auth-int is not offered by sipreg)
        byte[] ha2 = h.start().append(method).append(':').append(uri).hash(algorithm);
        int ha2Length = h.hashLength;
        // RFC 7616 §3.4.1: KD(secret, data) = H(concat(secret, ":", data))
        h.start().append(ha1).append(':').append(nonce).append(':');
        if (!qop.isEmpty()) {
            h.append(nonceCount).append(':').append(cnonce).append(':').append(qop).append(':');
        }
        // else RFC 2617 §3.2.2.1, RFC 2069 compatibility: KD(HA1, nonce:HA2)
        return h.appendHex(ha2, ha2Length).hexString(algorithm);
    }

    /** Hex of the algorithm's hash of the UTF-8 bytes of {@code text}. */
    public static String hash(DigestAlgorithm algorithm, String text) {
        return HASHERS.get().start().append(text).hexString(algorithm);
    }

    /** Constant-time comparison of two hex digests, so timing tells nothing about how close a guess was. */
    public static boolean matches(String expectedHex, String actualHex) {
        int n = expectedHex.length();
        int m = actualHex.length();
        // MessageDigest.isEqual of the ASCII bytes without making them, the client's lower-cased; one pass that also
        // notices non-ASCII. Time depends on the lengths only.
        int result = n ^ m;
        int seen = 0;
        for (int i = 0, length = Math.max(n, m); i < length; i++) {
            char e = i < n ? expectedHex.charAt(i) : 0;
            char a = i < m ? actualHex.charAt(i) : 0;
            seen |= e | a;
            result |= e ^ (a >= 'A' && a <= 'Z' ? a + 32 : a);
        }
        if (seen >= 0x80) {
            // Never a hex digest; the encoder's replacement of non-ASCII characters decides, as it always has.
            return MessageDigest.isEqual(expectedHex.getBytes(StandardCharsets.US_ASCII),
                    actualHex.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
        }
        return result == 0;
    }

    /** The input of one hash at a time, encoded as UTF-8 into a reused buffer, and the digests that hash it. */
    private static final class Hasher {
        private static final int MAX_KEPT_BUFFER = 8192;

        private final MessageDigest[] digests = new MessageDigest[ALGORITHMS.length];
        private final byte[] hash = new byte[64];
        private final byte[] inner = new byte[64];
        private byte[] buffer = new byte[512];
        private int length;
        private int hashLength;

        Hasher start() {
            length = 0;
            if (buffer.length > MAX_KEPT_BUFFER) {
                // One huge input (a long password or URI) should not pin its buffer to the thread for good.
                buffer = new byte[512];
            }
            return this;
        }

        Hasher append(char ascii) {
            ensure(1);
            buffer[length++] = (byte) ascii;
            return this;
        }

        /** Appends the UTF-8 of {@code s} as {@link String#getBytes} makes it (a lone surrogate becomes '?'). */
        Hasher append(String s) {
            int n = s.length();
            ensure(3 * n);
            byte[] b = buffer;
            int p = length;
            int i = 0;
            // The common case, ASCII, in a loop of its own.
            for (char c; i < n && (c = s.charAt(i)) < 0x80; i++) {
                b[p++] = (byte) c;
            }
            for (; i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    b[p++] = (byte) c;
                } else if (c < 0x800) {
                    b[p++] = (byte) (0xC0 | (c >> 6));
                    b[p++] = (byte) (0x80 | (c & 0x3F));
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    b[p++] = (byte) (0xF0 | (cp >> 18));
                    b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (cp & 0x3F));
                } else if (Character.isSurrogate(c)) {
                    b[p++] = '?';
                } else {
                    b[p++] = (byte) (0xE0 | (c >> 12));
                    b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                    b[p++] = (byte) (0x80 | (c & 0x3F));
                }
            }
            length = p;
            return this;
        }

        /** Appends {@code bytes[0, n)} as lower-case hex. */
        Hasher appendHex(byte[] bytes, int n) {
            ensure(2 * n);
            for (int i = 0; i < n; i++) {
                buffer[length++] = HEX[(bytes[i] >> 4) & 0xF];
                buffer[length++] = HEX[bytes[i] & 0xF];
            }
            return this;
        }

        /**
         * Hashes the input into a buffer of its own that later appends leave alone (KD's input is built in the same
         * input buffer while HA2 is still to be appended); the hash's length is {@link #hashLength}.
         */
        byte[] hash(DigestAlgorithm algorithm) {
            hashLength = digestInto(digest(algorithm));
            System.arraycopy(hash, 0, inner, 0, hashLength);
            return inner;
        }

        String hexString(DigestAlgorithm algorithm) {
            MessageDigest md = digest(algorithm);
            int n = digestInto(md);
            byte[] hex = new byte[2 * n];
            for (int i = 0; i < n; i++) {
                hex[2 * i] = HEX[(hash[i] >> 4) & 0xF];
                hex[2 * i + 1] = HEX[hash[i] & 0xF];
            }
            return new String(hex, StandardCharsets.ISO_8859_1);
        }

        private int digestInto(MessageDigest md) {
            md.update(buffer, 0, length);
            try {
                return md.digest(hash, 0, hash.length);
            } catch (DigestException e) {
                throw new IllegalStateException(e);
            }
        }

        private MessageDigest digest(DigestAlgorithm algorithm) {
            MessageDigest md = digests[algorithm.ordinal()];
            if (md == null) {
                try {
                    md = MessageDigest.getInstance(algorithm.jcaName());
                } catch (NoSuchAlgorithmException e) {
                    // MD5 and SHA-256 are required of every Java platform (MessageDigest Javadoc).
                    throw new IllegalStateException(algorithm.jcaName() + " missing from the Java platform", e);
                }
                digests[algorithm.ordinal()] = md;
            }
            return md;
        }

        private void ensure(int more) {
            if (length + more > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
            }
        }
    }
}
