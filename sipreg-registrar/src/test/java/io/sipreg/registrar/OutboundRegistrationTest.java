package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.HeaderName;
import io.sipreg.message.SipResponse;
import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** RFC 5626 at the registrar: flows, instance and reg-id, Require: outbound and Flow-Timer; and NAT detection. */
class OutboundRegistrationTest {
    static final String ALICE_AOR = "sip:alice@example.com";
    static final String INSTANCE = "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>";
    static final InetSocketAddress LOCAL = new InetSocketAddress("192.0.2.1", 5060);

    /** RFC 5626 §4.2.1: Supported: outbound, one Contact with +sip.instance and reg-id; the phone is behind NAT. */
    static final String OUTBOUND_REGISTER = """
            REGISTER sip:example.com SIP/2.0
            Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bKob1;rport=40211;received=203.0.113.5
            Max-Forwards: 70
            To: Alice <sip:alice@example.com>
            From: Alice <sip:alice@example.com>;tag=1928301774
            Call-ID: ob-1@192.168.1.10
            CSeq: 1 REGISTER
            Supported: outbound, path
            Contact: <sip:alice@192.168.1.10:5060;ob>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>";reg-id=1
            Expires: 3600
            Content-Length: 0

            """;

    final ManualClock clock = ManualClock.at("2025-03-01T10:00:00Z");
    final InMemoryLocationStore locations = new InMemoryLocationStore(clock);
    final MapUserStore users = new MapUserStore();
    final List<List<Binding>> committed = new ArrayList<>();
    Registrar registrar;

    @BeforeEach
    void start() {
        users.put(User.withPassword("alice", "example.com", "wonderland"));
        registrar = new Registrar(RegistrarConfig.defaults("example.com").withFlowTimer(25), locations, users,
                NonceService.withRandomSecret(Duration.ofSeconds(300), clock), clock, Set.of(LOCAL));
        registrar.setBindingObserver((put, removed) -> committed.add(put));
    }

    static Flow udpFrom(String ip, int port) {
        return new Flow(Transport.UDP, LOCAL, new InetSocketAddress(ip, port), 0);
    }

    Device alice(Flow flow) {
        return new Device(registrar, flow, "alice", "wonderland");
    }

    @Test // RFC 5626 §6: the 200 says the registrar used outbound, and §4.4.1 how often to send keepalives
    void answersAnOutboundRegistrationWithRequireOutboundAndFlowTimer() {
        SipResponse response = alice(udpFrom("203.0.113.5", 40211)).register(OUTBOUND_REGISTER);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().first(HeaderName.REQUIRE)).contains("outbound");
        assertThat(response.headers().first(Registrar.FLOW_TIMER)).contains("25");
        Binding b = locations.bindings(ALICE_AOR).get(0);
        assertThat(b.isOutbound()).isTrue();
        assertThat(b.instanceId()).isEqualTo(INSTANCE);
        assertThat(b.regId()).isEqualTo(1);
    }

    @Test // RFC 5626 §6: without Supported: outbound the reg-id is ignored, and so is Require: outbound in the 200
    void withoutSupportedOutboundTheRegIdIsIgnored() {
        SipResponse response = alice(udpFrom("203.0.113.5", 40211))
                .register(OUTBOUND_REGISTER.replace("Supported: outbound, path\n", ""));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().contains(HeaderName.REQUIRE)).isFalse();
        assertThat(response.headers().contains(Registrar.FLOW_TIMER)).isFalse();
        assertThat(locations.bindings(ALICE_AOR).get(0).regId()).isZero();
    }

    @Test // RFC 3261 §10.3 step 2: outbound is the extension we implement, so Require: outbound is no 420
    void requireOutboundIsAccepted() {
        SipResponse response = alice(udpFrom("203.0.113.5", 40211))
                .register(OUTBOUND_REGISTER.replace("Supported: outbound, path", "Require: outbound"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().first(HeaderName.REQUIRE)).contains("outbound");
    }

    @Test // RFC 5626 §6: the same instance and reg-id over a new flow replaces the old flow's binding
    void aNewFlowOfTheSameInstanceAndRegIdReplacesTheBinding() {
        alice(udpFrom("203.0.113.5", 40211)).register(OUTBOUND_REGISTER);
        clock.advance(Duration.ofSeconds(5));

        SipResponse response = alice(udpFrom("203.0.113.5", 41999)).register(OUTBOUND_REGISTER
                .replace("Call-ID: ob-1@", "Call-ID: ob-2@")
                .replace("rport=40211", "rport=41999")
                .replace("<sip:alice@192.168.1.10:5060;ob>", "<sip:alice@192.168.1.10:5062;ob>"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().all(HeaderName.CONTACT)).hasSize(1);
        assertThat(locations.bindings(ALICE_AOR)).singleElement().satisfies(b -> {
            assertThat(b.contactUri()).isEqualTo("sip:alice@192.168.1.10:5062;ob");
            assertThat(b.source()).isEqualTo("203.0.113.5:41999");
        });
    }

    @Test // RFC 5626 §6: reg-id 1 and reg-id 2 are two flows of one instance, two bindings
    void twoRegIdsOfOneInstanceAreTwoBindings() {
        alice(udpFrom("203.0.113.5", 40211)).register(OUTBOUND_REGISTER);
        alice(udpFrom("203.0.113.5", 40212)).register(OUTBOUND_REGISTER
                .replace("Call-ID: ob-1@", "Call-ID: ob-2@")
                .replace("<sip:alice@192.168.1.10:5060;ob>", "<sip:alice@192.168.1.10:5062;ob>")
                .replace("reg-id=1", "reg-id=2"));

        assertThat(locations.bindings(ALICE_AOR)).hasSize(2);
    }

    @Test // RFC 5626 §4.2: requiring outbound without naming the instance and flow
    void requireOutboundWithoutInstanceAndRegIdIs400() {
        SipResponse response = alice(udpFrom("203.0.113.5", 40211)).register(OUTBOUND_REGISTER
                .replace("Supported: outbound, path", "Require: outbound")
                .replace(";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";reg-id=1", ""));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.reason()).isEqualTo("Require: outbound needs +sip.instance and reg-id");
        assertThat(locations.all()).isEmpty();
    }

    @Test // RFC 5626 §6: through a proxy that left no Path, the flow would end at the proxy
    void anOutboundRegistrationThroughAProxyIs439() {
        SipResponse response = alice(udpFrom("198.51.100.1", 5060)).register(OUTBOUND_REGISTER.replace(
                "Via: SIP/2.0/UDP 192.168.1.10", "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKproxy1\n"
                        + "Via: SIP/2.0/UDP 192.168.1.10"));

        assertThat(response.status()).isEqualTo(439);
        assertThat(response.reason()).isEqualTo("First Hop Lacks Outbound Support");
    }

    @Test // RFC 5626 §6: one flow per REGISTER
    void twoContactsWithRegIdAre400() {
        SipResponse response = alice(udpFrom("203.0.113.5", 40211)).register(OUTBOUND_REGISTER.replace(
                "Expires: 3600", "Contact: <sip:alice@192.168.1.10:5062;ob>;+sip.instance=\"" + INSTANCE.replace("\"", "")
                        + "\";reg-id=2\nExpires: 3600"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.reason()).isEqualTo("Only one Contact may carry reg-id");
    }

    @Test // RFC 3261 §11.2: Supported lists what we implement
    void optionsSaysOutboundIsSupported() {
        SipResponse response = alice(udpFrom("203.0.113.5", 40211)).exchange("""
                OPTIONS sip:example.com SIP/2.0
                Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKopt;rport=40211;received=203.0.113.5
                Max-Forwards: 70
                To: <sip:example.com>
                From: <sip:alice@example.com>;tag=1
                Call-ID: opt-1@10.0.0.5
                CSeq: 1 OPTIONS
                Content-Length: 0

                """);

        assertThat(response.headers().first(HeaderName.SUPPORTED)).contains("outbound");
    }

    @Test // the seed: public source, private headers; the binding keeps both and the flag
    void aBindingFromBehindNatIsMarked() {
        alice(udpFrom("203.0.113.5", 40211)).register(OUTBOUND_REGISTER);

        Binding b = locations.bindings(ALICE_AOR).get(0);
        assertThat(b.nat()).isTrue();
        assertThat(b.source()).isEqualTo("203.0.113.5:40211");
        assertThat(b.localSocket()).isEqualTo("192.0.2.1:5060");
    }

    @Test // a phone on the registrar's own network
    void aBindingFromTheSameNetworkIsNotMarked() {
        alice(udpFrom("192.168.1.10", 5060)).register(OUTBOUND_REGISTER
                .replace(";rport=40211;received=203.0.113.5", ";rport=5060"));

        assertThat(locations.bindings(ALICE_AOR).get(0).nat()).isFalse();
    }

    @Test // the keepalive schedule hears of each durable change, refreshes and removals included
    void theObserverHearsOfEachCommittedChange() {
        Device phone = alice(udpFrom("203.0.113.5", 40211));
        phone.register(OUTBOUND_REGISTER);
        phone.send(Device.nextCSeq(Device.nextCSeq(OUTBOUND_REGISTER)).replace("Expires: 3600", "Expires: 0"));

        assertThat(committed).hasSize(2);
        assertThat(committed.get(0)).singleElement().satisfies(b -> assertThat(b.nat()).isTrue());
        assertThat(committed.get(1)).isEmpty();
        assertThat(locations.all()).isEmpty();
    }
}
