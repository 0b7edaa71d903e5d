package io.sipreg.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipreg.transport.Transport;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link JndiDnsLookup} and {@link RegistrarLocator} against a real dnsmasq on 127.0.0.1 and an ephemeral port,
 * serving the NAPTR, SRV, A and AAAA records of RFC 3263's examples.
 */
class JndiDnsLookupIT {
    private static final Path DNSMASQ = Path.of("/usr/sbin/dnsmasq");
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration STARTUP = Duration.ofSeconds(10);

    private static Process dnsmasq;
    private static Path dnsmasqLog;
    private static InetSocketAddress server;
    private static JndiDnsLookup dns;
    private static RegistrarLocator locator;

    @BeforeAll
    static void startDnsmasq() throws Exception {
        assertThat(Files.isExecutable(DNSMASQ))
                .as("%s is missing: install the Debian package dnsmasq-base (apt-get install dnsmasq-base)", DNSMASQ)
                .isTrue();
        server = new InetSocketAddress(LOOPBACK, freeDnsPort());
        dnsmasqLog = Files.createTempFile("dnsmasq-", ".log");
        dnsmasq = new ProcessBuilder(DNSMASQ.toString(),
                "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces",
                "--listen-address=" + LOOPBACK.getHostAddress(), "--port=" + server.getPort(),
                "--pid-file=", "--conf-file=/dev/null", "--user=root",
                // Answer for *.test from the records below alone: NXDOMAIN for unknown names and an empty answer
                // for a missing type, as an authoritative server does, rather than REFUSED for lack of upstreams.
                "--local=/test/",
                "--host-record=sip1.example.test,192.0.2.11",
                "--host-record=sip2.example.test,192.0.2.12,2001:db8::12",
                "--host-record=a-only.test,192.0.2.30",
                // RFC 3263 §4.1: TCP preferred (order 10) over UDP (order 20); an ENUM record to skip.
                "--naptr-record=example.test,20,50,s,SIP+D2U,,_sip._udp.example.test",
                "--naptr-record=example.test,10,50,s,SIP+D2T,,_sip._tcp.example.test",
                "--naptr-record=example.test,5,50,u,E2U+sip,!^.*$!sip:info@example.test!",
                "--srv-host=_sip._udp.example.test,sip1.example.test,5070,10,60",
                "--srv-host=_sip._tcp.example.test,sip2.example.test,5080,10,0",
                // No NAPTR: SRV for UDP (two priorities) and TLS, none for TCP.
                "--srv-host=_sip._udp.srv-only.test,sip2.example.test,5072,20,0",
                "--srv-host=_sip._udp.srv-only.test,sip1.example.test,5071,10,0",
                "--srv-host=_sips._tcp.srv-only.test,sip1.example.test,5061,10,0",
                // RFC 2782: no target means ".", the service is decidedly not available.
                "--srv-host=_sip._udp.no-sip.test")
                .redirectErrorStream(true)
                .redirectOutput(dnsmasqLog.toFile())
                .start();
        dns = new JndiDnsLookup(server);
        locator = new RegistrarLocator(dns);
        awaitFirstAnswer();
    }

    @AfterAll
    static void stopDnsmasq() throws Exception {
        if (dnsmasq != null) {
            dnsmasq.destroy();
            if (!dnsmasq.waitFor(5, TimeUnit.SECONDS)) {
                dnsmasq.destroyForcibly().waitFor();
            }
        }
        if (dnsmasqLog != null) {
            Files.deleteIfExists(dnsmasqLog);
        }
    }

    @Test // RFC 3263 §4.1, §4.2
    void naptrLeadsToSrvAndAddressesInNaptrOrder() {
        assertThat(locate("example.test", Optional.empty())).containsExactly(
                "tcp 192.0.2.12:5080", "tcp [2001:db8::12]:5080", "udp 192.0.2.11:5070");
    }

    @Test // RFC 3263 §4.1
    void withoutNaptrSrvIsQueriedPerTransport() {
        assertThat(locate("srv-only.test", Optional.empty())).containsExactly(
                "udp 192.0.2.11:5071", "udp 192.0.2.12:5072", "udp [2001:db8::12]:5072", "tls 192.0.2.11:5061");
    }

    @Test // RFC 3263 §4.2
    void withoutNaptrOrSrvTheHostAddressIsUsedOnPort5060() {
        assertThat(locate("a-only.test", Optional.empty())).containsExactly("udp 192.0.2.30:5060");
    }

    @Test // RFC 2782
    void dotSrvTargetIsReportedAsNotOffered() throws DnsException {
        assertThat(dns.srv("_sip._udp.no-sip.test")).singleElement()
                .satisfies(record -> assertThat(record.offersNoService()).isTrue());
        assertThatThrownBy(() -> locate("no-sip.test", Optional.of(Transport.UDP)))
                .isInstanceOf(RegistrarNotFoundException.class)
                .hasMessage("no registrar found for no-sip.test: _sip._udp not offered (SRV target \".\")");
    }

    @Test
    void nxdomainNameIsNotFoundWithEveryLookupNamed() {
        assertThatThrownBy(() -> locate("nosuch.test", Optional.empty()))
                .isInstanceOf(RegistrarNotFoundException.class)
                .hasMessage("no registrar found for nosuch.test: no NAPTR, "
                        + "no SRV (_sip._udp, _sip._tcp, _sips._tcp), no A/AAAA");
    }

    @Test
    void naptrTextIsParsedIntoFieldsWithoutTrailingDots() throws DnsException {
        assertThat(dns.naptr("example.test")).containsExactlyInAnyOrder(
                new NaptrRecord(20, 50, "s", "SIP+D2U", "", "_sip._udp.example.test"),
                new NaptrRecord(10, 50, "s", "SIP+D2T", "", "_sip._tcp.example.test"),
                new NaptrRecord(5, 50, "u", "E2U+sip", "!^.*$!sip:info@example.test!", "."));
    }

    @Test
    void srvTextIsParsedIntoFieldsWithoutTrailingDots() throws DnsException {
        assertThat(dns.srv("_sip._udp.example.test"))
                .containsExactly(new SrvRecord(10, 60, 5070, "sip1.example.test"));
    }

    @Test
    void addressesAreAThenAaaaAndKeepTheHostName() throws Exception {
        List<InetAddress> addresses = dns.addresses("sip2.example.test");

        assertThat(addresses).hasSize(2);
        assertThat(addresses.get(0)).isInstanceOf(Inet4Address.class)
                .isEqualTo(InetAddress.getByName("192.0.2.12"));
        assertThat(addresses.get(1)).isInstanceOf(Inet6Address.class)
                .isEqualTo(InetAddress.getByName("2001:db8::12"));
        assertThat(addresses).allSatisfy(address -> assertThat(address.getHostName()).isEqualTo("sip2.example.test"));
    }

    @Test
    void missingNameAndMissingTypeAreEmpty() throws DnsException {
        assertThat(dns.addresses("nosuch.test")).isEmpty();
        assertThat(dns.naptr("a-only.test")).isEmpty();
    }

    @Test
    void refusedQueryNamesServerNameAndType() {
        assertThatThrownBy(() -> dns.naptr("example.org"))
                .isInstanceOf(DnsException.class)
                .hasMessage("DNS server 127.0.0.1:" + server.getPort()
                        + " failed for example.org NAPTR: DNS service refused [response code 5]");
    }

    @Test
    void silentServerIsReportedAfterTheRetries() throws IOException {
        try (DatagramSocket silent = new DatagramSocket(0, LOOPBACK)) {
            JndiDnsLookup unanswered = new JndiDnsLookup(new InetSocketAddress(LOOPBACK, silent.getLocalPort()));

            assertThatThrownBy(() -> unanswered.srv("_sip._udp.example.test"))
                    .isInstanceOf(DnsException.class)
                    .hasMessage("DNS server 127.0.0.1:" + silent.getLocalPort()
                            + " did not answer for _sip._udp.example.test SRV (Receive timed out)");
        }
    }

    private static List<String> locate(String host, Optional<Transport> transport) {
        return locator.locate(host, OptionalInt.empty(), transport).stream().map(RegistrarTarget::toString).toList();
    }

    /** A port free for both UDP and TCP on loopback, since dnsmasq serves DNS on both; never 53. */
    private static int freeDnsPort() throws IOException {
        IOException lastTaken = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(0, LOOPBACK);
                    ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 1, LOOPBACK)) {
                return tcp.getLocalPort();
            } catch (IOException takenForTcp) {
                lastTaken = takenForTcp;
            }
        }
        throw lastTaken;
    }

    /** dnsmasq is ready once it answers; until then the query fails at once with "port unreachable". */
    private static void awaitFirstAnswer() throws Exception {
        Instant deadline = Instant.now().plus(STARTUP);
        while (true) {
            try {
                dns.addresses("sip1.example.test");
                return;
            } catch (DnsException notYet) {
                if (!dnsmasq.isAlive() || Instant.now().isAfter(deadline)) {
                    throw new AssertionError("dnsmasq did not answer on " + server + ": "
                            + Files.readString(dnsmasqLog), notYet);
                }
                Thread.sleep(50);
            }
        }
    }
}
