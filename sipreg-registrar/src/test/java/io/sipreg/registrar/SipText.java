package io.sipreg.registrar;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParser;
import io.sipreg.message.SipRequest;
import java.nio.charset.StandardCharsets;

/**
 * Test messages as text blocks: bare LF becomes CRLF, nothing else changes (Content-Length least of all). The line
 * ending work is the message module's {@link io.sipreg.message.SipText}; what is here is this module's own.
 */
final class SipText {
    private SipText() {
    }

    static String crlf(String text) {
        return io.sipreg.message.SipText.crlf(text);
    }

    /** Parses a request strictly, as the server would; fails the test if the text is not a valid request. */
    static SipRequest request(String text) {
        ParseResult result = SipParser.strict().parse(crlf(text).getBytes(StandardCharsets.UTF_8));
        if (result instanceof ParseResult.Failed failed) {
            throw new AssertionError("not a valid request: " + failed.error().getMessage() + "\n" + text);
        }
        return (SipRequest) ((ParseResult.Parsed) result).message();
    }

    /**
     * Parses a request leniently. For input the strict parser refuses (so in production the transaction layer
     * answers 400 before the registrar sees it): the registrar's own checks must hold without that layer too.
     */
    static SipRequest lenientRequest(String text) {
        ParseResult result = SipParser.lenient().parse(crlf(text).getBytes(StandardCharsets.UTF_8));
        if (result instanceof ParseResult.Failed failed) {
            throw new AssertionError("not even leniently a request: " + failed.error().getMessage() + "\n" + text);
        }
        return (SipRequest) ((ParseResult.Parsed) result).message();
    }

    /** {@code text} with {@code header} inserted just before Content-Length (the last header of every fixture). */
    static String withHeader(String text, String header) {
        int at = text.indexOf("Content-Length:");
        if (at < 0) {
            throw new IllegalArgumentException("fixture has no Content-Length line");
        }
        return text.substring(0, at) + header + "\n" + text.substring(at);
    }
}
