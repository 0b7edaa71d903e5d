package io.sipreg.registrar;

import static io.sipreg.registrar.RegistrarTest.ALICE_AOR;
import static io.sipreg.registrar.RegistrarTest.REGISTER;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the registrar tells its activity listener about each REGISTER, and removals asked for by an operator. */
class RegistrarActivityTest {
    final ManualClock clock = ManualClock.at("2025-03-01T10:00:00Z");
    final InMemoryLocationStore locations = new InMemoryLocationStore(clock);
    final MapUserStore users = new MapUserStore();
    final Flow flow = new Flow(Transport.UDP, new InetSocketAddress("192.0.2.1", 5060),
            new InetSocketAddress("198.51.100.7", 40211), 0);
    final List<RegisterAttempt> attempts = new CopyOnWriteArrayList<>();
    final List<Binding> observedRemovals = new CopyOnWriteArrayList<>();
    Registrar registrar;

    @BeforeEach
    void start() {
        users.put(User.withPassword("alice", "example.com", "wonderland"));
        registrar = new Registrar(RegistrarConfig.defaults("example.com"), locations, users,
                NonceService.withRandomSecret(Duration.ofSeconds(300), clock), clock,
                Set.of(new InetSocketAddress("192.0.2.1", 5060)));
        registrar.setActivity(new RegistrarActivity() {
            @Override
            public void attempted(RegisterAttempt attempt) {
                attempts.add(attempt);
            }
        });
        registrar.setBindingObserver((put, removed) -> observedRemovals.addAll(removed));
    }

    @Test // the seed's ladder: 401, then 200
    void aChallengeAndASuccessAreTwoAttemptsOfTheAor() {
        new Device(registrar, flow, "alice", "wonderland").register(REGISTER);

        assertThat(attempts).extracting(RegisterAttempt::outcome)
                .containsExactly(RegisterOutcome.NO_CREDENTIALS, RegisterOutcome.REGISTERED);
        RegisterAttempt challenged = attempts.get(0);
        assertThat(challenged.aor()).isEqualTo(ALICE_AOR);
        assertThat(challenged.status()).isEqualTo(401);
        assertThat(challenged.source()).isEqualTo("198.51.100.7:40211");
        assertThat(challenged.transport()).isEqualTo("UDP");
        assertThat(challenged.userAgent()).isEqualTo("Algo 8180");
        assertThat(attempts.get(1).status()).isEqualTo(200);
        assertThat(attempts.get(1).callId()).isEqualTo("a84b4c76e66710@10.0.0.5");
    }

    @Test // RFC 3261 §22.4: wrong password
    void aWrongPasswordIsReportedAsSuch() {
        new Device(registrar, flow, "alice", "not-wonderland").register(REGISTER);

        assertThat(attempts).extracting(RegisterAttempt::outcome)
                .containsExactly(RegisterOutcome.NO_CREDENTIALS, RegisterOutcome.WRONG_PASSWORD);
        assertThat(attempts.get(1).status()).isEqualTo(403);
        assertThat(attempts.get(1).outcome().isAuthentication()).isTrue();
    }

    @Test // RFC 3261 §10.3 step 7
    void aTooBriefIntervalIsReportedWithItsReason() {
        new Device(registrar, flow, "alice", "wonderland").register(REGISTER.replace("Expires: 3600", "Expires: 20"));

        RegisterAttempt last = attempts.get(attempts.size() - 1);
        assertThat(last.outcome()).isEqualTo(RegisterOutcome.INTERVAL_TOO_BRIEF);
        assertThat(last.status()).isEqualTo(423);
        assertThat(last.reason()).isEqualTo("Interval Too Brief");
    }

    @Test // RFC 3261 §10.2.2
    void anUnregistrationIsReportedAsSuch() {
        var alice = new Device(registrar, flow, "alice", "wonderland");
        alice.register(REGISTER);
        alice.send(Device.nextCSeq(Device.nextCSeq(REGISTER)).replace("Expires: 3600", "Expires: 0"));

        assertThat(attempts.get(attempts.size() - 1).outcome()).isEqualTo(RegisterOutcome.UNREGISTERED);
    }

    @Test
    void anOperatorRemovesOneBindingDurablyAndTheObserverHearsOfIt() {
        new Device(registrar, flow, "alice", "wonderland").register(REGISTER);

        List<Binding> gone = registrar.removeBinding(ALICE_AOR, "sip:alice@10.0.0.5:5060").toCompletableFuture()
                .join();

        assertThat(gone).extracting(Binding::contactUri).containsExactly("sip:alice@10.0.0.5:5060");
        assertThat(locations.bindings(ALICE_AOR)).isEmpty();
        assertThat(observedRemovals).extracting(Binding::contactUri).containsExactly("sip:alice@10.0.0.5:5060");
        assertThat(registrar.removeBinding(ALICE_AOR, "sip:alice@10.0.0.5:5060").toCompletableFuture().join())
                .isEmpty();
    }
}
