package io.sipreg.message;

import java.nio.charset.StandardCharsets;

/**
 * Messages as they may be logged: the values of Authorization and Proxy-Authorization (RFC 3261 §20.7, §20.28) are
 * replaced by their username alone, so a log holds no digest response, nonce or cnonce from which a password could be
 * attacked offline. Everything else is shown as it was sent.
 */
public final class Redaction {
    static final String REDACTED = "(credentials redacted)";

    private Redaction() {
    }

    /** The message's wire form, credentials redacted. */
    public static String of(SipMessage message) {
        return text(new String(SipWriter.write(message), StandardCharsets.UTF_8));
    }

    /** {@code wire}, as bytes on the wire, credentials redacted. */
    public static String of(byte[] wire) {
        return text(new String(wire, StandardCharsets.UTF_8));
    }

    /** Each header line named Authorization or Proxy-Authorization keeps its name, scheme and username only. */
    public static String text(String wire) {
        var out = new StringBuilder(wire.length());
        int start = 0;
        while (start < wire.length()) {
            int lf = wire.indexOf('\n', start);
            int end = lf < 0 ? wire.length() : lf + 1;
            String line = wire.substring(start, end);
            int colon = line.indexOf(':');
            String name = colon > 0 ? line.substring(0, colon).strip() : "";
            if (name.equalsIgnoreCase(HeaderName.AUTHORIZATION) || name.equalsIgnoreCase(HeaderName.PROXY_AUTHORIZATION)) {
                out.append(line, 0, colon + 1).append(' ').append(summary(line.substring(colon + 1)))
                        .append(line.endsWith("\r\n") ? "\r\n" : line.endsWith("\n") ? "\n" : "");
            } else {
                out.append(line);
            }
            start = end;
        }
        return out.toString();
    }

    /** {@code Digest username="alice" (credentials redacted)}: who, never the proof. */
    private static String summary(String value) {
        String v = value.strip();
        int space = v.indexOf(' ');
        String scheme = space > 0 ? v.substring(0, space) : v;
        int user = indexOfIgnoreCase(v, "username=");
        if (user < 0) {
            return scheme + " " + REDACTED;
        }
        int from = user + "username=".length();
        int to = from;
        if (to < v.length() && v.charAt(to) == '"') {
            int close = v.indexOf('"', to + 1);
            to = close < 0 ? v.length() : close + 1;
        } else {
            while (to < v.length() && v.charAt(to) != ',' && v.charAt(to) != ' ') {
                to++;
            }
        }
        return scheme + " username=" + v.substring(from, to) + " " + REDACTED;
    }

    private static int indexOfIgnoreCase(String text, String what) {
        return text.toLowerCase(java.util.Locale.ROOT).indexOf(what);
    }
}
