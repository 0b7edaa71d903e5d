package io.sipreg.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.HeaderName;
import io.sipreg.message.Headers;
import io.sipreg.message.Via;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class SymmetricResponseRoutingTest {
    private static final InetSocketAddress SOURCE = new InetSocketAddress("203.0.113.5", 40211);

    private static Via stampedVia(String via, InetSocketAddress source) {
        Headers headers = Headers.builder()
                .add(HeaderName.VIA, via)
                .add(HeaderName.VIA, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy")
                .build();
        Headers stamped = SymmetricResponseRouting.stamp(headers, source);
        assertThat(stamped.all(HeaderName.VIA).get(1)).isEqualTo("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy");
        return Via.parse(stamped.first(HeaderName.VIA).orElseThrow());
    }

    @Test // RFC 3581 §4
    void fillsRportAndReceivedWhenRportAskedFor() {
        Via via = stampedVia("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;rport", SOURCE);
        assertThat(via.params().get("received")).contains("203.0.113.5");
        assertThat(via.rport()).hasValue(40211);
        assertThat(via.branch()).contains("z9hG4bK1");
    }

    @Test // RFC 3581 §4: received even when it equals sent-by
    void addsReceivedWithRportEvenWhenSentByMatches() {
        Via via = stampedVia("SIP/2.0/UDP 203.0.113.5:40211;rport;branch=z9hG4bK1", SOURCE);
        assertThat(via.params().get("received")).contains("203.0.113.5");
        assertThat(via.rport()).hasValue(40211);
    }

    @Test // RFC 3261 §18.2.1
    void addsReceivedWhenSentByIsAnotherAddress() {
        Via via = stampedVia("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1", SOURCE);
        assertThat(via.params().get("received")).contains("203.0.113.5");
        assertThat(via.hasRport()).isFalse();
    }

    @Test // RFC 3261 §18.2.1: a domain name always gets received
    void addsReceivedWhenSentByIsAName() {
        Via via = stampedVia("SIP/2.0/UDP bob.example.com;branch=z9hG4bK1", SOURCE);
        assertThat(via.params().get("received")).contains("203.0.113.5");
    }

    @Test // RFC 3261 §18.2.1
    void leavesViaAloneWhenSentByIsTheSourceAddress() {
        Headers headers = Headers.builder().add(HeaderName.VIA, "SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK1").build();
        assertThat(SymmetricResponseRouting.stamp(headers, SOURCE)).isSameAs(headers);
    }

    @Test
    void comparesIpv6AddressesNotTheirSpelling() {
        var source = new InetSocketAddress("2001:db8::5", 5060);
        Headers headers = Headers.builder()
                .add(HeaderName.VIA, "SIP/2.0/UDP [2001:db8:0::5]:5060;branch=z9hG4bK1").build();
        assertThat(SymmetricResponseRouting.stamp(headers, source)).isSameAs(headers);
    }

    @Test // RFC 3261 §20.42: received holds a bare IPv6 address
    void writesIpv6ReceivedWithoutBrackets() {
        Via via = stampedVia("SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bK1;rport",
                new InetSocketAddress("2001:db8::5", 5062));
        assertThat(via.params().get("received")).contains("2001:db8::5");
        assertThat(via.rport()).hasValue(5062);
    }
}
