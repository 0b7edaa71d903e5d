package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.SipResponse;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contact limit per AOR, and the rule that keeps stale contacts from locking a user out. */
class MaxContactsTest {
    static final String REGISTER = """
            REGISTER sip:example.com SIP/2.0
            Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKBRANCH;rport=40211;received=203.0.113.5
            Max-Forwards: 70
            To: <sip:alice@example.com>
            From: <sip:alice@example.com>;tag=456248
            Call-ID: CALLID
            CSeq: CSEQ REGISTER
            Contact: CONTACT
            Expires: 3600
            Content-Length: 0

            """;

    final ManualClock clock = ManualClock.at("2025-03-01T10:00:00Z");
    final InMemoryLocationStore locations = new InMemoryLocationStore(clock);
    final MapUserStore users = new MapUserStore();
    final Flow flow = new Flow(Transport.UDP, new InetSocketAddress("192.0.2.1", 5060),
            new InetSocketAddress("203.0.113.5", 40211), 0);
    int branch;

    @BeforeEach
    void users() {
        users.put(User.withPassword("alice", "example.com", "wonderland"));
    }

    Registrar registrar(int max, int status) {
        var config = new RegistrarConfig("example.com", Challenge.WWW_401, 60, 3600, 3600,
                List.of(DigestAlgorithm.MD5), Duration.ofSeconds(300)).withMaxContacts(max, status);
        return new Registrar(config, locations, users,
                NonceService.withRandomSecret(Duration.ofSeconds(300), clock), clock,
                Set.of(new InetSocketAddress("192.0.2.1", 5060)));
    }

    SipResponse register(Registrar registrar, String callId, int cseq, String contact) {
        clock.advance(Duration.ofSeconds(1));
        String text = REGISTER.replace("CALLID", callId).replace("CSEQ", Integer.toString(cseq))
                .replace("CONTACT", contact).replace("BRANCH", Integer.toString(++branch));
        return new Device(registrar, flow, "alice", "wonderland").register(text);
    }

    @Test
    void aContactBeyondTheLimitFromANewDeviceIsRefusedAndNothingChanges() {
        Registrar registrar = registrar(3, 403);
        for (int i = 1; i <= 3; i++) {
            assertThat(register(registrar, "device-" + i, 1, "<sip:alice@10.0.0." + i + ">").status()).isEqualTo(200);
        }

        SipResponse fourth = register(registrar, "device-4", 1, "<sip:alice@10.0.0.4>");

        assertThat(fourth.status()).isEqualTo(403);
        assertThat(fourth.reason()).isEqualTo("Too many registered contacts (limit 3)");
        assertThat(locations.bindings("sip:alice@example.com")).hasSize(3);
    }

    @Test
    void aDeviceWithANewContactReplacesItsOwnOldestBindingWhenTheAorIsFull() {
        Registrar registrar = registrar(3, 403);
        register(registrar, "device-1", 1, "<sip:alice@10.0.0.1:5060>");
        register(registrar, "device-2", 1, "<sip:alice@10.0.0.2>");
        register(registrar, "device-3", 1, "<sip:alice@10.0.0.3>");

        // Same Call-ID (the same boot cycle, RFC 3261 §10.2.4), new port after a NAT rebinding.
        SipResponse moved = register(registrar, "device-1", 3, "<sip:alice@10.0.0.1:6060>");

        assertThat(moved.status()).isEqualTo(200);
        assertThat(locations.bindings("sip:alice@example.com")).extracting(Binding::contactUri)
                .containsExactlyInAnyOrder("sip:alice@10.0.0.1:6060", "sip:alice@10.0.0.2", "sip:alice@10.0.0.3");
    }

    @Test // RFC 5626 §4.1: the instance names the device across reboots
    void aRebootedDeviceWithTheSameInstanceReplacesItsOldBinding() {
        Registrar registrar = registrar(2, 403);
        String instance = ";+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"";
        register(registrar, "boot-1", 1, "<sip:alice@10.0.0.1:5060>" + instance);
        register(registrar, "other", 1, "<sip:alice@10.0.0.2>");

        SipResponse rebooted = register(registrar, "boot-2", 1, "<sip:alice@10.0.0.1:7070>" + instance);

        assertThat(rebooted.status()).isEqualTo(200);
        assertThat(locations.bindings("sip:alice@example.com")).extracting(Binding::contactUri)
                .containsExactlyInAnyOrder("sip:alice@10.0.0.1:7070", "sip:alice@10.0.0.2");
    }

    @Test
    void refreshesOfExistingContactsAreNeverRefused() {
        Registrar registrar = registrar(2, 403);
        register(registrar, "a", 1, "<sip:alice@10.0.0.1>");
        register(registrar, "b", 1, "<sip:alice@10.0.0.2>");

        assertThat(register(registrar, "a", 3, "<sip:alice@10.0.0.1>").status()).isEqualTo(200);
        assertThat(register(registrar, "b", 3, "<sip:alice@10.0.0.2>").status()).isEqualTo(200);
    }

    @Test
    void theLimitCanBeAnswered503AndZeroMeansNoLimit() {
        Registrar limited = registrar(1, 503);
        register(limited, "a", 1, "<sip:alice@10.0.0.1>");
        assertThat(register(limited, "b", 1, "<sip:alice@10.0.0.2>").status()).isEqualTo(503);

        Registrar unlimited = registrar(0, 403);
        for (int i = 2; i < 30; i++) {
            assertThat(register(unlimited, "c" + i, 1, "<sip:alice@10.0.1." + i + ">").status()).isEqualTo(200);
        }
    }
}
