package io.sipreg.transaction;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParser;
import io.sipreg.message.SipRequest;

/**
 * Test messages as text blocks: bare LF becomes CRLF, nothing else changes (Content-Length least of all). The line
 * ending work is the message module's {@link io.sipreg.message.SipText}; what is here is this module's own.
 */
final class SipText {
    private SipText() {
    }

    static byte[] bytes(String text) {
        return io.sipreg.message.SipText.bytes(text);
    }

    static ParseResult parse(String text) {
        return SipParser.strict().parse(bytes(text));
    }

    static SipRequest request(String text) {
        ParseResult result = parse(text);
        if (result instanceof ParseResult.Failed failed) {
            throw new AssertionError("expected a request, got " + failed.error().getMessage());
        }
        return (SipRequest) ((ParseResult.Parsed) result).message();
    }

    static ParseResult.Failed failed(String text) {
        ParseResult result = parse(text);
        if (result instanceof ParseResult.Parsed parsed) {
            throw new AssertionError("expected a failure, got " + parsed.message());
        }
        return (ParseResult.Failed) result;
    }

    /** A REGISTER with the given top Via, as the transport hands it up. */
    static SipRequest register(String via) {
        return request("""
                REGISTER sip:registrar.example.com SIP/2.0
                Via: %s
                Max-Forwards: 70
                To: Bob <sip:bob@example.com>
                From: Bob <sip:bob@example.com>;tag=456248
                Call-ID: 843817637684230@998sdasdh09
                CSeq: 1826 REGISTER
                Contact: <sip:bob@10.0.0.5:5060>
                Expires: 3600
                Content-Length: 0

                """.formatted(via));
    }
}
