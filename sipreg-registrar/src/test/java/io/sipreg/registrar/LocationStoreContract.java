package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipreg.message.HeaderName;
import io.sipreg.message.SipResponse;
import io.sipreg.message.digest.Digest;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RegistrationStore} promises, run against each of them (SQLite, PostgreSQL): durability without a
 * clean shutdown, a second instance on the same data (the CLI beside {@code serve}) seeing and changing what the first
 * wrote, users as HA1, expiry, and updates of one AOR serialized so that none is lost.
 */
abstract class LocationStoreContract {
    static final String AOR = "sip:alice@example.com";

    final ManualClock clock = ManualClock.at("2025-03-01T10:00:00Z");
    final List<RegistrationStore> opened = new ArrayList<>();

    /** A new instance of the store under test, on the same data as every other instance of this test. */
    abstract RegistrationStore newInstance();

    /**
     * Waits as long as the store may take to see users changed by another instance: a store that checks for such
     * changes only now and then (to keep a query off every lookup) says how long here.
     */
    void awaitUsersChangedElsewhere() {
    }

    RegistrationStore open() {
        RegistrationStore store = newInstance();
        opened.add(store);
        return store;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(RegistrationStore::close);
    }

    Binding binding(String contact, int expiresInSeconds, long cseq) {
        long now = clock.millis();
        return new Binding(AOR, contact, "<" + contact + ">;q=0.5", now + expiresInSeconds * 1000L, 500, "call-1@h",
                cseq, "198.51.100.7:40211", "TCP", "192.0.2.1:5060", 17, true, "Algo 8180",
                "<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>", 1, List.of(), now, now);
    }

    static void write(LocationStore store, Binding... bindings) {
        store.update(bindings[0].aor(), current -> new BindingChange<>(List.of(bindings), List.of(), "stored"))
                .toCompletableFuture().join();
    }

    @Test // RFC 3261 §10.2.1: reads never return an expired binding, and removeExpired deletes it durably
    void expiredBindingsAreFilteredThenDeletedDurably() {
        RegistrationStore store = open();
        write(store, binding("sip:alice@10.0.0.5:5060", 60, 1), binding("sip:alice@10.0.0.6:5060", 3600, 1));
        clock.advance(Duration.ofSeconds(60));

        assertThat(store.bindings(AOR)).extracting(Binding::contactUri).containsExactly("sip:alice@10.0.0.6:5060");
        assertThat(store.all()).extracting(Binding::contactUri).containsExactly("sip:alice@10.0.0.6:5060");
        assertThat(store.removeExpired(clock.instant())).isEqualTo(1);
        assertThat(store.removeExpired(clock.instant())).isZero();

        clock.advance(Duration.ofSeconds(-60));
        assertThat(open().bindings(AOR)).extracting(Binding::contactUri).containsExactly("sip:alice@10.0.0.6:5060");
    }

    @Test // a completed update is on disk: a new instance, without close(), sees it with its remaining time
    void bindingsSurviveWithoutACleanShutdown() {
        RegistrationStore first = open();
        write(first, binding("sip:alice@10.0.0.5:5060", 3600, 7));
        clock.advance(Duration.ofSeconds(600));

        RegistrationStore second = open();

        assertThat(second.bindings(AOR)).singleElement().satisfies(b -> {
            assertThat(b).isEqualTo(first.bindings(AOR).get(0));
            assertThat(b.remainingSeconds(clock.instant())).isEqualTo(3000);
            assertThat(b.cseq()).isEqualTo(7);
            assertThat(b.transport()).isEqualTo("TCP");
            assertThat(b.connectionId()).isEqualTo(17);
        });
        // ...and it is what the new instance's updates decide on
        List<List<Binding>> seen = new ArrayList<>();
        second.update(AOR, current -> {
            seen.add(current);
            return BindingChange.none("read");
        }).toCompletableFuture().join();
        assertThat(seen.get(0)).hasSize(1);
    }

    @Test // the CLI in another process: reads bindings and adds a user while serve has the file open
    void aSecondInstanceReadsBindingsAndAddsUsersWhileTheFirstIsOpen() {
        RegistrationStore serve = open();
        write(serve, binding("sip:alice@10.0.0.5:5060", 3600, 1));
        RegistrationStore cli = open();

        assertThat(cli.all()).extracting(Binding::contactUri).containsExactly("sip:alice@10.0.0.5:5060");
        cli.put(User.withPassword("carol", "example.com", "secret"));
        write(serve, binding("sip:alice@10.0.0.6:5060", 3600, 2));
        awaitUsersChangedElsewhere();

        assertThat(serve.find("carol", "example.com")).isPresent();
        assertThat(cli.bindings(AOR)).hasSize(2);
    }

    @Test // a user added by `users add` is usable by the next REGISTER, as soon as the store has looked
    void aUserAddedByAnotherInstanceCanRegisterAtOnce() {
        RegistrationStore serve = open();
        var registrar = new Registrar(RegistrarConfig.defaults("example.com"), serve, serve,
                NonceService.create(serve.nonceSecret(), Duration.ofSeconds(300), clock), clock, Set.of());
        var flow = new Flow(Transport.UDP, new InetSocketAddress("192.0.2.1", 5060),
                new InetSocketAddress("198.51.100.7", 40211), 0);
        var phone = new Device(registrar, flow, "dave", "pw");
        String register = RegistrarTest.REGISTER.replace("alice", "dave");
        assertThat(phone.register(register).status()).isEqualTo(403);

        open().put(User.withPassword("dave", "example.com", "pw"));
        awaitUsersChangedElsewhere();

        SipResponse response = phone.register(register.replace("CSeq: 1 ", "CSeq: 5 "));
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().all(HeaderName.CONTACT)).hasSize(1);
        assertThat(open().bindings("sip:dave@example.com")).hasSize(1);
    }

    @Test // users are cached, but a change made by another process is seen by the next lookup once looked for
    void removalsAndPasswordChangesByAnotherInstanceTakeEffectAtOnce() {
        RegistrationStore serve = open();
        serve.put(User.withPassword("alice", "example.com", "old"));
        serve.put(User.withPassword("bob", "example.com", "builder"));
        assertThat(serve.find("alice", "example.com")).isPresent();
        assertThat(serve.find("bob", "example.com")).isPresent();
        assertThat(serve.find("carol", "example.com")).isEmpty();

        RegistrationStore cli = open();
        cli.put(User.withPassword("alice", "example.com", "new"));
        cli.remove("bob", "example.com");
        cli.putAll(List.of(User.withPassword("carol", "example.com", "c")));
        awaitUsersChangedElsewhere();

        assertThat(serve.find("alice", "example.com")).map(User::ha1Md5)
                .contains(Digest.ha1(DigestAlgorithm.MD5, "alice", "example.com", "new"));
        assertThat(serve.find("bob", "example.com")).isEmpty();
        assertThat(serve.find("carol", "example.com")).isPresent();
    }

    @Test // RFC 7616 §3.4.2: HA1 per algorithm with realm = domain; never the password
    void usersAreStoredAsHa1AndCanBeReplacedListedAndRemoved() {
        RegistrationStore store = open();
        store.put(User.withPassword("alice", "Example.com", "wonderland"));
        store.put(User.withPassword("bob", "example.com", "builder"));
        store.put(User.withPassword("alice", "example.com", "new-password"));

        User alice = store.find("alice", "EXAMPLE.COM").orElseThrow();
        assertThat(alice.ha1Md5()).isEqualTo(Digest.ha1(DigestAlgorithm.MD5, "alice", "example.com", "new-password"));
        assertThat(alice.ha1Sha256())
                .isEqualTo(Digest.ha1(DigestAlgorithm.SHA_256, "alice", "example.com", "new-password"));
        assertThat(alice.toString()).doesNotContain(alice.ha1Md5());
        assertThat(store.list()).extracting(User::username).containsExactly("alice", "bob");
        assertThat(store.remove("bob", "example.com")).isTrue();
        assertThat(store.remove("bob", "example.com")).isFalse();
        assertThat(store.find("bob", "example.com")).isEmpty();
    }

    @Test // removal and replacement are persisted too
    void removalsArePersisted() {
        RegistrationStore store = open();
        Binding a = binding("sip:alice@10.0.0.5:5060", 3600, 1);
        Binding b = binding("sip:alice@10.0.0.6:5060", 3600, 1);
        write(store, a, b);

        store.update(AOR, current -> new BindingChange<>(List.of(), List.of(a), "removed"))
                .toCompletableFuture().join();

        assertThat(store.bindings(AOR)).containsExactly(b);
        assertThat(open().bindings(AOR)).containsExactly(b);
    }

    @Test // the nonce secret is created once and shared by every instance on the file
    void theNonceSecretIsStableAcrossInstances() {
        byte[] first = open().nonceSecret();

        assertThat(open().nonceSecret()).isEqualTo(first).hasSize(32);
    }

    @Test // updates of one AOR are serialized: none is lost however many race
    void concurrentUpdatesOfOneAorLoseNothing() throws Exception {
        RegistrationStore store = open();
        int threads = 8;
        int perThread = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        var start = new CountDownLatch(1);
        var futures = new ArrayList<CompletableFuture<Integer>>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(CompletableFuture.supplyAsync(() -> {
                    await(start);
                    var mine = new ArrayList<CompletableFuture<Integer>>();
                    for (int i = 0; i < perThread; i++) {
                        Binding b = binding("sip:alice@10.0." + thread + "." + i, 3600, 1);
                        // read-modify-write: each decision counts what it saw, so a lost update would show
                        mine.add(store.update(AOR, current -> new BindingChange<>(List.of(b), List.of(),
                                current.size())).toCompletableFuture());
                    }
                    mine.forEach(CompletableFuture::join);
                    return perThread;
                }, pool));
            }
            start.countDown();
            futures.forEach(CompletableFuture::join);
        } finally {
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }

        assertThat(store.bindings(AOR)).hasSize(threads * perThread);
        assertThat(open().bindings(AOR)).hasSize(threads * perThread);
    }

    @Test // RFC 3261 §10.3: two phones of one user registering at the same moment both end up bound
    void concurrentRegistersOfOneAorThroughTheRegistrarKeepBothBindings() throws Exception {
        RegistrationStore store = open();
        store.put(User.withPassword("alice", "example.com", "wonderland"));
        var registrar = new Registrar(RegistrarConfig.defaults("example.com"), store, store,
                NonceService.create(store.nonceSecret(), Duration.ofSeconds(300), clock), clock, Set.of());
        var flow = new Flow(Transport.UDP, new InetSocketAddress("192.0.2.1", 5060),
                new InetSocketAddress("198.51.100.7", 40211), 0);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            var phones = new ArrayList<CompletableFuture<List<Integer>>>();
            for (int p = 0; p < 2; p++) {
                String register = RegistrarTest.REGISTER.replace("a84b4c76e66710@10.0.0.5", "phone-" + p)
                        .replace("10.0.0.5:5060>", "10.0.0." + (10 + p) + ":5060>");
                var phone = new Device(registrar, flow, "alice", "wonderland");
                phones.add(CompletableFuture.supplyAsync(() -> {
                    var statuses = new ArrayList<Integer>();
                    statuses.add(phone.register(register).status());
                    for (int i = 3; i < 60; i++) {
                        statuses.add(phone.send(register.replace("CSeq: 1 ", "CSeq: " + i + " ")).status());
                    }
                    return statuses;
                }, pool));
            }
            for (var phone : phones) {
                assertThat(phone.join()).containsOnly(200);
            }
        } finally {
            pool.shutdown();
        }

        assertThat(store.bindings(AOR)).extracting(Binding::contactUri)
                .containsExactlyInAnyOrder("sip:alice@10.0.0.10:5060", "sip:alice@10.0.0.11:5060");
        assertThat(store.bindings(AOR)).extracting(Binding::cseq).containsOnly(59L);
    }

    @Test // the decision sees the previous update's result, even while that one is still being committed
    void eachDecisionSeesTheCommittedResultOfThePreviousOne() {
        RegistrationStore store = open();
        var seen = new ArrayList<Integer>();
        var futures = new ArrayList<CompletableFuture<String>>();
        for (int i = 0; i < 50; i++) {
            Binding b = binding("sip:alice@10.0.0." + i, 3600, 1);
            futures.add(store.update(AOR, current -> {
                seen.add(current.size());
                return new BindingChange<>(List.of(b), List.of(), "ok");
            }).toCompletableFuture());
        }
        futures.forEach(CompletableFuture::join);

        assertThat(seen).hasSize(50);
        for (int i = 0; i < 50; i++) {
            assertThat(seen.get(i)).isEqualTo(i);
        }
    }

    @Test // RFC 3261 §10.3 step 8: a closed store fails the update; the registrar then answers 500
    void aClosedStoreFailsUpdates() {
        RegistrationStore store = open();
        store.close();

        assertThatThrownBy(() -> write(store, binding("sip:alice@10.0.0.5:5060", 3600, 1)))
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(StoreException.class);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
