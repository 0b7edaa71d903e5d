package io.sipreg.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipreg.transport.Transport;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RegistrarLocatorTest {
    private final FakeDns dns = new FakeDns();
    private final RegistrarLocator locator = new RegistrarLocator(dns, new SplittableRandom(3263));

    @Test // RFC 3263 §4.1, §4.2
    void numericIpv4NeedsNoDnsAndUsesUdpOnPort5060() {
        assertThat(locate("192.0.2.1")).containsExactly("udp 192.0.2.1:5060");
        assertThat(dns.queries).isEmpty();
    }

    @Test // RFC 3263 §4.1, §4.2
    void numericIpv6InBracketsWithTlsUsesPort5061() {
        assertThat(locate("[2001:db8::1]", OptionalInt.empty(), Optional.of(Transport.TLS)))
                .containsExactly("tls [2001:db8::1]:5061");
        assertThat(dns.queries).isEmpty();
    }

    @Test // RFC 3263 §4.1, §4.2
    void numericIpv6WithoutBracketsKeepsGivenPortAndTransport() {
        assertThat(locate("2001:db8::1", OptionalInt.of(5080), Optional.of(Transport.TCP)))
                .containsExactly("tcp [2001:db8::1]:5080");
    }

    @Test
    void bracketsAroundSomethingElseAreRejected() {
        assertThatThrownBy(() -> locate("[registrar.example.com]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not an IP address: [registrar.example.com]");
    }

    @Test // RFC 3263 §4.2
    void explicitPortLooksUpOnlyTheHostAddresses() {
        dns.naptr("example.com", new NaptrRecord(10, 50, "s", "SIP+D2T", "", "_sip._tcp.example.com"));
        dns.addresses("example.com", "192.0.2.1", "2001:db8::1");

        assertThat(locate("example.com", OptionalInt.of(5070), Optional.empty()))
                .containsExactly("udp 192.0.2.1:5070", "udp [2001:db8::1]:5070");
        assertThat(dns.queries).containsExactly("A/AAAA example.com");
    }

    @Test // RFC 3263 §4.2
    void explicitPortKeepsGivenTransport() {
        dns.addresses("example.com", "192.0.2.1");

        assertThat(locate("example.com", OptionalInt.of(5070), Optional.of(Transport.TCP)))
                .containsExactly("tcp 192.0.2.1:5070");
    }

    @Test // RFC 3263 §4.1
    void naptrRecordsAreFollowedByOrderThenPreferenceSkippingOtherServicesAndFlags() {
        dns.naptr("example.com",
                new NaptrRecord(20, 10, "s", "SIP+D2U", "", "_sip._udp.example.com"),
                new NaptrRecord(10, 60, "s", "SIP+D2T", "", "_sip._tcp.example.com"),
                new NaptrRecord(10, 50, "S", "SIPS+D2T", "", "_sips._tcp.example.com"),
                new NaptrRecord(1, 1, "u", "E2U+sip", "!^.*$!sip:info@example.com!", "."),
                new NaptrRecord(1, 1, "s", "SIP+D2S", "", "_sip._sctp.example.com"),
                new NaptrRecord(1, 1, "a", "SIP+D2U", "", "sip.example.com"));
        dns.srv("_sip._udp.example.com", new SrvRecord(0, 0, 5060, "udp.example.com"));
        dns.srv("_sip._tcp.example.com", new SrvRecord(0, 0, 5060, "tcp.example.com"));
        dns.srv("_sips._tcp.example.com", new SrvRecord(0, 0, 5061, "tls.example.com"));
        dns.addresses("udp.example.com", "192.0.2.1");
        dns.addresses("tcp.example.com", "192.0.2.2");
        dns.addresses("tls.example.com", "192.0.2.3", "2001:db8::3");

        assertThat(locate("example.com")).containsExactly(
                "tls 192.0.2.3:5061", "tls [2001:db8::3]:5061", "tcp 192.0.2.2:5060", "udp 192.0.2.1:5060");
        assertThat(dns.queries).doesNotContain("SRV _sip._sctp.example.com", "A/AAAA sip.example.com");
    }

    @Test // RFC 3263 §4.1
    void withoutNaptrEachTransportSrvIsQueried() {
        dns.srv("_sip._udp.example.com", new SrvRecord(10, 0, 5070, "sip1.example.com"));
        dns.srv("_sips._tcp.example.com", new SrvRecord(10, 0, 5071, "sip2.example.com"));
        dns.addresses("sip1.example.com", "192.0.2.1");
        dns.addresses("sip2.example.com", "192.0.2.2");

        assertThat(locate("example.com")).containsExactly("udp 192.0.2.1:5070", "tls 192.0.2.2:5071");
        assertThat(dns.queries).containsExactly("NAPTR example.com", "SRV _sip._udp.example.com",
                "A/AAAA sip1.example.com", "SRV _sip._tcp.example.com", "SRV _sips._tcp.example.com",
                "A/AAAA sip2.example.com");
    }

    @Test // RFC 3263 §4.1
    void givenTransportSkipsNaptrAndQueriesOnlyItsSrv() {
        dns.naptr("example.com", new NaptrRecord(10, 50, "s", "SIP+D2U", "", "_sip._udp.example.com"));
        dns.srv("_sips._tcp.example.com", new SrvRecord(10, 0, 5061, "sip.example.com"));
        dns.addresses("sip.example.com", "192.0.2.1");

        assertThat(locate("example.com", OptionalInt.empty(), Optional.of(Transport.TLS)))
                .containsExactly("tls 192.0.2.1:5061");
        assertThat(dns.queries).containsExactly("SRV _sips._tcp.example.com", "A/AAAA sip.example.com");
    }

    @Test // RFC 5922 §4.1: a TLS server is checked against the domain asked for, not the SRV target
    void theServerNameToVerifyIsTheLocatedDomainNotTheSrvTarget() {
        dns.srv("_sips._tcp.example.com", new SrvRecord(0, 0, 5061, "tls.example.com"));
        dns.addresses("tls.example.com", "192.0.2.3");

        assertThat(locator.locate("example.com", OptionalInt.empty(), Optional.of(Transport.TLS)))
                .extracting(RegistrarTarget::serverName).containsExactly("example.com");
        assertThat(locator.locate("192.0.2.9", OptionalInt.of(5061), Optional.of(Transport.TLS)))
                .extracting(RegistrarTarget::serverName).containsExactly("192.0.2.9");
        assertThat(locator.locate("[2001:db8::9]", OptionalInt.empty(), Optional.of(Transport.TLS)))
                .extracting(RegistrarTarget::serverName).containsExactly("2001:db8::9");
    }

    @Test // RFC 2782 "Usage rules"
    void lowerSrvPriorityComesFirstWhateverTheWeight() {
        dns.srv("_sip._tcp.example.com",
                new SrvRecord(20, 1000, 5060, "backup.example.com"),
                new SrvRecord(10, 1, 5060, "primary.example.com"));
        dns.addresses("backup.example.com", "192.0.2.2");
        dns.addresses("primary.example.com", "192.0.2.1");

        assertThat(locate("example.com", OptionalInt.empty(), Optional.of(Transport.TCP)))
                .containsExactly("tcp 192.0.2.1:5060", "tcp 192.0.2.2:5060");
    }

    @Test // RFC 2782 "Usage rules": selection probability proportional to weight
    void equalPrioritySrvRecordsAreChosenInProportionToWeight() {
        dns.srv("_sip._udp.example.com",
                new SrvRecord(10, 60, 5060, "a.example.com"),
                new SrvRecord(10, 30, 5060, "b.example.com"),
                new SrvRecord(10, 10, 5060, "c.example.com"));
        dns.addresses("a.example.com", "192.0.2.1");
        dns.addresses("b.example.com", "192.0.2.2");
        dns.addresses("c.example.com", "192.0.2.3");

        Map<String, Integer> firstChoices = new HashMap<>();
        for (int run = 0; run < 10_000; run++) {
            List<String> targets = locate("example.com", OptionalInt.empty(), Optional.of(Transport.UDP));
            assertThat(targets).hasSize(3).doesNotHaveDuplicates();
            firstChoices.merge(targets.get(0), 1, Integer::sum);
        }

        assertThat(firstChoices.get("udp 192.0.2.1:5060")).isBetween(5_800, 6_200);
        assertThat(firstChoices.get("udp 192.0.2.2:5060")).isBetween(2_800, 3_200);
        assertThat(firstChoices.get("udp 192.0.2.3:5060")).isBetween(800, 1_200);
    }

    @Test // RFC 2782: weight 0 records have a very small chance of being selected
    void zeroWeightSrvRecordIsRarelyFirst() {
        dns.srv("_sip._udp.example.com",
                new SrvRecord(10, 0, 5060, "spare.example.com"),
                new SrvRecord(10, 100, 5060, "main.example.com"));
        dns.addresses("spare.example.com", "192.0.2.9");
        dns.addresses("main.example.com", "192.0.2.1");

        Set<String> firsts = new HashSet<>();
        int spareFirst = 0;
        for (int run = 0; run < 10_000; run++) {
            String first = locate("example.com", OptionalInt.empty(), Optional.of(Transport.UDP)).get(0);
            firsts.add(first);
            spareFirst += first.equals("udp 192.0.2.9:5060") ? 1 : 0;
        }

        assertThat(firsts).containsExactlyInAnyOrder("udp 192.0.2.1:5060", "udp 192.0.2.9:5060");
        assertThat(spareFirst).isBetween(50, 200);
    }

    @Test // RFC 2782: a target of "." means the service is decidedly not available
    void dotTargetMeansTheServiceIsNotOffered() {
        dns.srv("_sip._udp.example.com", new SrvRecord(0, 0, 0, "."));
        dns.srv("_sip._tcp.example.com", new SrvRecord(0, 0, 5060, "sip.example.com"));
        dns.addresses("sip.example.com", "192.0.2.1");
        dns.addresses("example.com", "192.0.2.99");

        assertThat(locate("example.com")).containsExactly("tcp 192.0.2.1:5060");
    }

    @Test // RFC 2782, RFC 3263 §4.2: "." is an answer, so there is no A/AAAA fallback
    void dotTargetForTheGivenTransportIsReportedNotFallenBackFrom() {
        dns.srv("_sip._udp.example.com", new SrvRecord(0, 0, 0, "."));
        dns.addresses("example.com", "192.0.2.99");

        assertThatThrownBy(() -> locate("example.com", OptionalInt.empty(), Optional.of(Transport.UDP)))
                .isInstanceOf(RegistrarNotFoundException.class)
                .hasMessage("no registrar found for example.com: _sip._udp not offered (SRV target \".\")");
    }

    @Test // RFC 3263 §4.2
    void srvTargetWithoutAddressesIsSkipped() {
        dns.srv("_sip._udp.example.com",
                new SrvRecord(10, 0, 5060, "gone.example.com"),
                new SrvRecord(20, 0, 5060, "sip.example.com"));
        dns.addresses("sip.example.com", "192.0.2.1");

        assertThat(locate("example.com")).containsExactly("udp 192.0.2.1:5060");
    }

    @Test // RFC 3263 §4.2
    void withoutSrvTheHostAddressesAreUsedOnTheDefaultPort() {
        dns.addresses("example.com", "192.0.2.1", "2001:db8::1");

        assertThat(locate("example.com")).containsExactly("udp 192.0.2.1:5060", "udp [2001:db8::1]:5060");
    }

    @Test // RFC 3263 §4.2
    void withoutSrvTheGivenTlsTransportUsesPort5061() {
        dns.addresses("example.com", "192.0.2.1");

        assertThat(locate("example.com", OptionalInt.empty(), Optional.of(Transport.TLS)))
                .containsExactly("tls 192.0.2.1:5061");
    }

    @Test // RFC 3263 §4.2: "the transport protocol determined previously"
    void naptrWithoutSrvFallsBackToHostWithTheNaptrTransport() {
        dns.naptr("example.com", new NaptrRecord(10, 50, "s", "SIP+D2T", "", "_sip._tcp.example.com"));
        dns.addresses("example.com", "192.0.2.1");

        assertThat(locate("example.com")).containsExactly("tcp 192.0.2.1:5060");
    }

    @Test
    void nothingFoundSaysWhatWasLookedUp() {
        assertThatThrownBy(() -> locate("nosuch.example"))
                .isInstanceOf(RegistrarNotFoundException.class)
                .hasMessage("no registrar found for nosuch.example: no NAPTR, "
                        + "no SRV (_sip._udp, _sip._tcp, _sips._tcp), no A/AAAA");
    }

    @Test
    void unusableNaptrAndAddresslessSrvTargetAreNamed() {
        dns.naptr("example.com", new NaptrRecord(10, 50, "u", "E2U+sip", "!^.*$!sip:info@example.com!", "."));
        dns.srv("_sip._tcp.example.com", new SrvRecord(10, 0, 5060, "gone.example.com"));

        assertThatThrownBy(() -> locate("example.com"))
                .isInstanceOf(RegistrarNotFoundException.class)
                .hasMessage("no registrar found for example.com: no NAPTR for SIP+D2U, SIP+D2T, SIPS+D2T, "
                        + "no A/AAAA for gone.example.com");
    }

    @Test // RFC 3263 §4.2
    void explicitPortWithoutAddressesSaysSo() {
        assertThatThrownBy(() -> locate("nosuch.example", OptionalInt.of(5060), Optional.empty()))
                .isInstanceOf(RegistrarNotFoundException.class)
                .hasMessage("no registrar found for nosuch.example: no A/AAAA");
    }

    @Test
    void dnsFailureNamesTheHostAndTheCause() {
        dns.failing("_sip._udp.example.com", "DNS server 192.0.2.53:53 did not answer for _sip._udp.example.com SRV");

        assertThatThrownBy(() -> locate("example.com"))
                .isInstanceOf(RegistrarNotFoundException.class)
                .hasMessage("DNS lookup of example.com failed: "
                        + "DNS server 192.0.2.53:53 did not answer for _sip._udp.example.com SRV")
                .hasCauseInstanceOf(DnsException.class);
    }

    private List<String> locate(String host) {
        return locate(host, OptionalInt.empty(), Optional.empty());
    }

    private List<String> locate(String host, OptionalInt port, Optional<Transport> transport) {
        return locator.locate(host, port, transport).stream().map(RegistrarTarget::toString).toList();
    }

    /** DNS from maps; a name without records is NXDOMAIN. Records every query as {@code TYPE name}. */
    private static final class FakeDns implements DnsLookup {
        private final Map<String, List<NaptrRecord>> naptr = new HashMap<>();
        private final Map<String, List<SrvRecord>> srv = new HashMap<>();
        private final Map<String, List<InetAddress>> addresses = new HashMap<>();
        private final Map<String, String> failures = new HashMap<>();
        final List<String> queries = new ArrayList<>();

        void naptr(String domain, NaptrRecord... records) {
            naptr.put(domain, List.of(records));
        }

        void srv(String name, SrvRecord... records) {
            srv.put(name, List.of(records));
        }

        void addresses(String host, String... literals) {
            List<InetAddress> resolved = new ArrayList<>();
            for (String literal : literals) {
                try {
                    resolved.add(InetAddress.getByAddress(host, InetAddress.getByName(literal).getAddress()));
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException(literal, e);
                }
            }
            addresses.put(host, resolved);
        }

        void failing(String name, String message) {
            failures.put(name, message);
        }

        @Override
        public List<NaptrRecord> naptr(String domain) throws DnsException {
            return answer("NAPTR", domain, naptr);
        }

        @Override
        public List<SrvRecord> srv(String name) throws DnsException {
            return answer("SRV", name, srv);
        }

        @Override
        public List<InetAddress> addresses(String host) throws DnsException {
            return answer("A/AAAA", host, addresses);
        }

        private <T> List<T> answer(String type, String name, Map<String, List<T>> records) throws DnsException {
            queries.add(type + " " + name);
            if (failures.containsKey(name)) {
                throw new DnsException(failures.get(name), null);
            }
            return records.getOrDefault(name, List.of());
        }
    }
}
