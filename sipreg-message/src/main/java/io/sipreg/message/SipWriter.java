package io.sipreg.message;

import java.nio.charset.StandardCharsets;

/**
 * Serialises messages to wire form: start line, one header field per line in order (list-valued headers one
 * value per line), a Content-Length computed from the body (any Content-Length in the headers is replaced), an
 * empty line, the body. Output parses back to an equal message.
 *
 * <p>The exact size is computed first, so a message costs one {@code byte[]} and no intermediate copies. Names and
 * values are written as they are: they must not contain CR or LF (the parser never produces LF in a value, and
 * strict mode never a CR).
 */
public final class SipWriter {
    private static final byte[] SIP_2_0 = "SIP/2.0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "Content-Length: ".getBytes(StandardCharsets.US_ASCII);

    private SipWriter() {
    }

    public static byte[] write(SipMessage message) {
        String requestUri = "";
        String reason = "";
        int size;
        if (message instanceof SipRequest request) {
            requestUri = request.requestUri().toString();
            // Method SP Request-URI SP SIP-Version CRLF (RFC 3261 §7.1)
            size = utf8Length(request.method()) + 1 + utf8Length(requestUri) + 1 + SIP_2_0.length + 2;
        } else {
            SipResponse response = (SipResponse) message;
            reason = response.reason();
            // SIP-Version SP Status-Code SP Reason-Phrase CRLF (RFC 3261 §7.2)
            size = SIP_2_0.length + 1 + 3 + 1 + utf8Length(reason) + 2;
        }
        for (HeaderField f : message.headers().fields()) {
            if (!f.name().equals(HeaderName.CONTENT_LENGTH)) {
                size += utf8Length(f.name()) + 2 + utf8Length(f.value()) + 2;
            }
        }
        Body body = message.body();
        String bodyLength = Integer.toString(body.length());
        // RFC 3261 §20.14: Content-Length is the body size in octets; written last, then the empty line.
        size += CONTENT_LENGTH.length + bodyLength.length() + 2 + 2 + body.length();

        byte[] out = new byte[size];
        int p;
        if (message instanceof SipRequest request) {
            p = putUtf8(request.method(), out, 0);
            out[p++] = ' ';
            p = putUtf8(requestUri, out, p);
            out[p++] = ' ';
            p = put(SIP_2_0, out, p);
        } else {
            SipResponse response = (SipResponse) message;
            p = put(SIP_2_0, out, 0);
            out[p++] = ' ';
            out[p++] = (byte) ('0' + response.status() / 100);
            out[p++] = (byte) ('0' + response.status() / 10 % 10);
            out[p++] = (byte) ('0' + response.status() % 10);
            out[p++] = ' ';
            p = putUtf8(reason, out, p);
        }
        p = crlf(out, p);
        for (HeaderField f : message.headers().fields()) {
            if (!f.name().equals(HeaderName.CONTENT_LENGTH)) {
                p = putUtf8(f.name(), out, p);
                out[p++] = ':';
                out[p++] = ' ';
                p = putUtf8(f.value(), out, p);
                p = crlf(out, p);
            }
        }
        p = put(CONTENT_LENGTH, out, p);
        p = putUtf8(bodyLength, out, p);
        p = crlf(out, p);
        p = crlf(out, p);
        body.copyTo(out, p);
        return out;
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

    /** The UTF-8 size of {@code s}, as {@link String#getBytes} would encode it (a lone surrogate becomes '?'). */
    static int utf8Length(String s) {
        int n = s.length();
        int length = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    length += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    length += 2;
                    i++;
                } else if (!Character.isSurrogate(c)) {
                    length += 2;
                }
            }
        }
        return length;
    }

    static int putUtf8(String s, byte[] out, int p) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
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
