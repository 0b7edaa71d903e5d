package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.HeaderName;
import io.sipreg.message.SipResponse;
import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 3261 §21.5.4 under a registration storm: new registrations are shed first (503 instead of a challenge), a
 * registered device's refresh still goes through, a full store answers 503 too, and all of it ends with the load.
 */
class OverloadTest {
    private final ManualClock clock = ManualClock.at("2025-03-01T10:00:00Z");
    private final InMemoryLocationStore locations = new InMemoryLocationStore(clock);
    private final MapUserStore users = new MapUserStore();
    private final Flow flow = new Flow(Transport.UDP, new InetSocketAddress("192.0.2.1", 5060),
            new InetSocketAddress("198.51.100.7", 40211), 0);
    /** Stands for the store's queue of writes waiting for the disk. */
    private final AtomicInteger waitingWrites = new AtomicInteger();
    private Registrar registrar;

    @BeforeEach
    void start() {
        users.put(User.withPassword("alice", "example.com", "wonderland"));
        users.put(User.withPassword("bob", "example.com", "builder"));
        registrar = new Registrar(RegistrarConfig.defaults("example.com"), locations, users,
                NonceService.withRandomSecret(Duration.ofSeconds(300), clock), clock,
                Set.of(new InetSocketAddress("192.0.2.1", 5060)));
        registrar.setOverloadControl(new OverloadControl(waitingWrites::get, 100, 50, 5));
    }

    @Test // RFC 3261 §21.5.4: 503 with Retry-After; new registrations give way to registered devices
    void aStoreFallingBehindShedsNewRegistrationsButServesRefreshes() {
        var alice = new Device(registrar, flow, "alice", "wonderland");
        assertThat(alice.register(RegistrarTest.REGISTER).status()).isEqualTo(200);

        waitingWrites.set(60);
        var bob = new Device(registrar, flow, "bob", "builder");
        SipResponse shed = bob.register(RegistrarTest.REGISTER.replace("alice", "bob"));
        assertThat(shed.status()).isEqualTo(503);
        assertThat(shed.reason()).isEqualTo("Service Unavailable");
        assertThat(Integer.parseInt(shed.headers().first(HeaderName.RETRY_AFTER).orElseThrow())).isBetween(5, 10);
        assertThat(locations.bindings("sip:bob@example.com")).isEmpty();

        // Alice refreshes with the credentials of her last challenge: no challenge needed, still served.
        SipResponse refreshed = alice.send(RegistrarTest.REGISTER.replace("CSeq: 1 ", "CSeq: 3 "));
        assertThat(refreshed.status()).isEqualTo(200);

        // OPTIONS, the keepalive, is always answered.
        assertThat(alice.exchange(OPTIONS).status()).isEqualTo(200);
    }

    @Test
    void aFullStoreAnswersEveryWrite503() {
        var alice = new Device(registrar, flow, "alice", "wonderland");
        assertThat(alice.register(RegistrarTest.REGISTER).status()).isEqualTo(200);

        waitingWrites.set(100);
        SipResponse refused = alice.send(RegistrarTest.REGISTER.replace("CSeq: 1 ", "CSeq: 3 "));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.headers().first(HeaderName.RETRY_AFTER)).isPresent();
    }

    @Test // and recovers as soon as the load falls
    void shedsNoLongerOnceTheQueueIsBelowTheThreshold() {
        waitingWrites.set(70);
        var bob = new Device(registrar, flow, "bob", "builder");
        assertThat(bob.register(RegistrarTest.REGISTER.replace("alice", "bob")).status()).isEqualTo(503);

        waitingWrites.set(49);
        assertThat(bob.register(RegistrarTest.REGISTER.replace("alice", "bob").replace("CSeq: 1 ", "CSeq: 5 "))
                .status()).isEqualTo(200);
        assertThat(locations.bindings("sip:bob@example.com")).hasSize(1);
    }

    @Test // the store refusing a write as busy is a 503, not a 500: nothing is broken, only late
    void aWriteRefusedAsBusyIsA503() {
        LocationStore busy = new LocationStore() {
            @Override
            public java.util.List<Binding> bindings(String aor) {
                return java.util.List.of();
            }

            @Override
            public java.util.List<Binding> all() {
                return java.util.List.of();
            }

            @Override
            public <R> java.util.concurrent.CompletionStage<R> update(String aor,
                    java.util.function.Function<java.util.List<Binding>, BindingChange<R>> decision) {
                return java.util.concurrent.CompletableFuture.failedFuture(StoreException.busy("100 writes waiting"));
            }

            @Override
            public int removeExpired(java.time.Instant now) {
                return 0;
            }

            @Override
            public void close() {
            }
        };
        var registrar = new Registrar(RegistrarConfig.defaults("example.com"), busy, users,
                NonceService.withRandomSecret(Duration.ofSeconds(300), clock), clock,
                Set.of(new InetSocketAddress("192.0.2.1", 5060)));
        SipResponse response = new Device(registrar, flow, "alice", "wonderland").register(RegistrarTest.REGISTER);
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.headers().first(HeaderName.RETRY_AFTER)).isPresent();
    }

    private static final String OPTIONS = """
            OPTIONS sip:example.com SIP/2.0
            Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKopt;rport=40211;received=198.51.100.7
            Max-Forwards: 70
            To: <sip:example.com>
            From: Alice <sip:alice@example.com>;tag=77
            Call-ID: opt-1@10.0.0.5
            CSeq: 1 OPTIONS
            Content-Length: 0

            """;
}
