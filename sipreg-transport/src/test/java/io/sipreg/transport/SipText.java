package io.sipreg.transport;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipMessage;
import io.sipreg.message.SipParser;
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

    static byte[] bytes(String text) {
        return crlf(text).getBytes(StandardCharsets.UTF_8);
    }

    static SipMessage parse(byte[] wire) {
        ParseResult result = SipParser.strict().parse(wire);
        if (result instanceof ParseResult.Failed failed) {
            throw new AssertionError("expected a message, got " + failed.error().getMessage());
        }
        return ((ParseResult.Parsed) result).message();
    }

    /** A REGISTER as a UA behind NAT sends it: private sent-by, rport asked for (RFC 3581 §3). */
    static String register(String transport, String branch) {
        return """
                REGISTER sip:registrar.example.com SIP/2.0
                Via: SIP/2.0/%s 10.0.0.5:5060;branch=%s;rport
                Max-Forwards: 70
                To: Bob <sip:bob@example.com>
                From: Bob <sip:bob@example.com>;tag=456248
                Call-ID: 843817637684230@998sdasdh09
                CSeq: 1826 REGISTER
                Contact: <sip:bob@10.0.0.5:5060;transport=%s>
                Expires: 3600
                Content-Length: 0

                """.formatted(transport, branch, transport.toLowerCase(java.util.Locale.ROOT));
    }
}
