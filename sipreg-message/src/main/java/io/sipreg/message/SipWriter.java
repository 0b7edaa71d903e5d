package io.sipreg.message;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Serialises messages to wire form: start line, one header field per line in order (list-valued headers one
 * value per line), a Content-Length computed from the body (any Content-Length in the headers is replaced), an
 * empty line, the body. Output parses back to an equal message.
 *
 * <p>One pass: the message is encoded into a per-thread scratch buffer (known header names as precomputed bytes,
 * values char by char, ASCII first) and copied once into the exact-size {@code byte[]} returned. Names and values
 * are written as they are: they must not contain CR or LF (the parser never produces LF in a value, and strict mode
 * never a CR).
 */
public final class SipWriter {
    private static final byte[] SIP_2_0 = "SIP/2.0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "Content-Length: ".getBytes(StandardCharsets.US_ASCII);
    /** A scratch buffer grown past this (a large body) is not kept for the next message. */
    private static final int MAX_KEPT_SCRATCH = 16 * 1024;
    /** From this length on a string is encoded by {@link String#getBytes}, shorter ones char by char. */
    private static final int BULK = 16;

    private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[][] {new byte[1024]});

    private SipWriter() {
    }

    public static byte[] write(SipMessage message) {
        byte[][] holder = SCRATCH.get();
        var out = new Output(holder[0]);
        if (message instanceof SipRequest request) {
            // Method SP Request-URI SP SIP-Version CRLF (RFC 3261 §7.1)
            out.utf8(request.method());
            out.put((byte) ' ');
            out.utf8(request.requestUri().toString());
            out.put((byte) ' ');
            out.put(SIP_2_0);
        } else {
            SipResponse response = (SipResponse) message;
            // SIP-Version SP Status-Code SP Reason-Phrase CRLF (RFC 3261 §7.2)
            out.put(SIP_2_0);
            out.put((byte) ' ');
            out.digits(response.status());
            out.put((byte) ' ');
            out.utf8(response.reason());
        }
        out.crlf();
        List<HeaderField> fields = message.headers().fields();
        for (int i = 0, n = fields.size(); i < n; i++) {
            HeaderField f = fields.get(i);
            String name = f.name();
            if (name.equals(HeaderName.CONTENT_LENGTH)) {
                continue;
            }
            byte[] prefix = HeaderName.fieldPrefix(name);
            if (prefix != null) {
                out.put(prefix);
            } else {
                out.utf8(name);
                out.put((byte) ':');
                out.put((byte) ' ');
            }
            out.utf8(f.value());
            out.crlf();
        }
        Body body = message.body();
        // RFC 3261 §20.14: Content-Length is the body size in octets; written last, then the empty line.
        out.put(CONTENT_LENGTH);
        out.digits(body.length());
        out.crlf();
        out.crlf();
        byte[] wire = Arrays.copyOf(out.bytes, out.length + body.length());
        body.copyTo(wire, out.length);
        holder[0] = out.bytes.length <= MAX_KEPT_SCRATCH ? out.bytes : new byte[1024];
        return wire;
    }

    /** An append-only view of the scratch buffer, growing it when needed. */
    private static final class Output {
        byte[] bytes;
        int length;

        Output(byte[] bytes) {
            this.bytes = bytes;
        }

        void put(byte b) {
            ensure(1);
            bytes[length++] = b;
        }

        void put(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, bytes, length, b.length);
            length += b.length;
        }

        void crlf() {
            ensure(2);
            bytes[length] = '\r';
            bytes[length + 1] = '\n';
            length += 2;
        }

        /** A non-negative int in decimal. */
        void digits(int value) {
            ensure(10);
            int start = length;
            do {
                bytes[length++] = (byte) ('0' + value % 10);
                value /= 10;
            } while (value > 0);
            for (int i = start, j = length - 1; i < j; i++, j--) {
                byte t = bytes[i];
                bytes[i] = bytes[j];
                bytes[j] = t;
            }
        }

        void utf8(String s) {
            int n = s.length();
            if (n >= BULK) {
                // String's own encoder checks and copies whole arrays (intrinsics); a char loop takes ~1 ns a char.
                byte[] encoded = s.getBytes(StandardCharsets.UTF_8);
                put(encoded);
                return;
            }
            // At most 3 bytes per char (a surrogate pair, 2 chars, is 4 bytes).
            ensure(3 * n);
            length = putUtf8(s, bytes, length);
        }

        private void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, length + more));
            }
        }
    }

    /** For logs and the client's --verbose output. */
    public static String toText(SipMessage message) {
        return new String(write(message), StandardCharsets.UTF_8);
    }

    private static int crlf(byte[] out, int p) {
        out[p] = '\r';
        out[p + 1] = '\n';
        return p + 2;
    }

    private static int put(byte[] bytes, byte[] out, int p) {
        System.arraycopy(bytes, 0, out, p, bytes.length);
        return p + bytes.length;
    }

    /** Writes the UTF-8 of {@code s} as {@link String#getBytes} would encode it (a lone surrogate becomes '?'). */
    static int putUtf8(String s, byte[] out, int p) {
        int n = s.length();
        int i = 0;
        // The common case, ASCII, in a loop of its own.
        for (char c; i < n && (c = s.charAt(i)) < 0x80; i++) {
            out[p++] = (byte) c;
        }
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[p++] = (byte) c;
            } else if (c < 0x800) {
                out[p++] = (byte) (0xC0 | (c >> 6));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[p++] = (byte) (0xF0 | (cp >> 18));
                out[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[p++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                out[p++] = '?';
            } else {
                out[p++] = (byte) (0xE0 | (c >> 12));
                out[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return p;
    }
}
