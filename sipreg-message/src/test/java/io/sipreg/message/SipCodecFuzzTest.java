package io.sipreg.message;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.fuzz.Fuzz;
import io.sipreg.message.fuzz.Mutation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Mutation fuzzing of the codec with real messages as seeds (every RFC 4475 torture message and a REGISTER
 * of each common phone), mutated as hostile or broken senders do: bit flips, truncation, splices, inserted header
 * lines, NUL and invalid UTF-8, header bombs. Complements {@link SipParserFuzzTest}, the fixed-seed regression run:
 * this one explores for {@value Fuzz#DEFAULT_SECONDS} s per property with a fresh seed each run, longer with
 * {@code -Dfuzz.seconds=600}.
 */
class SipCodecFuzzTest {
    private static final List<byte[]> SEEDS = seeds();
    private static final SipParser STRICT = SipParser.strict();
    private static final SipParser LENIENT = SipParser.lenient();
    private static final SipParser TIGHT = new SipParser(new ParseLimits(600, 12, 200), SipParser.Mode.STRICT);

    private static Fuzz fuzz(String property) {
        return Fuzz.of(property, SEEDS);
    }

    @Test
    void parseAnswersEveryInputWithAResultAndNeverThrows() {
        fuzz("parse").check(input -> parseAnswers(input.bytes()));
    }

    private static void parseAnswers(byte[] bytes) {
        for (SipParser parser : new SipParser[] {STRICT, LENIENT, TIGHT}) {
            ParseResult result = parser.parse(bytes);
            if (result instanceof ParseResult.Failed failed) {
                // A 400's reason and the analyzer's finding come from here: a violation and an offset in the input.
                assertThat(failed.error().violation()).isNotNull();
                assertThat(failed.error().offset()).isBetween(0, bytes.length);
            } else if (parser.mode() == SipParser.Mode.STRICT) {
                // What the registrar reads of an accepted request must be readable without an exception.
                SipMessage message = ((ParseResult.Parsed) result).message();
                message.cseq();
                message.topVia();
                message.callId();
                ContactSet.of(message.headers());
            }
        }
    }

    /** RFC 3261 §7: what parses is written back to bytes that parse to an equal message (JAIN-SIP's round trip). */
    @Test
    void whateverParsesIsWrittenAndParsedBackEqual() {
        fuzz("round trip").check(input -> roundTrip(input.bytes()));
    }

    private static void roundTrip(byte[] bytes) {
        for (SipParser parser : new SipParser[] {STRICT, LENIENT}) {
            if (!(parser.parse(bytes) instanceof ParseResult.Parsed parsed)) {
                continue;
            }
            SipMessage message = parsed.message();
            byte[] wire = SipWriter.write(message);
            // The property is the codec's, not the limits': the writer always adds Content-Length (one more header
            // field), and the lenient parser reads an invalid UTF-8 byte as U+FFFD, written back as three bytes, so
            // a line just under the limit can come back just over it.
            ParseLimits d = ParseLimits.DEFAULT;
            var roomForRepairs = new SipParser(new ParseLimits(3 * d.maxMessageBytes() + 32, d.maxHeaders() + 1,
                    3 * d.maxHeaderLineBytes()), parser.mode());
            ParseResult again = roomForRepairs.parse(wire);
            assertThat(again).as("re-parse of %s", Mutation.printable(wire)).isInstanceOf(ParseResult.Parsed.class);
            SipMessage reparsed = ((ParseResult.Parsed) again).message();
            assertThat(withoutContentLength(reparsed)).isEqualTo(withoutContentLength(message));
        }
    }

    /** The TCP framer's question: a length within the input, 0 for "more bytes", or the documented exception. */
    @Test
    void frameLengthIsWithinTheInputOrTheDocumentedException() {
        fuzz("frameLength").check(input -> frameLength(input.bytes()));
    }

    private static void frameLength(byte[] bytes) {
        for (SipParser parser : new SipParser[] {STRICT, TIGHT}) {
            int length;
            try {
                length = parser.frameLength(bytes, 0, bytes.length);
            } catch (SipParseException documented) {
                continue;
            }
            assertThat(length).isBetween(0, bytes.length);
        }
    }

    /** Content-Length is recomputed by the writer, and a stream needs it where a datagram may leave it out. */
    private static Object withoutContentLength(SipMessage m) {
        Headers headers = m.headers().without(HeaderName.CONTENT_LENGTH);
        return m instanceof SipRequest r
                ? new SipRequest(r.method(), r.requestUri(), headers, r.body())
                : new SipResponse(((SipResponse) m).status(), ((SipResponse) m).reason(), headers, m.body());
    }

    private static List<byte[]> seeds() {
        var seeds = new ArrayList<byte[]>();
        for (String phone : new String[] {BARESIP, YEALINK, SIPP}) {
            seeds.add(SipText.bytes(phone));
        }
        try (Stream<Path> files = Files.list(torture())) {
            files.filter(f -> f.toString().endsWith(".dat")).sorted().forEach(f -> seeds.add(read(f)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return seeds;
    }

    private static Path torture() {
        try {
            return Path.of(SipCodecFuzzTest.class.getResource("/rfc4475").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String BARESIP = """
            REGISTER sip:example.com SIP/2.0
            Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK86b2d71ea2c1d2cd;rport
            Contact: <sip:alice-0x55b5fdb27550@192.168.1.10:5060;transport=udp>;expires=600
            Max-Forwards: 70
            To: <sip:alice@example.com>
            From: <sip:alice@example.com>;tag=ecca6ab2f3756877
            Call-ID: ecca6ab2f3756877
            CSeq: 2381 REGISTER
            User-Agent: baresip v1.0.0 (x86_64/linux)
            Authorization: Digest username="alice",realm="example.com",nonce="a1b2",uri="sip:example.com",\
            response="8d1e0b5f7e3c2a9b4d6f8e0a1c3b5d7f",algorithm=MD5,qop=auth,nc=00000001,cnonce="1f2e"
            Allow: INVITE,ACK,BYE,CANCEL,OPTIONS,NOTIFY,SUBSCRIBE,INFO,MESSAGE,UPDATE,REFER
            Supported: outbound,path,gruu
            Content-Length: 0

            """;

    private static final String YEALINK = """
            REGISTER sip:10.0.0.1:5060 SIP/2.0
            Via: SIP/2.0/TCP 10.0.0.20:5062;branch=z9hG4bK1591634455
            From: "Desk 12" <sip:1012@10.0.0.1:5060>;tag=1426218787
            To: "Desk 12" <sip:1012@10.0.0.1:5060>
            Call-ID: 0_2791417640@10.0.0.20
            CSeq: 1 REGISTER
            Contact: <sip:1012@10.0.0.20:5062;transport=TCP>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-805ec0a1b2c3>";reg-id=1
            X-Grandstream-PBX: true
            Max-Forwards: 70
            User-Agent: Yealink SIP-T46S 66.86.0.15
            Expires: 3600
            Allow: INVITE, INFO, PRACK, ACK, BYE, CANCEL, OPTIONS, NOTIFY, REGISTER, SUBSCRIBE, REFER, PUBLISH, UPDATE, MESSAGE
            Content-Length: 0

            """;

    private static final String SIPP = """
            SIP/2.0 401 Unauthorized
            Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1-0;received=127.0.0.1;rport=5061
            From: sipp <sip:alice@example.com>;tag=1
            To: sut <sip:alice@example.com>;tag=as5d1f
            Call-ID: 1-2795@127.0.0.1
            CSeq: 1 REGISTER
            WWW-Authenticate: Digest realm="example.com", nonce="Y2FmZWJhYmU=", algorithm=MD5, qop="auth"
            Server: sipreg/0.1
            Content-Length: 0

            """;
}
