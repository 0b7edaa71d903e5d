package io.sipreg.message;

import java.nio.charset.StandardCharsets;

/**
 * Test messages as text blocks. Line ends become CRLF (or stay bare LF); nothing else changes, Content-Length
 * least of all: a test that sends a body writes its Content-Length itself.
 */
public final class SipText {
    private SipText() {
    }

    /** The two line endings every parser test runs with (RFC 3261 §7 requires CRLF; RFC 4475 §1 be liberal). */
    public enum LineEnding {
        CRLF, LF;

        public byte[] bytes(String textBlock) {
            return (this == CRLF ? crlf(textBlock) : textBlock).getBytes(StandardCharsets.UTF_8);
        }

        public String text(String textBlock) {
            return this == CRLF ? crlf(textBlock) : textBlock;
        }
    }

    /** Every bare LF becomes CRLF. */
    public static String crlf(String text) {
        var sb = new StringBuilder(text.length() + 32);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' && (i == 0 || text.charAt(i - 1) != '\r')) {
                sb.append('\r');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    public static byte[] bytes(String text) {
        return crlf(text).getBytes(StandardCharsets.UTF_8);
    }

    /** Parses a CRLF version of {@code text} strictly and returns the request, failing the test otherwise. */
    public static SipRequest request(String text) {
        return (SipRequest) parsed(SipParser.strict().parse(bytes(text))).message();
    }

    public static SipResponse response(String text) {
        return (SipResponse) parsed(SipParser.strict().parse(bytes(text))).message();
    }

    public static ParseResult.Parsed parsed(ParseResult result) {
        if (result instanceof ParseResult.Failed failed) {
            throw new AssertionError("expected a message, got " + failed.error().getMessage());
        }
        return (ParseResult.Parsed) result;
    }

    public static ParseResult.Failed failed(ParseResult result) {
        if (result instanceof ParseResult.Parsed parsed) {
            throw new AssertionError("expected a failure, got " + parsed.message());
        }
        return (ParseResult.Failed) result;
    }
}
