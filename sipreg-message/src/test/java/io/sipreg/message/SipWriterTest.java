package io.sipreg.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SipWriterTest {

    @Test // RFC 3261 §7: CRLF line ends, Content-Length computed and last (§20.14)
    void writesStartLineHeadersInOrderAndComputedContentLength() {
        var request = new SipRequest("REGISTER", SipUri.sip("", "example.com", -1),
                Headers.builder()
                        .add("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1")
                        .add("Content-Length", "999")
                        .add("To", "<sip:alice@example.com>")
                        .build(),
                Body.of("héllo"));

        assertThat(SipWriter.toText(request)).isEqualTo("""
                REGISTER sip:example.com SIP/2.0\r
                Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r
                To: <sip:alice@example.com>\r
                Content-Length: 6\r
                \r
                héllo""");
    }

    @Test // RFC 3261 §7.2
    void writesResponse() {
        var response = new SipResponse(401, "Unauthorized", Headers.builder().add("Call-ID", "c1").build(),
                Body.EMPTY);

        assertThat(SipWriter.toText(response)).isEqualTo("SIP/2.0 401 Unauthorized\r\nCall-ID: c1\r\n"
                + "Content-Length: 0\r\n\r\n");
    }

    @Test
    void writesNonAsciiHeaderValuesAsUtf8() {
        var response = new SipResponse(200, "Ça va \uD83D\uDE00", Headers.builder().add("Subject", "Grüße").build(),
                Body.EMPTY);
        byte[] bytes = SipWriter.write(response);

        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo(
                "SIP/2.0 200 Ça va \uD83D\uDE00\r\nSubject: Grüße\r\nContent-Length: 0\r\n\r\n");
        var back = (SipResponse) SipText.parsed(SipParser.lenient().parse(bytes)).message();
        assertThat(back.reason()).isEqualTo("Ça va \uD83D\uDE00");
        assertThat(back.headers().first("Subject")).contains("Grüße");
    }

    @Test // found by SipCodecFuzzTest: lenient reading repairs invalid UTF-8, so the copy written back is longer
    void invalidUtf8InALenientRequestUriIsWrittenBackAsReplacementCharacters() {
        byte[] bytes = "OPTIONS sip:a\u00fc\u00fc@b SIP/2.0\r\nCall-ID: c1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        bytes[14] = (byte) 0xff;

        var parsed = (SipRequest) SipText.parsed(SipParser.lenient().parse(bytes)).message();
        byte[] written = SipWriter.write(parsed);

        assertThat(new String(written, StandardCharsets.UTF_8)).startsWith("OPTIONS sip:a\uFFFD\uFFFD@b SIP/2.0\r\n");
        assertThat(written.length).isGreaterThan(bytes.length);
        var back = (SipRequest) SipText.parsed(SipParser.lenient().parse(written)).message();
        assertThat(back.requestUri()).isEqualTo(parsed.requestUri());
    }

    @Test // RFC 3261 §10.2: a REGISTER built by hand parses back to itself (JAIN-SIP style round trip)
    void builtRegisterRoundTrips() {
        var contact = new NameAddress("\"Alice, Desk\"", SipUri.parse("sip:alice@[2001:db8::5]:5070;transport=tcp"),
                Parameters.EMPTY.with("expires", "600").withFlag("reg-id").with("+sip.instance",
                        "\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\""));
        var via = new Via("TCP", "[2001:db8::5]", 5070, Parameters.EMPTY.with("branch", "z9hG4bK1").withFlag("rport"));
        var register = new SipRequest("REGISTER", SipUri.parse("sip:example.com"), Headers.builder()
                .add("Via", via.toString())
                .add("Max-Forwards", "70")
                .add("To", "<sip:alice@example.com>")
                .add("From", "<sip:alice@example.com>;tag=88")
                .add("Call-ID", "c@h")
                .add("CSeq", new CSeq(2, "REGISTER").toString())
                .add("Contact", contact.toString())
                .build(), Body.EMPTY);

        var parsed = (SipRequest) SipText.parsed(SipParser.strict().parse(SipWriter.write(register))).message();

        assertThat(parsed.headers().without("Content-Length")).isEqualTo(register.headers());
        assertThat(parsed.topVia()).isEqualTo(via);
        assertThat(ContactSet.of(parsed.headers())).isEqualTo(new ContactSet.Contacts(java.util.List.of(contact)));
    }
}
