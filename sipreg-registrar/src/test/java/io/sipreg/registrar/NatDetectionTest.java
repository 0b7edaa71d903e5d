package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.SipUri;
import io.sipreg.message.Via;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The seed: "the source/destination IPs will be on the public side, but in the packet header, the private IP". */
class NatDetectionTest {
    private static final InetSocketAddress PUBLIC = new InetSocketAddress("203.0.113.5", 40211);

    private static boolean natUdp(String via, String contact, InetSocketAddress source) {
        return NatDetection.isBehindNat(Via.parse(via), SipUri.parse(contact), source, false);
    }

    @Test // the seed's Algo 8180 behind NAT: private Via and Contact, public source
    void privateHeadersFromAPublicSourceAreNat() {
        assertThat(natUdp("SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK1", "sip:alice@192.168.1.10:5060", PUBLIC))
                .isTrue();
    }

    @Test // RFC 6598 shared address space behind a carrier-grade NAT, and RFC 4193 unique local IPv6
    void carrierGradeNatAndUniqueLocalAddressesAreNat() {
        assertThat(natUdp("SIP/2.0/UDP 100.64.3.7:5060;branch=z9hG4bK1", "sip:alice@100.64.3.7:5060", PUBLIC))
                .isTrue();
        assertThat(natUdp("SIP/2.0/UDP [fd00::7]:5060;branch=z9hG4bK1", "sip:alice@[fd00::7]:5060",
                new InetSocketAddress("2001:db8::7", 5060))).isTrue();
    }

    @Test // a phone on the registrar's own LAN: private, but exactly where the packet came from
    void aPrivateAddressThatIsTheSourceIsNotNat() {
        var lan = new InetSocketAddress("192.168.1.10", 5060);
        assertThat(natUdp("SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK1", "sip:alice@192.168.1.10", lan)).isFalse();
    }

    @Test // a NAT that keeps the address but rewrites the port (port-restricted, or a second phone behind it)
    void onlyThePortDifferingIsNatOverUdp() {
        var source = new InetSocketAddress("198.51.100.7", 1024);
        assertThat(natUdp("SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK1", "sip:alice@198.51.100.7:5060", source))
                .isTrue();
    }

    @Test // the Via alone or the Contact alone is enough
    void eitherHeaderDifferingIsNat() {
        var source = new InetSocketAddress("198.51.100.7", 5060);
        assertThat(natUdp("SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK1", "sip:alice@10.0.0.5:5060", source))
                .isTrue();
        assertThat(natUdp("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1", "sip:alice@198.51.100.7:5060", source))
                .isTrue();
    }

    @Test // RFC 3261 §18.2.1: a TCP source port is ephemeral; Via and Contact name the listening port
    void tcpComparesHostsOnly() {
        var source = new InetSocketAddress("198.51.100.7", 49152);
        var via = Via.parse("SIP/2.0/TCP 198.51.100.7:5060;branch=z9hG4bK1");
        assertThat(NatDetection.isBehindNat(via, SipUri.parse("sip:alice@198.51.100.7:5060;transport=tcp"), source,
                true)).isFalse();
        assertThat(NatDetection.isBehindNat(via, SipUri.parse("sip:alice@10.0.0.5:5060;transport=tcp"), source,
                true)).isTrue();
    }

    @Test // names are never resolved: compared by port only
    void hostNamesAreComparedByPortOnly() {
        var source = new InetSocketAddress("198.51.100.7", 5060);
        assertThat(natUdp("SIP/2.0/UDP phone.example.net;branch=z9hG4bK1", "sip:alice@phone.example.net", source))
                .isFalse();
        assertThat(NatDetection.literal("phone.example.net")).isEmpty();
        assertThat(NatDetection.literal("1.2.3")).isEmpty();
        assertThat(NatDetection.literal("[2001:db8::1]")).isPresent();
    }
}
