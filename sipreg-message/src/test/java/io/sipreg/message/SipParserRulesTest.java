package io.sipreg.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sipreg.message.SipText.LineEnding;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The rules of RFC 3261 §7, §8.1.1 and §18.3 one at a time, each with CRLF and with bare LF line ends. */
class SipParserRulesTest {
    private static final String OPTIONS = """
            OPTIONS sip:carol@chicago.example.com SIP/2.0
            Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKhjhs8ass877
            Max-Forwards: 70
            To: <sip:carol@chicago.example.com>
            From: Alice <sip:alice@example.com>;tag=1928301774
            Call-ID: a84b4c76e66710
            CSeq: 63104 OPTIONS
            Contact: <sip:alice@pc33.example.com>
            Accept: application/sdp
            Content-Length: 0

            """;

    private static final String OK = """
            SIP/2.0 200 OK
            Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKhjhs8ass877;received=192.0.2.4
            To: <sip:carol@chicago.example.com>;tag=93810874
            From: Alice <sip:alice@example.com>;tag=1928301774
            Call-ID: a84b4c76e66710
            CSeq: 63104 OPTIONS
            Content-Length: 0

            """;

    private final SipParser strict = SipParser.strict();
    private final SipParser lenient = SipParser.lenient();

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String replace(LineEnding ending, String message, String from, String to) {
        assertThat(message).contains(from);
        return ending.text(message.replace(from, to));
    }

    private static int headerEnd(LineEnding ending, String text) {
        String blank = ending == LineEnding.CRLF ? "\r\n\r\n" : "\n\n";
        return text.indexOf(blank) + blank.length() / 2;
    }

    private static SipParseException strictError(String text) {
        return SipText.failed(SipParser.strict().parse(utf8(text))).error();
    }

    static Stream<Arguments> missingRequestHeaders() {
        return Stream.of(LineEnding.values()).flatMap(e -> Stream.of(
                Arguments.of(e, "To: <sip:carol@chicago.example.com>\n", Violation.MISSING_TO, "Missing To header"),
                Arguments.of(e, "From: Alice <sip:alice@example.com>;tag=1928301774\n", Violation.MISSING_FROM,
                        "Missing From header"),
                Arguments.of(e, "Call-ID: a84b4c76e66710\n", Violation.MISSING_CALL_ID, "Missing Call-ID"),
                Arguments.of(e, "CSeq: 63104 OPTIONS\n", Violation.MISSING_CSEQ, "Missing CSeq header"),
                Arguments.of(e, "Max-Forwards: 70\n", Violation.MISSING_MAX_FORWARDS, "Missing Max-Forwards header"),
                Arguments.of(e, "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKhjhs8ass877\n",
                        Violation.MISSING_VIA, "Missing Via header")));
    }

    @ParameterizedTest(name = "{0} without {3}") // RFC 3261 §8.1.1: the six headers every request carries
    @MethodSource("missingRequestHeaders")
    void strictRequestWithoutAMandatoryHeaderFailsAtTheEndOfTheHeaders(LineEnding ending, String line,
                                                                      Violation violation, String reason) {
        String text = replace(ending, OPTIONS, line, "");
        var failed = SipText.failed(strict.parse(utf8(text)));

        assertThat(failed.error().violation()).isEqualTo(violation);
        assertThat(failed.error().violation().reason()).isEqualTo(reason);
        assertThat(failed.error().offset()).isEqualTo(headerEnd(ending, text));
        var parsed = SipText.parsed(lenient.parse(utf8(text)));
        assertThat(parsed.tolerated()).extracting(SipParseException::violation).contains(violation);
    }

    @ParameterizedTest // RFC 3261 §8.2.6.2: the partial headers answer the bad request
    @EnumSource(LineEnding.class)
    void aFailedRequestStillHasWhatTheFourHundredCopies(LineEnding ending) {
        String text = replace(ending, OPTIONS, "From: Alice <sip:alice@example.com>;tag=1928301774\n", "");
        var failed = SipText.failed(strict.parse(utf8(text)));

        var response = SipResponse.forHeaders(failed.partialHeaders(), 400, failed.error().violation().reason());
        assertThat(SipWriter.toText(response)).isEqualTo(SipText.crlf("""
                SIP/2.0 400 Missing From header
                Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKhjhs8ass877
                To: <sip:carol@chicago.example.com>
                Call-ID: a84b4c76e66710
                CSeq: 63104 OPTIONS
                Content-Length: 0

                """));
    }

    @ParameterizedTest // RFC 3261 §8.1.1.7: RFC 3261 clients always send a branch
    @EnumSource(LineEnding.class)
    void missingBranchFailsStrictAndIsReportedWhenLenient(LineEnding ending) {
        String text = replace(ending, OPTIONS, ";branch=z9hG4bKhjhs8ass877", "");
        var error = strictError(text);

        assertThat(error.violation()).isEqualTo(Violation.MISSING_BRANCH);
        assertThat(error.offset()).isEqualTo(text.indexOf("SIP/2.0/UDP"));
        assertThat(SipText.parsed(lenient.parse(utf8(text))).tolerated()).extracting(SipParseException::violation)
                .containsExactly(ending == LineEnding.LF ? new Violation[] {Violation.BARE_LF, Violation.MISSING_BRANCH}
                        : new Violation[] {Violation.MISSING_BRANCH});
    }

    static Stream<Arguments> badValues() {
        return Stream.of(LineEnding.values()).flatMap(e -> Stream.of(
                Arguments.of(e, "Max-Forwards: 70", "Max-Forwards: 256", Violation.BAD_MAX_FORWARDS, "256"),
                Arguments.of(e, "Max-Forwards: 70", "Max-Forwards: seventy", Violation.BAD_MAX_FORWARDS, "seventy"),
                Arguments.of(e, "CSeq: 63104 OPTIONS", "CSeq: 2147483648 OPTIONS", Violation.BAD_CSEQ, "2147483648"),
                Arguments.of(e, "CSeq: 63104 OPTIONS", "CSeq: 63104", Violation.BAD_CSEQ, "\n"),
                Arguments.of(e, "To: <sip:carol@chicago.example.com>", "To: carol", Violation.BAD_TO, "\n"),
                Arguments.of(e, "From: Alice <sip:alice", "From: Alice <sip:al ice", Violation.BAD_FROM, " ice"),
                Arguments.of(e, "Call-ID: a84b4c76e66710", "Call-ID: a84b 4c76e66710", Violation.BAD_CALL_ID,
                        " 4c76"),
                Arguments.of(e, "Content-Length: 0", "Expires: 4294967296\nContent-Length: 0", Violation.BAD_EXPIRES,
                        "4294967296"),
                Arguments.of(e, "Content-Length: 0", "Content-Length: 0x10", Violation.BAD_CONTENT_LENGTH, "x10"),
                Arguments.of(e, "Contact: <sip:alice@pc33.example.com>", "Contact: <sip:alice@pc33.example.com>, *",
                        Violation.BAD_CONTACT, "*\n"),
                Arguments.of(e, "Contact: <sip:alice@pc33.example.com>",
                        "Contact: <sip:alice@pc33.example.com>;q=2", Violation.BAD_CONTACT, "<sip:alice@pc33"),
                Arguments.of(e, "Via: SIP/2.0/UDP pc33", "Via: SIP/2.0/UDP pc33:99999", Violation.BAD_VIA, "99999"),
                Arguments.of(e, "Max-Forwards: 70", "Max-Forwards: 70\nCSeq: 1 OPTIONS", Violation.DUPLICATE_HEADER,
                        "CSeq: 63104")));
    }

    @ParameterizedTest(name = "{0}: {2} -> {3}") // RFC 3261 §20: each typed header must parse; offset at the defect
    @MethodSource("badValues")
    void strictRejectsAMalformedHeaderValueAtTheOffendingByte(LineEnding ending, String from, String to,
                                                             Violation violation, String at) {
        String text = replace(ending, OPTIONS, from, to);
        var error = strictError(text);

        assertThat(error.violation()).isEqualTo(violation);
        String where = ending.text(at);
        assertThat(error.offset()).isEqualTo(text.indexOf(where, text.indexOf(ending.text(to).split("\n")[0])));
    }

    @ParameterizedTest // RFC 3261 §7.1, RFC 4475 §3.1.2.9 and §3.1.2.10
    @EnumSource(LineEnding.class)
    void extraSpacesInTheRequestLineFailStrictAndAreToleratedWhenLenient(LineEnding ending) {
        String[] lines = {"OPTIONS  sip:carol@chicago.example.com SIP/2.0",
            "OPTIONS sip:carol@chicago.example.com  SIP/2.0", "OPTIONS sip:carol@chicago.example.com SIP/2.0 "};
        int[] extraSpaceAt = {8, 37, 45};
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String text = replace(ending, OPTIONS, "OPTIONS sip:carol@chicago.example.com SIP/2.0", line);
            var error = strictError(text);
            assertThat(error.violation()).isEqualTo(Violation.BAD_START_LINE);
            assertThat(error.detail()).isEqualTo("Request-Line");
            assertThat(error.offset()).isEqualTo(extraSpaceAt[i]);

            var request = (SipRequest) SipText.parsed(lenient.parse(utf8(text))).message();
            assertThat(request.requestUri().toString()).isEqualTo("sip:carol@chicago.example.com");
        }
    }

    @ParameterizedTest // RFC 3261 §7.1: SIP/2.0 only; "SIP" is case-insensitive
    @EnumSource(LineEnding.class)
    void versionIsCheckedCaseInsensitively(LineEnding ending) {
        String lower = replace(ending, OPTIONS, "SIP/2.0\n", "sip/2.0\n");
        assertThat(strict.parse(utf8(lower))).isInstanceOf(ParseResult.Parsed.class);

        String other = replace(ending, OPTIONS, "SIP/2.0\n", "SIP/3.0\n");
        var error = strictError(other);
        assertThat(error.violation()).isEqualTo(Violation.BAD_VERSION);
        assertThat(error.offset()).isEqualTo(other.indexOf("SIP/3.0"));
    }

    @ParameterizedTest // RFC 4475 §3.1.2.7: a Request-URI in <> is not a Request-URI
    @EnumSource(LineEnding.class)
    void badRequestUriIsReportedAndKeptOpaqueWhenLenient(LineEnding ending) {
        String text = replace(ending, OPTIONS, "OPTIONS sip:carol@chicago.example.com", "OPTIONS <sip:carol@x>");
        var failed = SipText.failed(strict.parse(utf8(text)));

        assertThat(failed.error().violation()).isEqualTo(Violation.BAD_REQUEST_URI);
        assertThat(failed.error().offset()).isEqualTo(8);
        assertThat(failed.method()).contains("OPTIONS");
        var request = (SipRequest) SipText.parsed(lenient.parse(utf8(text))).message();
        assertThat(request.requestUri().toString()).isEqualTo("<sip:carol@x>");
    }

    @ParameterizedTest // RFC 3261 §7.2
    @EnumSource(LineEnding.class)
    void responseNeedsViaFromToCallIdAndCSeqButNotMaxForwards(LineEnding ending) {
        assertThat(strict.parse(ending.bytes(OK))).isInstanceOf(ParseResult.Parsed.class);

        String text = replace(ending, OK, "Call-ID: a84b4c76e66710\n", "");
        var failed = SipText.failed(strict.parse(utf8(text)));
        assertThat(failed.error().violation()).isEqualTo(Violation.MISSING_CALL_ID);
        assertThat(failed.isRequest()).isFalse();
        assertThat(failed.method()).isEmpty();
    }

    @ParameterizedTest // RFC 3261 §7.2, RFC 4475 §3.1.2.19
    @EnumSource(LineEnding.class)
    void statusCodeMustBeThreeDigitsInRange(LineEnding ending) {
        for (String code : new String[] {"2000 OK", "099 Early", "700 Too Big", "20 OK", "2x0 OK"}) {
            String text = replace(ending, OK, "200 OK", code);
            var error = strictError(text);
            assertThat(error.violation()).isEqualTo(Violation.BAD_STATUS_CODE);
            assertThat(error.offset()).isEqualTo("SIP/2.0 ".length());
            assertThat(lenient.parse(utf8(text))).isInstanceOf(ParseResult.Failed.class);
        }
    }

    @ParameterizedTest // RFC 4475 §3.1.1.13: the SP before an empty reason is required; liberal readers accept it
    @EnumSource(LineEnding.class)
    void responseWithoutReasonAndWithoutItsSpaceIsAccepted(LineEnding ending) {
        String text = replace(ending, OK, "200 OK", "200");
        var response = (SipResponse) SipText.parsed(strict.parse(utf8(text))).message();
        assertThat(response.reason()).isEmpty();

        assertThat(SipText.parsed(lenient.parse(utf8(text))).tolerated()).extracting(SipParseException::violation)
                .contains(Violation.BAD_START_LINE);
    }

    @ParameterizedTest // RFC 3261 §7.5: CRLFs before the start line are ignored
    @EnumSource(LineEnding.class)
    void leadingLineBreaksAreSkipped(LineEnding ending) {
        String text = ending.text("\n\n" + OPTIONS);
        var error = strictError(text.replace("Call-ID: a84b4c76e66710", "Call-ID: a84b 4c76e66710"));

        assertThat(SipText.parsed(strict.parse(utf8(text))).message()).isInstanceOf(SipRequest.class);
        assertThat(error.offset()).isEqualTo(text.indexOf("a84b") + 4);
    }

    @ParameterizedTest // offsets are relative to the start of the slice handed in
    @EnumSource(LineEnding.class)
    void parsesASliceAndReportsOffsetsWithinIt(LineEnding ending) {
        String text = replace(ending, OPTIONS, "CSeq: 63104 OPTIONS", "CSeq: 63104 INVITE");
        byte[] message = utf8(text);
        byte[] padded = new byte[message.length + 20];
        System.arraycopy(message, 0, padded, 7, message.length);

        var error = SipText.failed(strict.parse(padded, 7, message.length)).error();
        assertThat(error.violation()).isEqualTo(Violation.CSEQ_METHOD_MISMATCH);
        assertThat(error.offset()).isEqualTo(text.indexOf("INVITE"));
    }

    @ParameterizedTest // RFC 3261 §7.3.1: a header line needs a token name and a colon
    @EnumSource(LineEnding.class)
    void malformedHeaderLines(LineEnding ending) {
        String badName = replace(ending, OPTIONS, "Accept: application/sdp", "Acc(ept: application/sdp");
        var e1 = strictError(badName);
        assertThat(e1.violation()).isEqualTo(Violation.BAD_HEADER_NAME);
        assertThat(e1.offset()).isEqualTo(badName.indexOf("(ept"));

        String spaceInName = replace(ending, OPTIONS, "Accept: application/sdp", "Acc ept: application/sdp");
        var e2 = strictError(spaceInName);
        assertThat(e2.violation()).isEqualTo(Violation.BAD_HEADER_NAME);
        assertThat(e2.offset()).isEqualTo(spaceInName.indexOf(" ept"));

        String noColonAtAll = replace(ending, OPTIONS, "Accept: application/sdp", "just words");
        var e3 = strictError(noColonAtAll);
        assertThat(e3.violation()).isEqualTo(Violation.BAD_HEADER_LINE);
        assertThat(e3.offset()).isEqualTo(noColonAtAll.indexOf("just"));

        String foldedStart = replace(ending, OPTIONS, "Via:", " Via:");
        var e4 = strictError(foldedStart);
        assertThat(e4.violation()).isEqualTo(Violation.BAD_HEADER_LINE);
        assertThat(e4.offset()).isEqualTo(foldedStart.indexOf(" Via:"));
    }

    @ParameterizedTest // RFC 3261 §7.3.1: CR only as part of CRLF
    @EnumSource(LineEnding.class)
    void loneCrInAValueIsABadHeaderLine(LineEnding ending) {
        String text = replace(ending, OPTIONS, "Accept: application/sdp", "Accept: application/sdp\rInjected: yes");
        var error = strictError(text);

        assertThat(error.violation()).isEqualTo(Violation.BAD_HEADER_LINE);
        assertThat(error.offset()).isEqualTo(text.indexOf('\r', text.indexOf("Accept")));
    }

    @ParameterizedTest // RFC 3261 §7: the empty line must come
    @EnumSource(LineEnding.class)
    void headersWithoutTheEmptyLine(LineEnding ending) {
        String text = ending.text(OPTIONS.substring(0, OPTIONS.length() - 1));
        var error = strictError(text);
        assertThat(error.violation()).isEqualTo(Violation.NO_HEADER_END);
        assertThat(error.offset()).isEqualTo(text.length());

        var parsed = SipText.parsed(lenient.parse(utf8(text)));
        assertThat(parsed.tolerated()).extracting(SipParseException::violation).contains(Violation.NO_HEADER_END);
        assertThat(parsed.message().headers().first("Accept")).contains("application/sdp");
    }

    @ParameterizedTest // ParseLimits: maxMessageBytes, with the headers inside the limit still read
    @EnumSource(LineEnding.class)
    void messageOverTheSizeLimitFailsInBothModesButKeepsTheHeadersBeforeTheLimit(LineEnding ending) {
        String text = ending.text(OPTIONS);
        int limit = text.indexOf("Contact");
        for (var mode : SipParser.Mode.values()) {
            var parser = new SipParser(new ParseLimits(limit, 128, 8192), mode);
            var failed = SipText.failed(parser.parse(utf8(text)));
            assertThat(failed.error().violation()).isEqualTo(Violation.MESSAGE_TOO_LARGE);
            assertThat(failed.error().offset()).isEqualTo(limit);
            assertThat(failed.partialHeaders().first("CSeq")).contains("63104 OPTIONS");
        }
    }

    @ParameterizedTest // ParseLimits: maxHeaderLineBytes counts the unfolded "Name: value"
    @EnumSource(LineEnding.class)
    void headerLineOverTheLimitFails(LineEnding ending) {
        String text = replace(ending, OPTIONS, "Accept: application/sdp",
                "Accept: application/sdp,\n text/plain, application/pidf+xml, message/sipfrag");
        int unfolded = "Accept: application/sdp, text/plain, application/pidf+xml, message/sipfrag".length();

        assertThat(new SipParser(new ParseLimits(65_535, 128, unfolded), SipParser.Mode.STRICT).parse(utf8(text)))
                .isInstanceOf(ParseResult.Parsed.class);
        var error = SipText.failed(new SipParser(new ParseLimits(65_535, 128, unfolded - 1), SipParser.Mode.LENIENT)
                .parse(utf8(text))).error();
        assertThat(error.violation()).isEqualTo(Violation.HEADER_TOO_LONG);
        assertThat(error.offset()).isEqualTo(text.indexOf("Accept"));
    }

    @ParameterizedTest // RFC 3261 §18.3 on streams
    @EnumSource(LineEnding.class)
    void frameLengthRules(LineEnding ending) {
        byte[] compact = utf8(replace(ending, OPTIONS, "Content-Length: 0", "l : 3") + "abc");
        assertThat(strict.frameLength(compact, 0, compact.length)).isEqualTo(compact.length);

        byte[] keepalive = utf8(ending.text("\n\n"));
        assertThat(strict.frameLength(keepalive, 0, keepalive.length)).isZero();

        byte[] withKeepalive = utf8(ending.text("\n\n" + OPTIONS));
        assertThat(strict.frameLength(withKeepalive, 0, withKeepalive.length)).isEqualTo(withKeepalive.length);
        assertThat(SipParser.leadingCrlfs(withKeepalive, 0, withKeepalive.length))
                .isEqualTo(ending == LineEnding.CRLF ? 4 : 2);

        String conflicting = replace(ending, OPTIONS, "Content-Length: 0", "Content-Length: 0\nContent-Length: 4");
        byte[] c = utf8(conflicting);
        var e1 = catchThrowableOfType(SipParseException.class, () -> strict.frameLength(c, 0, c.length));
        assertThat(e1.violation()).isEqualTo(Violation.DUPLICATE_HEADER);
        assertThat(e1.offset()).isEqualTo(conflicting.indexOf("Content-Length: 4"));

        String bad = replace(ending, OPTIONS, "Content-Length: 0", "Content-Length: -1");
        byte[] b = utf8(bad);
        var e2 = catchThrowableOfType(SipParseException.class, () -> strict.frameLength(b, 0, b.length));
        assertThat(e2.violation()).isEqualTo(Violation.BAD_CONTENT_LENGTH);
        assertThat(e2.offset()).isEqualTo(bad.indexOf("-1"));

        byte[] big = utf8(replace(ending, OPTIONS, "Content-Length: 0", "Content-Length: 70000"));
        var e3 = catchThrowableOfType(SipParseException.class, () -> strict.frameLength(big, 0, big.length));
        assertThat(e3.violation()).isEqualTo(Violation.MESSAGE_TOO_LARGE);
    }

    @ParameterizedTest // RFC 5118 §4: IPv6 references in Request-URI, Via, received and Contact
    @EnumSource(LineEnding.class)
    void ipv6ReferencesEverywhere(LineEnding ending) {
        var request = (SipRequest) SipText.parsed(strict.parse(ending.bytes("""
                REGISTER sip:[2001:db8::10]:5060 SIP/2.0
                Via: SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3;received=[2001:db8::9:255];rport=5070
                Max-Forwards: 70
                To: <sip:user@[2001:db8::10]>
                From: <sip:user@[2001:db8::10]>;tag=1
                Call-ID: ipv6
                CSeq: 1 REGISTER
                Contact: <sip:user@[2001:db8::9:1]:5070;transport=udp>;expires=60
                Content-Length: 0

                """))).message();

        assertThat(request.requestUri().host()).isEqualTo("[2001:db8::10]");
        assertThat(request.requestUri().port()).isEqualTo(5060);
        assertThat(request.topVia().host()).isEqualTo("[2001:db8::9:1]");
        assertThat(request.topVia().received()).contains("[2001:db8::9:255]");
        assertThat(ContactSet.of(request.headers())).isInstanceOfSatisfying(ContactSet.Contacts.class,
                c -> assertThat(c.addresses().get(0).uri().toAddressOfRecord()).isEqualTo("sip:user@[2001:db8::9:1]"));
    }

    @ParameterizedTest // RFC 3261 §25.1: no control characters in a header value; a NUL is the classic smuggler
    @EnumSource(LineEnding.class)
    void aControlCharacterInAHeaderValueFailsStrictAtItsByte(LineEnding ending) {
        String text = replace(ending, OPTIONS, "From: Alice <", "From: Al\u0000ice <");
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);

        var error = SipText.failed(strict.parse(bytes)).error();
        assertThat(error.violation()).isEqualTo(Violation.CONTROL_CHARACTER);
        assertThat(error.getMessage()).startsWith("From at byte " + text.indexOf('\u0000') + ": Control character in header");
        assertThat(SipText.parsed(lenient.parse(bytes)).tolerated()).extracting(SipParseException::violation)
                .contains(Violation.CONTROL_CHARACTER);
    }

    @ParameterizedTest // a quoted-pair may escape one (RFC 3261 §25.1 quoted-pair = "\" (%x00-09 / ...))
    @EnumSource(LineEnding.class)
    void anEscapedControlCharacterInAQuotedStringIsAccepted(LineEnding ending) {
        String text = replace(ending, OPTIONS, "From: Alice <", "From: \"Al\\\u0001ice\" <");

        assertThat(strict.parse(utf8(text))).isInstanceOf(ParseResult.Parsed.class);
    }

    @ParameterizedTest // RFC 3261 §25.1 UTF8-NONASCII, RFC 3629: well-formed UTF-8 only
    @EnumSource(LineEnding.class)
    void invalidUtf8InAHeaderValueFailsStrictAtItsFirstBadByte(LineEnding ending) {
        String text = replace(ending, OPTIONS, "From: Alice <", "From: \"Zo\u00eb \u00c0\u0080\" <");
        byte[] bytes = text.replace("\u00eb", "\u00c3\u00ab").getBytes(StandardCharsets.ISO_8859_1);

        var error = SipText.failed(strict.parse(bytes)).error();
        assertThat(error.violation()).isEqualTo(Violation.INVALID_UTF8);
        assertThat(error.offset()).isEqualTo(text.indexOf('\u00c0') + 1);
    }

    @ParameterizedTest
    @EnumSource(LineEnding.class)
    void wellFormedUtf8InADisplayNameIsAccepted(LineEnding ending) {
        String text = replace(ending, OPTIONS, "From: Alice <", "From: \"Zo\u00eb \u5f20\u4f1f \ud83d\udcde\" <");

        var message = SipText.parsed(strict.parse(utf8(text))).message();
        assertThat(message.headers().first(HeaderName.FROM)).hasValueSatisfying(v -> assertThat(v).startsWith(
                "\"Zo\u00eb \u5f20\u4f1f \ud83d\udcde\""));
    }
}
