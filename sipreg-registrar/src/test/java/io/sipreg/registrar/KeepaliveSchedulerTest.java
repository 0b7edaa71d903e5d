package io.sipreg.registrar;

import static io.sipreg.registrar.KeepaliveFixture.AOR;
import static io.sipreg.registrar.KeepaliveFixture.register;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.HeaderName;
import io.sipreg.message.SipRequest;
import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The keepalive schedule on a manual clock: when OPTIONS go, where, what counts as alive, and when a binding goes. */
class KeepaliveSchedulerTest {
    private static final Duration INTERVAL = Duration.ofSeconds(30);
    /** ±5 % of the interval. */
    private static final Duration JITTER = Duration.ofMillis(1500);
    private static final Flow ALICE_FLOW = new Flow(Transport.UDP, new InetSocketAddress("192.0.2.1", 5060),
            new InetSocketAddress("203.0.113.5", 40211), 0);

    private final KeepaliveFixture f = new KeepaliveFixture();
    private LocationStore store = new InMemoryLocationStore(f.clock);
    private KeepaliveScheduler scheduler;

    @TempDir
    Path data;

    @AfterEach
    void close() {
        if (scheduler != null) {
            scheduler.close();
        }
        store.close();
        f.close();
    }

    private KeepaliveScheduler scheduler(KeepaliveMode mode) {
        return scheduler(new KeepalivePolicy(mode, INTERVAL, 3));
    }

    private KeepaliveScheduler scheduler(KeepalivePolicy policy) {
        scheduler = new KeepaliveScheduler(policy, store, f.sender, f.timers, f.clock, new Random(7), "example.com");
        return scheduler;
    }

    private Binding registerAlice() {
        Binding alice = f.natBinding("alice", 40211);
        register(store, scheduler, alice);
        return alice;
    }

    private void advanceTo(Duration sinceStart) {
        f.advance(Duration.ofNanos(sinceStart.toNanos() - f.timers.nanoTime()));
    }

    @Test // the seed: "OPTIONS ... every 30 seconds" to keep the NAT binding; RFC 5626 §5.3: over the flow
    void sendsOptionsOverTheFlowEveryInterval() {
        scheduler(KeepaliveMode.NAT);
        registerAlice();

        advanceTo(INTERVAL.minus(JITTER).minusMillis(1));
        assertThat(f.sender.sent).isEmpty();
        advanceTo(INTERVAL.plus(JITTER));
        assertThat(f.sender.sent).singleElement().satisfies(sent -> {
            assertThat(sent.flow()).isEqualTo(ALICE_FLOW);
            assertThat(sent.timeout()).isEqualTo(INTERVAL);
        });
        advanceTo(INTERVAL.multipliedBy(2).plus(JITTER));
        assertThat(f.sender.sent).hasSize(2);
        assertThat(scheduler.counts().answered()).isEqualTo(2);
    }

    @Test // RFC 3261 §11: to the contact, from the registrar, a fresh request each time
    void theOptionsIsAddressedToTheContactFromTheRegistrar() {
        scheduler(KeepaliveMode.NAT);
        registerAlice();
        advanceTo(INTERVAL.multipliedBy(2).plus(JITTER));

        SipRequest first = f.sender.sent.get(0).request();
        SipRequest second = f.sender.sent.get(1).request();
        assertThat(first.method()).isEqualTo("OPTIONS");
        assertThat(first.requestUri().toString()).isEqualTo("sip:alice@192.168.1.10:5060");
        assertThat(first.headers().first(HeaderName.MAX_FORWARDS)).contains("70");
        assertThat(first.headers().first(HeaderName.FROM).orElseThrow()).startsWith("<sip:sipreg@example.com>;tag=");
        assertThat(first.headers().first(HeaderName.TO)).contains("<" + AOR + ">");
        assertThat(first.headers().first(HeaderName.CSEQ)).contains("1 OPTIONS");
        assertThat(first.headers().contains(HeaderName.CONTACT)).isFalse();
        assertThat(first.callId()).endsWith("@example.com").isNotEqualTo(second.callId());
        assertThat(first.headers().first(HeaderName.FROM)).isNotEqualTo(second.headers().first(HeaderName.FROM));
    }

    @Test // jitter spreads the sends, but the nominal schedule advances by whole intervals: no drift
    void everyOptionsStaysWithinItsJitterOfTheNominalTime() {
        scheduler(KeepaliveMode.NAT);
        register(store, scheduler, f.binding("alice", "UDP", "203.0.113.5:40211", 0, true, 86_400));

        advanceTo(INTERVAL.multipliedBy(200).plus(JITTER));

        assertThat(f.sender.sent).hasSize(200);
        var offsets = new ArrayList<Long>();
        for (int k = 1; k <= 200; k++) {
            long nominal = INTERVAL.multipliedBy(k).toNanos();
            long offset = f.sender.sent.get(k - 1).atNanos() - nominal;
            assertThat(Math.abs(offset)).as("OPTIONS %d is %d ms off", k, offset / 1_000_000)
                    .isLessThanOrEqualTo(JITTER.toNanos() + KeepaliveScheduler.TICK_NANOS);
            offsets.add(offset);
        }
        assertThat(offsets.stream().distinct().count()).as("jittered").isGreaterThan(100);
    }

    @Test // a restart must not send every OPTIONS in the same second
    void bindingsLoadedAtStartAreSpreadOverTheFirstInterval() {
        scheduler(KeepaliveMode.NAT);
        var loaded = new ArrayList<Binding>();
        for (int i = 0; i < 3_000; i++) {
            loaded.add(f.natBinding("user" + i, 20_000 + i));
        }
        scheduler.start(loaded);

        advanceTo(INTERVAL);

        int[] perSecond = new int[30];
        var first = new java.util.HashSet<String>();
        for (KeepaliveFixture.Sent sent : f.sender.sent) {
            if (first.add(sent.request().headers().first(HeaderName.TO).orElseThrow())) {
                // a wake-up due in the last tick of the interval falls on its end
                perSecond[Math.min(29, (int) (sent.atNanos() / 1_000_000_000L))]++;
            }
        }
        assertThat(first).hasSize(3_000);
        // 100 a second on average; a burst would put hundreds into one second
        assertThat(java.util.Arrays.stream(perSecond).boxed().toList())
                .allSatisfy(n -> assertThat(n).isBetween(50, 150));
    }

    @ParameterizedTest(name = "{0}") // any response, even an error, shows the phone and its NAT binding are there
    @ValueSource(ints = {200, 404, 481, 503, 603})
    void anyResponseCountsAsAlive(int status) {
        scheduler(KeepaliveMode.NAT);
        f.sender.status = status;
        registerAlice();

        advanceTo(INTERVAL.multipliedBy(10));

        assertThat(f.sender.sent).hasSize(9);
        assertThat(store.bindings(AOR)).hasSize(1);
        assertThat(scheduler.counts().removed()).isZero();
    }

    @Test // the issue: removed after N consecutive unanswered keepalives, and the removal is logged with the reason
    void removesABindingAfterThreeUnansweredOptionsAndSaysWhy() {
        scheduler(KeepaliveMode.NAT);
        f.sender.phone = KeepaliveFixture.Phone.SILENT;
        registerAlice();

        // OPTIONS at ~30, ~60, ~90 s; each waits one interval, so the third goes unanswered at ~120 s
        advanceTo(INTERVAL.multipliedBy(4).minus(JITTER).minusMillis(1));
        assertThat(store.bindings(AOR)).hasSize(1);
        advanceTo(INTERVAL.multipliedBy(4).plus(JITTER));

        assertThat(store.bindings(AOR)).isEmpty();
        assertThat(f.infoLines()).containsExactly("keepalive: removed sip:alice@example.com contact "
                + "sip:alice@192.168.1.10:5060 after 3 unanswered OPTIONS from udp 203.0.113.5:40211");
        assertThat(scheduler.pinged()).isZero();
        int sent = f.sender.sent.size();
        advanceTo(INTERVAL.multipliedBy(10));
        assertThat(f.sender.sent).hasSize(sent);
    }

    @Test // the admin API shows when a binding last answered, and the history each failure and the removal
    void reportsUnansweredOptionsTheRemovalAndTheLastAnswer() {
        scheduler(KeepaliveMode.NAT);
        var probes = new java.util.concurrent.CopyOnWriteArrayList<KeepaliveProbe>();
        scheduler.setActivity(new RegistrarActivity() {
            @Override
            public void keepalive(KeepaliveProbe probe) {
                probes.add(probe);
            }
        });
        Binding alice = registerAlice();
        assertThat(scheduler.status(AOR, alice.contactUri())).hasValueSatisfying(s -> {
            assertThat(s.sent()).isZero();
            assertThat(s.lastAnsweredAtMillis()).isZero();
        });

        advanceTo(INTERVAL.plus(JITTER));
        assertThat(scheduler.status(AOR, alice.contactUri())).hasValueSatisfying(s -> {
            assertThat(s.sent()).isEqualTo(1);
            // the phone answers at once
            assertThat(s.lastAnsweredAtMillis()).isPositive().isEqualTo(s.lastSentAtMillis());
            assertThat(s.failuresInRow()).isZero();
        });
        f.sender.phone = KeepaliveFixture.Phone.SILENT;
        advanceTo(INTERVAL.multipliedBy(5).plus(JITTER));

        assertThat(probes).extracting(KeepaliveProbe::kind).containsExactly(KeepaliveProbe.Kind.UNANSWERED,
                KeepaliveProbe.Kind.UNANSWERED, KeepaliveProbe.Kind.UNANSWERED, KeepaliveProbe.Kind.REMOVED);
        assertThat(probes).extracting(KeepaliveProbe::failuresInRow).startsWith(1, 2, 3);
        assertThat(probes.get(0).source()).isEqualTo("udp 203.0.113.5:40211");
        assertThat(probes.get(3).detail()).startsWith("removed after 3 unanswered OPTIONS");
        assertThat(scheduler.status(AOR, alice.contactUri())).isEmpty();
    }

    @Test // RFC 3261 §10.3: a removal is as durable as a registration
    void theRemovalIsDurable() {
        store = SqliteStore.open(data, f.clock);
        scheduler(KeepaliveMode.NAT);
        f.sender.phone = KeepaliveFixture.Phone.SILENT;
        registerAlice();

        advanceTo(INTERVAL.multipliedBy(5));
        // Updates of one AOR run in order: once this no-op is through, so is the removal queued before it.
        store.update(AOR, current -> BindingChange.none("after")).toCompletableFuture().join();
        store.close();

        try (SqliteStore reopened = SqliteStore.open(data, f.clock)) {
            assertThat(reopened.bindings(AOR)).isEmpty();
        }
    }

    @Test // only consecutive failures count
    void anAnswerInBetweenStartsTheCountAgain() {
        scheduler(KeepaliveMode.NAT);
        f.sender.phone = KeepaliveFixture.Phone.MANUAL;
        registerAlice();

        for (boolean answered : new boolean[] {false, false, true, false, false}) {
            advanceTo(INTERVAL.multipliedBy(f.sender.sent.size() + 1).plus(JITTER));
            if (answered) {
                f.sender.last().answer(200);
            } else {
                f.sender.last().timeOut();
            }
        }
        assertThat(store.bindings(AOR)).hasSize(1);

        advanceTo(INTERVAL.multipliedBy(f.sender.sent.size() + 1).plus(JITTER));
        f.sender.last().timeOut();
        assertThat(store.bindings(AOR)).isEmpty();
    }

    @Test // NAT rebinding: the refresh comes from a new port, and the keepalives follow it
    void aRefreshFromANewPortMovesTheKeepalivesToTheNewFlow() {
        scheduler(KeepaliveMode.NAT);
        f.sender.phone = KeepaliveFixture.Phone.SILENT;
        registerAlice();
        advanceTo(INTERVAL.multipliedBy(3).plus(JITTER)); // two unanswered, the third in flight
        int before = f.sender.sent.size();

        f.sender.phone = KeepaliveFixture.Phone.ANSWERS;
        Binding moved = f.natBinding("alice", 41999);
        register(store, scheduler, moved);
        advanceTo(INTERVAL.multipliedBy(6));

        List<KeepaliveFixture.Sent> after = f.sender.sent.subList(before, f.sender.sent.size());
        assertThat(after).isNotEmpty().allSatisfy(sent ->
                assertThat(sent.flow().remote()).isEqualTo(new InetSocketAddress("203.0.113.5", 41999)));
        // the REGISTER itself refreshed the NAT binding: the next OPTIONS is a whole interval later
        assertThat(after.get(0).atNanos() - INTERVAL.multipliedBy(3).plus(JITTER).toNanos())
                .isGreaterThanOrEqualTo(INTERVAL.minus(JITTER).toNanos());
        assertThat(store.bindings(AOR)).extracting(Binding::source).containsExactly("203.0.113.5:41999");
    }

    @Test // a REGISTER that lands while the removal is decided wins: the store decides on the current binding
    void aRefreshJustBeforeTheRemovalKeepsTheBinding() {
        scheduler(KeepaliveMode.NAT);
        f.sender.phone = KeepaliveFixture.Phone.MANUAL;
        Binding alice = registerAlice();
        for (int i = 0; i < 2; i++) {
            advanceTo(INTERVAL.multipliedBy(i + 1).plus(JITTER));
            f.sender.last().timeOut();
        }
        advanceTo(INTERVAL.multipliedBy(3).plus(JITTER));
        // committed but not yet told to the scheduler
        f.advance(Duration.ofMillis(10));
        Binding refreshed = f.natBinding("alice", 40211);
        store.update(AOR, current -> new BindingChange<>(List.of(refreshed), List.of(), "ok"))
                .toCompletableFuture().join();

        f.sender.last().timeOut();

        assertThat(store.bindings(AOR)).singleElement()
                .satisfies(b -> assertThat(b.lastUpdated()).isGreaterThan(alice.lastUpdated()));
        assertThat(f.infoLines()).isEmpty();
    }

    @Test // RFC 3261 §10.2.2: an unregistered binding is not pinged
    void aRemovedBindingIsNoLongerPinged() {
        scheduler(KeepaliveMode.NAT);
        Binding alice = registerAlice();
        scheduler.committed(List.of(), List.of(alice));

        advanceTo(INTERVAL.multipliedBy(5));

        assertThat(f.sender.sent).isEmpty();
        assertThat(scheduler.pinged()).isZero();
    }

    @Test // an expired binding is the store's to purge, not ours to ping
    void anExpiredBindingIsNotPinged() {
        scheduler(KeepaliveMode.NAT);
        register(store, scheduler, f.binding("alice", "UDP", "203.0.113.5:40211", 0, true, 45));

        advanceTo(INTERVAL.multipliedBy(4));

        assertThat(f.sender.sent).hasSize(1);
        assertThat(scheduler.pinged()).isZero();
    }

    @Test
    void modeNatPingsOnlyBindingsBehindNat() {
        scheduler(KeepaliveMode.NAT);
        register(store, scheduler, f.natBinding("alice", 40211));
        register(store, scheduler, f.binding("bob", "UDP", "192.168.1.10:5060", 0, false, 3600));

        advanceTo(INTERVAL.plus(JITTER));

        assertThat(f.sender.sent).extracting(s -> s.request().headers().first(HeaderName.TO).orElseThrow())
                .containsExactly("<sip:alice@example.com>");
    }

    @Test
    void modeAllPingsEveryUdpBinding() {
        scheduler(KeepaliveMode.ALL);
        register(store, scheduler, f.natBinding("alice", 40211));
        register(store, scheduler, f.binding("bob", "UDP", "192.168.1.10:5060", 0, false, 3600));
        register(store, scheduler, f.binding("carol", "TCP", "203.0.113.9:51000", 4, true, 3600));

        advanceTo(INTERVAL.plus(JITTER));

        assertThat(f.sender.sent).hasSize(2);
        assertThat(scheduler.pinged()).isEqualTo(2);
    }

    @Test
    void modeOffPingsNothingAndKeepsTcpBindings() {
        scheduler(KeepaliveMode.OFF);
        register(store, scheduler, f.natBinding("alice", 40211));
        register(store, scheduler, f.binding("carol", "TCP", "203.0.113.9:51000", 4, true, 3600));

        advanceTo(INTERVAL.multipliedBy(3));
        scheduler.onFlowClosed(new Flow(Transport.TCP, new InetSocketAddress("192.0.2.1", 5060),
                new InetSocketAddress("203.0.113.9", 51000), 4));

        assertThat(f.sender.sent).isEmpty();
        assertThat(store.all()).hasSize(2);
    }

    @Test // RFC 5626 §5.3: behind NAT, a TCP binding is reachable only over its connection
    void aTcpBindingGoesWhenItsConnectionCloses() {
        scheduler(KeepaliveMode.NAT);
        register(store, scheduler, f.binding("carol", "TCP", "203.0.113.9:51000", 4, true, 3600));
        register(store, scheduler, f.binding("dave", "TCP", "198.51.100.20:5060", 5, false, 3600));

        scheduler.onFlowClosed(new Flow(Transport.TCP, new InetSocketAddress("192.0.2.1", 5060),
                new InetSocketAddress("203.0.113.9", 51000), 4));
        scheduler.onFlowClosed(new Flow(Transport.TCP, new InetSocketAddress("192.0.2.1", 5060),
                new InetSocketAddress("198.51.100.20", 5060), 5));

        assertThat(store.all()).extracting(Binding::aor).containsExactly("sip:dave@example.com");
        assertThat(f.infoLines()).containsExactly("keepalive: removed sip:carol@example.com contact "
                + "sip:carol@192.168.1.10:5060: connection tcp 203.0.113.9:51000->192.0.2.1:5060#4 closed");
        assertThat(f.sender.sent).isEmpty();
    }

    @Test // a refresh over a new connection moves the binding to it; the old connection closing does not remove it
    void aTcpBindingFollowsItsNewConnection() {
        scheduler(KeepaliveMode.NAT);
        register(store, scheduler, f.binding("carol", "TCP", "203.0.113.9:51000", 4, true, 3600));
        f.advance(Duration.ofSeconds(1));
        register(store, scheduler, f.binding("carol", "TCP", "203.0.113.9:51001", 6, true, 3600));

        scheduler.onFlowClosed(new Flow(Transport.TCP, new InetSocketAddress("192.0.2.1", 5060),
                new InetSocketAddress("203.0.113.9", 51000), 4));

        assertThat(store.all()).hasSize(1);
        assertThat(scheduler.connectionBound()).isEqualTo(1);
    }

    @Test // a restart closed every connection; their bindings cannot be reached any more
    void tcpBindingsOfThePreviousRunAreRemovedAtStart() {
        scheduler(KeepaliveMode.NAT);
        Binding carol = f.binding("carol", "TCP", "203.0.113.9:51000", 4, true, 3600);
        Binding alice = f.natBinding("alice", 40211);
        for (Binding b : List.of(carol, alice)) {
            store.update(b.aor(), current -> new BindingChange<>(List.of(b), List.of(), "ok"))
                    .toCompletableFuture().join();
        }

        scheduler.start(store.all());

        assertThat(store.all()).containsExactly(alice);
        assertThat(scheduler.pinged()).isEqualTo(1);
        assertThat(f.infoLines()).singleElement().asString()
                .isEqualTo("keepalive: removed sip:carol@example.com contact sip:carol@192.168.1.10:5060: its "
                        + "connection tcp 203.0.113.9:51000 ended with the previous run");
    }

    @Test // scale-out: a dead node's bindings are kept alive here; its TCP flows ended with it
    void adoptedBindingsOfADeadNodeArePingedAndItsTcpFlowsRemoved() {
        scheduler(KeepaliveMode.NAT);
        Binding carol = f.binding("carol", "TCP", "203.0.113.9:51000", 4, true, 3600);
        Binding alice = f.natBinding("alice", 40211);
        for (Binding b : List.of(carol, alice)) {
            store.update(b.aor(), current -> new BindingChange<>(List.of(b), List.of(), "ok"))
                    .toCompletableFuture().join();
        }

        scheduler.adopt(store.all(), "a");
        f.advance(Duration.ofSeconds(30));

        assertThat(scheduler.isPinging(alice.aor(), alice.contactUri())).isTrue();
        assertThat(f.sender.sent).hasSize(1);
        assertThat(store.all()).containsExactly(alice);
        assertThat(f.infoLines()).singleElement().asString().endsWith("ended with node a");
    }

    @Test // scale-out: exactly one node pings a binding; the one that lost it to another node stops at once
    void aReleasedBindingIsNoLongerPinged() {
        scheduler(KeepaliveMode.NAT);
        Binding alice = f.natBinding("alice", 40211);
        Binding bob = f.natBinding("bob", 40212);
        register(store, scheduler, alice);
        register(store, scheduler, bob);

        scheduler.release(alice.aor(), alice.contactUri());
        f.advance(Duration.ofSeconds(32));

        assertThat(f.sender.sent).extracting(sent -> sent.request().requestUri().toString())
                .containsExactly(bob.contactUri());
        assertThat(scheduler.pinged()).isEqualTo(1);
    }

    @Test // scale-out: after missed notices the schedule follows exactly what the store says is this node's
    void resyncFollowsExactlyTheOwnedBindings() {
        scheduler(KeepaliveMode.NAT);
        Binding alice = f.natBinding("alice", 40211);
        Binding bob = f.natBinding("bob", 40212);
        register(store, scheduler, alice);

        scheduler.resync(List.of(bob));

        assertThat(scheduler.isPinging(alice.aor(), alice.contactUri())).isFalse();
        assertThat(scheduler.isPinging(bob.aor(), bob.contactUri())).isTrue();
    }

    @Test
    void refusesAnIntervalBelowOneSecond() {
        var policy = new KeepalivePolicy(KeepaliveMode.NAT, Duration.ofMillis(500), 0);

        assertThat(policy.validate()).containsExactly("interval must be at least 1 second, was 500 ms",
                "failures must be >= 1, was 0");
    }
}
