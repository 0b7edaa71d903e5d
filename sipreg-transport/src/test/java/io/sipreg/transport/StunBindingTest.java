package io.sipreg.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** RFC 5389 Binding requests answered as RFC 5626 §8 asks, checked against the RFC 5769 test vectors. */
class StunBindingTest {
    private static final HexFormat HEX = HexFormat.of();

    /**
     * RFC 5769 §2.1 "Sample Request": a Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME,
     * MESSAGE-INTEGRITY and FINGERPRINT; transaction id b7e7a701bc34d686fa87dfae.
     */
    private static final byte[] RFC5769_REQUEST = HEX.parseHex(
            "000100582112a442b7e7a701bc34d686fa87dfae"
            + "802200105354554e207465737420636c69656e74"
            + "002400046e0001ff"
            + "80290008932ff9b151263b36"
            + "000600096576746a3a68367659202020"
            + "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
            + "80280004e57a3bcf");

    /** A bare Binding request, as a SIP Outbound keepalive sends it (RFC 5626 §4.4.2). */
    private static final byte[] KEEPALIVE = HEX.parseHex("000100002112a442b7e7a701bc34d686fa87dfae");

    @Test // RFC 5769 §2.2: 192.0.2.1:32853 maps to XOR-MAPPED-ADDRESS a147 e112a643
    void answersWithTheIpv4SourceXoredWithTheCookie() {
        byte[] answer = StunBinding.answer(KEEPALIVE, new InetSocketAddress("192.0.2.1", 32853)).orElseThrow();

        assertThat(HEX.formatHex(answer)).isEqualTo(
                "0101000c2112a442b7e7a701bc34d686fa87dfae" + "002000080001a147e112a643");
    }

    @Test // RFC 5769 §2.3: the IPv6 address is XORed with the cookie and the transaction id
    void answersWithTheIpv6SourceXoredWithCookieAndTransactionId() {
        var source = new InetSocketAddress("2001:db8:1234:5678:11:2233:4455:6677", 32853);

        byte[] answer = StunBinding.answer(KEEPALIVE, source).orElseThrow();

        assertThat(HEX.formatHex(answer)).isEqualTo("010100182112a442b7e7a701bc34d686fa87dfae"
                + "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9");
    }

    @Test // RFC 5389 §7.3: FINGERPRINT in the request, FINGERPRINT in the answer (§15.5 CRC-32 xor "STUN")
    void answersTheRfc5769SampleRequestWithAFingerprint() {
        byte[] answer = StunBinding.answer(RFC5769_REQUEST, new InetSocketAddress("192.0.2.1", 32853)).orElseThrow();

        assertThat(HEX.formatHex(answer, 0, 32)).isEqualTo(
                "010100142112a442b7e7a701bc34d686fa87dfae" + "002000080001a147e112a643");
        assertThat(HEX.formatHex(answer, 32, 36)).isEqualTo("80280004");
        var crc = new CRC32();
        crc.update(answer, 0, 32);
        int expected = (int) crc.getValue() ^ 0x5354554E;
        assertThat(HEX.formatHex(answer, 36, 40)).isEqualTo(HEX.toHexDigits(expected));
    }

    @Test // the fingerprint arithmetic itself, on the RFC's own request
    void fingerprintArithmeticMatchesTheRfc5769Request() {
        var crc = new CRC32();
        crc.update(RFC5769_REQUEST, 0, RFC5769_REQUEST.length - 8);
        assertThat((int) crc.getValue() ^ 0x5354554E).isEqualTo(0xe57a3bcf);
    }

    @Test // RFC 5389 §7.3: indications and responses get no answer
    void ignoresIndicationsAndResponses() {
        var source = new InetSocketAddress("192.0.2.1", 32853);
        byte[] indication = KEEPALIVE.clone();
        indication[1] = 0x11;
        byte[] response = KEEPALIVE.clone();
        response[0] = 0x01;
        response[1] = 0x01;

        assertThat(StunBinding.answer(indication, source)).isEmpty();
        assertThat(StunBinding.answer(response, source)).isEmpty();
    }

    @Test // RFC 5389 §6: the length field must account for every byte
    void ignoresTruncatedAndMislabelledMessages() {
        var source = new InetSocketAddress("192.0.2.1", 32853);

        assertThat(StunBinding.answer(Arrays.copyOf(RFC5769_REQUEST, 60), source)).isEmpty();
        assertThat(StunBinding.answer(Arrays.copyOf(RFC5769_REQUEST, RFC5769_REQUEST.length + 4), source)).isEmpty();
        byte[] badAttribute = RFC5769_REQUEST.clone();
        badAttribute[23] = 0x7F; // SOFTWARE claims 127 bytes
        assertThat(StunBinding.answer(badAttribute, source)).isEmpty();
        assertThat(StunBinding.answer(Arrays.copyOf(KEEPALIVE, 19), source)).isEmpty();
    }

    @Test // RFC 5626 §8 demultiplexing: a SIP message never looks like STUN
    void tellsStunFromSip() {
        assertThat(StunBinding.looksLikeStun(KEEPALIVE)).isTrue();
        assertThat(StunBinding.looksLikeStun(SipText.bytes(SipText.register("UDP", "z9hG4bK1")))).isFalse();
    }

    @Test // RFC 5626 §4.4.2: the device's keepalive, and the answer it recognizes
    void buildsABindingRequestThatAServerAnswers() {
        byte[] request = StunBinding.bindingRequest();
        assertThat(StunBinding.looksLikeStun(request)).isTrue();
        assertThat(StunBinding.isBindingSuccess(request)).isFalse();
        assertThat(StunBinding.bindingRequest()).isNotEqualTo(request);   // a fresh transaction id each time

        byte[] answer = StunBinding.answer(request, new InetSocketAddress("192.0.2.1", 32853)).orElseThrow();

        assertThat(StunBinding.isBindingSuccess(answer)).isTrue();
        assertThat(Arrays.copyOfRange(answer, 8, 20)).isEqualTo(Arrays.copyOfRange(request, 8, 20));
    }
}
