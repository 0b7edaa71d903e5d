package io.sipreg.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sipreg.message.SipText.LineEnding;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SipParserTest {
    private static final String REGISTER = """
            REGISTER sip:registrar.biloxi.example.com SIP/2.0
            Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7
            Max-Forwards: 70
            To: Bob <sip:bob@biloxi.example.com>
            From: Bob <sip:bob@biloxi.example.com>;tag=456248
            Call-ID: 843817637684230@998sdasdh09
            CSeq: 1826 REGISTER
            Contact: <sip:bob@192.0.2.4>
            Expires: 7200
            Content-Length: 0

            """;

    private final SipParser strict = SipParser.strict();
    private final SipParser lenient = SipParser.lenient();

    private static SipParseException error(ParseResult result) {
        return SipText.failed(result).error();
    }

    @ParameterizedTest // RFC 3261 §7.1, §10.2
    @EnumSource(LineEnding.class)
    void parsesRegisterRequestLineAndHeadersInOrder(LineEnding ending) {
        var parsed = SipText.parsed(strict.parse(ending.bytes(REGISTER)));
        var request = (SipRequest) parsed.message();

        assertThat(parsed.tolerated()).isEmpty();
        assertThat(request.method()).isEqualTo("REGISTER");
        assertThat(request.requestUri()).isEqualTo(SipUri.sip("", "registrar.biloxi.example.com", -1));
        assertThat(request.headers().fields()).extracting(HeaderField::name).containsExactly(
                "Via", "Max-Forwards", "To", "From", "Call-ID", "CSeq", "Contact", "Expires", "Content-Length");
        assertThat(request.callId()).isEqualTo("843817637684230@998sdasdh09");
        assertThat(request.cseq()).isEqualTo(new CSeq(1826, "REGISTER"));
        assertThat(request.topVia().branch()).contains("z9hG4bKnashds7");
        assertThat(request.body().isEmpty()).isTrue();
    }

    @ParameterizedTest // RFC 3261 §7 / RFC 4475 §1: bare LF accepted in both modes, reported only when lenient
    @EnumSource(LineEnding.class)
    void reportsBareLfOnlyInLenientMode(LineEnding ending) {
        var parsed = SipText.parsed(lenient.parse(ending.bytes(REGISTER)));

        if (ending == LineEnding.LF) {
            assertThat(parsed.tolerated()).extracting(SipParseException::violation)
                    .containsExactly(Violation.BARE_LF);
            assertThat(parsed.tolerated().get(0).offset()).isEqualTo(REGISTER.indexOf('\n'));
        } else {
            assertThat(parsed.tolerated()).isEmpty();
        }
    }

    @ParameterizedTest // RFC 3261 §7.3.1 names are case-insensitive, §7.3.3 compact forms
    @EnumSource(LineEnding.class)
    void expandsCompactAndMixedCaseNames(LineEnding ending) {
        var request = (SipRequest) SipText.parsed(strict.parse(ending.bytes("""
                OPTIONS sip:carol@chicago.example.com SIP/2.0
                v: SIP/2.0/TCP pc33.example.com;branch=z9hG4bKhjhs8ass877
                mAX-fORWARDS: 70
                t: <sip:carol@chicago.example.com>
                f: Alice <sip:alice@example.com>;tag=1928301774
                i: a84b4c76e66710
                CSEQ: 63104 OPTIONS
                m: <sip:alice@pc33.example.com>
                X-Custom-Header: kept as written
                l: 0

                """))).message();

        assertThat(request.headers().fields()).extracting(HeaderField::name).containsExactly(
                "Via", "Max-Forwards", "To", "From", "Call-ID", "CSeq", "Contact", "X-Custom-Header",
                "Content-Length");
    }

    @ParameterizedTest // RFC 3261 §7.3.1: folded lines are one value, each fold one SP
    @EnumSource(LineEnding.class)
    void unfoldsContinuationLines(LineEnding ending) {
        var request = (SipRequest) SipText.parsed(strict.parse(ending.bytes("""
                OPTIONS sip:carol@chicago.example.com SIP/2.0
                Via: SIP/2.0/UDP pc33.example.com
                  ;branch=z9hG4bKhjhs8ass877
                Max-Forwards: 70
                To: <sip:carol@chicago.example.com>
                From: <sip:alice@example.com>;tag=1928301774
                Call-ID: a84b4c76e66710
                CSeq: 63104
                \tOPTIONS
                Subject: a  b
                 c
                Content-Length: 0

                """))).message();

        assertThat(request.headers().first("Via"))
                .contains("SIP/2.0/UDP pc33.example.com ;branch=z9hG4bKhjhs8ass877");
        assertThat(request.headers().first("CSeq")).contains("63104 OPTIONS");
        assertThat(request.headers().first("Subject")).contains("a  b c");
    }

    @ParameterizedTest // RFC 3261 §7.3.1: lists split at commas, but not inside quotes or <>
    @EnumSource(LineEnding.class)
    void splitsListValuedHeadersButNotInsideQuotesOrBrackets(LineEnding ending) {
        var request = (SipRequest) SipText.parsed(strict.parse(ending.bytes("""
                REGISTER sip:example.com SIP/2.0
                Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK2
                Max-Forwards: 70
                To: <sip:alice@example.com>
                From: "Doe, Jane" <sip:alice@example.com>;tag=1
                Call-ID: c1
                CSeq: 1 REGISTER
                Contact: "Doe, Jane" <sip:alice@192.0.2.1>;x="a,b";q=0.5, <sip:alice@[2001:db8::2]:5070>
                Contact: <sip:a,b@192.0.2.3>;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"
                Content-Length: 0

                """))).message();

        assertThat(request.headers().all("Via")).containsExactly(
                "SIP/2.0/UDP a.example.com;branch=z9hG4bK1", "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK2");
        assertThat(request.headers().all("Contact")).containsExactly(
                "\"Doe, Jane\" <sip:alice@192.0.2.1>;x=\"a,b\";q=0.5", "<sip:alice@[2001:db8::2]:5070>",
                "<sip:a,b@192.0.2.3>;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"");
        assertThat(request.headers().first("From")).contains("\"Doe, Jane\" <sip:alice@example.com>;tag=1");
    }

    @ParameterizedTest // RFC 3261 §8.1.1.3, §21.4.1
    @EnumSource(LineEnding.class)
    void rejectsRequestWithoutFromNamingTheEndOfTheHeaders(LineEnding ending) {
        String text = ending.text(REGISTER.replace("From: Bob <sip:bob@biloxi.example.com>;tag=456248\n", ""));
        var failed = SipText.failed(strict.parse(text.getBytes(StandardCharsets.UTF_8)));

        assertThat(failed.error().violation()).isEqualTo(Violation.MISSING_FROM);
        assertThat(failed.error().violation().reason()).isEqualTo("Missing From header");
        String blank = ending == LineEnding.CRLF ? "\r\n\r\n" : "\n\n";
        assertThat(failed.error().offset()).isEqualTo(text.indexOf(blank) + blank.length() / 2);
        assertThat(failed.error().detail()).isEqualTo("From");
        assertThat(failed.isRequest()).isTrue();
        assertThat(failed.method()).contains("REGISTER");
        assertThat(failed.partialHeaders().all("Via")).hasSize(1);
        assertThat(failed.partialHeaders().first("CSeq")).contains("1826 REGISTER");
    }

    @ParameterizedTest // RFC 3261 §8.1.1.5: "The method MUST match that of the request."
    @EnumSource(LineEnding.class)
    void rejectsCSeqMethodMismatchAtTheMethod(LineEnding ending) {
        String text = ending.text(REGISTER.replace("CSeq: 1826 REGISTER", "CSeq: 1826 INVITE"));
        var error = error(strict.parse(text.getBytes(StandardCharsets.UTF_8)));

        assertThat(error.violation()).isEqualTo(Violation.CSEQ_METHOD_MISMATCH);
        assertThat(error.violation().reason()).isEqualTo("CSeq method does not match");
        assertThat(error.offset()).isEqualTo(text.indexOf("INVITE"));
    }

    @ParameterizedTest // RFC 3261 §8.1.1.6
    @EnumSource(LineEnding.class)
    void strictModeRequiresMaxForwards(LineEnding ending) {
        String text = ending.text(REGISTER.replace("Max-Forwards: 70\n", ""));
        var error = error(strict.parse(text.getBytes(StandardCharsets.UTF_8)));

        assertThat(error.violation()).isEqualTo(Violation.MISSING_MAX_FORWARDS);
        assertThat(error.violation().reason()).isEqualTo("Missing Max-Forwards header");
    }

    @ParameterizedTest // RFC 3261 §7.3.1: Call-ID may appear once
    @EnumSource(LineEnding.class)
    void rejectsDuplicatedCallIdAtTheSecondLine(LineEnding ending) {
        String text = ending.text(REGISTER.replace("CSeq:", "Call-ID: other@host\nCSeq:"));
        var error = error(strict.parse(text.getBytes(StandardCharsets.UTF_8)));

        assertThat(error.violation()).isEqualTo(Violation.DUPLICATE_HEADER);
        assertThat(error.offset()).isEqualTo(text.indexOf("Call-ID: other"));
        assertThat(error.detail()).isEqualTo("Call-ID");
    }

    @ParameterizedTest // RFC 3261 §20.42
    @EnumSource(LineEnding.class)
    void keepsReadingHeadersAfterABadViaSoTheFourHundredCanCopyThem(LineEnding ending) {
        String text = ending.text("""
                REGISTER sip:example.com SIP/2.0
                Via: SIP/2.0/UDP ;branch=z9hG4bK1
                From: <sip:alice@example.com>;tag=1
                To: <sip:alice@example.com>
                Call-ID: c1
                Max-Forwards: 70
                CSeq: 1 REGISTER
                Content-Length: 0

                """);
        var failed = SipText.failed(strict.parse(text.getBytes(StandardCharsets.UTF_8)));

        assertThat(failed.error().violation()).isEqualTo(Violation.BAD_VIA);
        assertThat(failed.error().offset()).isEqualTo(text.indexOf(";branch"));
        assertThat(failed.error().detail()).isEqualTo("Via");
        assertThat(failed.partialHeaders().first("CSeq")).contains("1 REGISTER");
        assertThat(failed.partialHeaders().first("Call-ID")).contains("c1");
    }

    @ParameterizedTest // RFC 3261 §7.3: a line with no colon
    @EnumSource(LineEnding.class)
    void badHeaderLineFailsStrictButIsSkippedWhenLenient(LineEnding ending) {
        String text = ending.text(REGISTER.replace("Expires: 7200\n", "this is not a header\nExpires: 7200\n"));
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);

        var error = error(strict.parse(bytes));
        assertThat(error.violation()).isEqualTo(Violation.BAD_HEADER_LINE);
        assertThat(error.offset()).isEqualTo(text.indexOf("this is"));

        var parsed = SipText.parsed(lenient.parse(bytes));
        assertThat(parsed.tolerated()).extracting(SipParseException::violation).contains(Violation.BAD_HEADER_LINE);
        assertThat(parsed.message().headers().first("Expires")).contains("7200");
    }

    @ParameterizedTest // RFC 3261 §18.3: on UDP the body ends at Content-Length; the rest is discarded
    @EnumSource(LineEnding.class)
    void bodyEndsAtContentLengthAndExtraBytesAreDiscarded(LineEnding ending) {
        String text = ending.text(REGISTER.replace("Content-Length: 0", "Content-Length: 5")) + "hello-and-more";
        var request = SipText.parsed(strict.parse(text.getBytes(StandardCharsets.UTF_8))).message();

        assertThat(request.body().toString()).isEqualTo("hello");
    }

    @ParameterizedTest // RFC 3261 §18.3: "the body ... extends to the end of the datagram" without Content-Length
    @EnumSource(LineEnding.class)
    void withoutContentLengthTheBodyIsTheRestOfTheDatagram(LineEnding ending) {
        String text = ending.text(REGISTER.replace("Content-Length: 0\n", "")) + "rest";
        var request = SipText.parsed(strict.parse(text.getBytes(StandardCharsets.UTF_8))).message();

        assertThat(request.body().toString()).isEqualTo("rest");
    }

    @ParameterizedTest // RFC 3261 §18.3: a Content-Length beyond the datagram is a 400
    @EnumSource(LineEnding.class)
    void contentLengthLargerThanTheDatagramFailsStrict(LineEnding ending) {
        String text = ending.text(REGISTER.replace("Content-Length: 0", "Content-Length: 50")) + "short";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        var error = error(strict.parse(bytes));

        assertThat(error.violation()).isEqualTo(Violation.CONTENT_LENGTH_TOO_LARGE);
        assertThat(error.offset()).isEqualTo(text.indexOf("Content-Length: 50") + "Content-Length: ".length());
        assertThat(SipText.parsed(lenient.parse(bytes)).message().body().toString()).isEqualTo("short");
    }

    @ParameterizedTest // RFC 3261 §7.2
    @EnumSource(LineEnding.class)
    void parsesResponse(LineEnding ending) {
        var response = (SipResponse) SipText.parsed(strict.parse(ending.bytes("""
                SIP/2.0 200 OK
                Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7;received=192.0.2.4
                To: Bob <sip:bob@biloxi.example.com>;tag=2493k59kd
                From: Bob <sip:bob@biloxi.example.com>;tag=456248
                Call-ID: 843817637684230@998sdasdh09
                CSeq: 1826 REGISTER
                Contact: <sip:bob@192.0.2.4>;expires=7200
                Content-Length: 0

                """))).message();

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.reason()).isEqualTo("OK");
    }

    @ParameterizedTest // ParseLimits
    @EnumSource(LineEnding.class)
    void enforcesHeaderCountLimitInBothModes(LineEnding ending) {
        var parser = new SipParser(new ParseLimits(65_535, 5, 8_192), SipParser.Mode.LENIENT);
        var error = error(parser.parse(ending.bytes(REGISTER)));

        assertThat(error.violation()).isEqualTo(Violation.TOO_MANY_HEADERS);
    }

    @ParameterizedTest // RFC 3261 §18.3: streams need Content-Length
    @EnumSource(LineEnding.class)
    void frameLengthFindsTheEndOfTheFirstMessage(LineEnding ending) {
        byte[] one = ending.bytes(REGISTER.replace("Content-Length: 0", "Content-Length: 4") + "body");
        byte[] two = new byte[one.length * 2];
        System.arraycopy(one, 0, two, 0, one.length);
        System.arraycopy(one, 0, two, one.length, one.length);

        assertThat(strict.frameLength(two, 0, two.length)).isEqualTo(one.length);
        assertThat(strict.frameLength(two, 0, one.length - 1)).isZero();
        assertThat(strict.frameLength(two, 0, 10)).isZero();
    }

    @ParameterizedTest // RFC 3261 §18.3: "MUST be used with stream oriented transports"
    @EnumSource(LineEnding.class)
    void frameLengthRequiresContentLength(LineEnding ending) {
        byte[] bytes = ending.bytes(REGISTER.replace("Content-Length: 0\n", ""));
        var thrown = catchThrowableOfType(SipParseException.class, () -> strict.frameLength(bytes, 0, bytes.length));

        assertThat(thrown.violation()).isEqualTo(Violation.MISSING_CONTENT_LENGTH);
    }

    @ParameterizedTest
    @EnumSource(LineEnding.class)
    void neverThrowsForTruncations(LineEnding ending) {
        byte[] bytes = ending.bytes(REGISTER);
        for (int n = 0; n <= bytes.length; n++) {
            for (var parser : List.of(strict, lenient)) {
                assertThat(parser.parse(bytes, 0, n)).isNotNull();
            }
        }
    }
}
