package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The PostgreSQL store against a real PostgreSQL server started by the test: the contract every store passes, then
 * what only a shared store has to do, with two instances standing for two registrar nodes.
 */
class PostgresStoreTest extends LocationStoreContract {
    static PostgresServer server;
    String url;

    @BeforeAll
    static void startServer() {
        server = PostgresServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void freshDatabase() {
        url = server.createDatabase();
    }

    @Override
    RegistrationStore newInstance() {
        return node("");
    }

    PostgresStore node(String name) {
        return node(name, clock);
    }

    PostgresStore node(String name, Clock clock) {
        PostgresStore store = PostgresStore.open(PostgresServer.settings(url), name, clock);
        opened.add(store);
        return store;
    }

    @Test // the schema is made by the first node and left as it is by the next, even when both start at once
    void twoNodesOpeningANewDatabaseAtOnceAgreeOnSchemaAndSecret() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            var a = CompletableFuture.supplyAsync(() -> node("a"), pool);
            var b = CompletableFuture.supplyAsync(() -> node("b"), pool);
            assertThat(a.get(30, TimeUnit.SECONDS).nonceSecret()).isEqualTo(b.get(30, TimeUnit.SECONDS).nonceSecret());
        } finally {
            pool.shutdown();
        }
    }

    @Test // RFC 3261 §10.3: updates of one AOR from two nodes are serialized: none is lost however many race
    void concurrentUpdatesOfOneAorFromTwoNodesLoseNothing() throws Exception {
        List<PostgresStore> nodes = List.of(node("a"), node("b"));
        int perNode = 150;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        var start = new CountDownLatch(1);
        var seen = java.util.Collections.synchronizedList(new ArrayList<Integer>());
        try {
            var futures = new ArrayList<CompletableFuture<Void>>();
            for (int n = 0; n < 2; n++) {
                PostgresStore store = nodes.get(n);
                int node = n;
                futures.add(CompletableFuture.runAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    var mine = new ArrayList<CompletableFuture<Integer>>();
                    for (int i = 0; i < perNode; i++) {
                        Binding b = binding("sip:alice@10." + node + "." + (i / 250) + "." + (i % 250), 3600, 1);
                        // read-modify-write: each decision records how many it saw; a lost update would repeat one
                        mine.add(store.update(AOR, current -> new BindingChange<>(List.of(b), List.of(),
                                current.size())).toCompletableFuture().thenApply(size -> {
                                    seen.add(size);
                                    return size;
                                }));
                    }
                    mine.forEach(CompletableFuture::join);
                }, pool));
            }
            start.countDown();
            futures.forEach(CompletableFuture::join);
        } finally {
            pool.shutdown();
        }

        assertThat(nodes.get(0).bindings(AOR)).hasSize(2 * perNode);
        // Every decision saw a different number of bindings: 0, 1, ... 299, each exactly once.
        assertThat(seen).doesNotHaveDuplicates().hasSize(2 * perNode);
    }

    @Test // a binding names the node that stored it: the node whose socket the REGISTER came in on
    void eachBindingNamesTheNodeThatWroteItLast() {
        PostgresStore a = node("a");
        PostgresStore b = node("b");
        write(a, binding("sip:alice@10.0.0.5:5060", 3600, 1));
        write(b, binding("sip:alice@10.0.0.6:5060", 3600, 1));

        assertThat(a.ownedBy("a")).extracting(Binding::contactUri).containsExactly("sip:alice@10.0.0.5:5060");
        assertThat(b.placed(Optional.of(AOR))).extracting(p -> p.binding().contactUri() + " " + p.node())
                .containsExactlyInAnyOrder("sip:alice@10.0.0.5:5060 a", "sip:alice@10.0.0.6:5060 b");

        write(b, binding("sip:alice@10.0.0.5:5060", 3600, 2));

        assertThat(a.ownedBy("a")).isEmpty();
        assertThat(a.ownedBy("b")).hasSize(2);
    }

    @Test // exactly one sender of keepalives: the node that lost a binding hears of it when the taking commits
    void takingAnotherNodesBindingNotifiesThatNode() throws Exception {
        PostgresStore a = node("a");
        PostgresStore b = node("b");
        write(a, binding("sip:alice@10.0.0.5:5060", 3600, 1));
        try (Connection listening = a.listen()) {
            write(b, binding("sip:alice@10.0.0.5:5060", 3600, 2));
            b.update(AOR, current -> new BindingChange<>(List.of(), current, "gone")).toCompletableFuture().join();

            var heard = new ArrayList<String>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (heard.isEmpty() && System.nanoTime() < deadline) {
                PGNotification[] n = listening.unwrap(PGConnection.class).getNotifications(500);
                if (n != null) {
                    for (PGNotification one : n) {
                        heard.add(one.getParameter());
                    }
                }
            }
            // Only the first change took it from a; the removal was of b's own binding.
            assertThat(heard).containsExactly("a\t" + AOR + "\tsip:alice@10.0.0.5:5060");
        }
    }

    @Test // a node's lease: a second live instance may not take the name; an expired one may
    void aNameIsHeldByOneLiveInstance() {
        PostgresStore store = node("");
        long now = clock.millis();

        assertThat(store.claimName("a", "first", now + 15_000, now)).isEmpty();
        assertThat(store.claimName("a", "second", now + 15_000, now)).get()
                .extracting(PostgresStore.Lease::instance).isEqualTo("first");
        assertThat(store.renewLease("a", "first", now + 30_000)).isTrue();
        assertThat(store.claimName("a", "second", now + 45_000, now + 30_001)).isEmpty();
        assertThat(store.renewLease("a", "first", now + 60_000)).isFalse();
    }

    @Test // hand-over: a dead node's bindings go to one survivor, its UDP flows onto the survivor's socket
    void theFirstSurvivorTakesOverADeadNodesBindings() {
        PostgresStore a = node("a");
        PostgresStore b = node("b");
        PostgresStore c = node("c");
        long now = clock.millis();
        a.claimName("a", "a-1", now + 15_000, now);
        Binding udp = new Binding(AOR, "sip:alice@192.168.1.10:5060", "<sip:alice@192.168.1.10:5060>",
                now + 3_600_000, Binding.Q_ABSENT, "c1@h", 1, "203.0.113.5:40211", "UDP", "192.0.2.1:5060", 0, true, "",
                "", 0, List.of(), now, now);
        write(a, udp, binding("sip:alice@10.0.0.5:5060", 3600, 1));

        assertThat(b.expiredLeases("b", now + 10_000)).isEmpty();
        assertThat(b.expiredLeases("b", now + 16_000)).extracting(PostgresStore.Lease::node).containsExactly("a");
        List<Binding> taken = b.takeOver("a", "b", now + 16_000,
                x -> x.transport().equals("UDP") ? "192.0.2.2:5060" : x.localSocket());
        List<Binding> late = c.takeOver("a", "c", now + 16_000, Binding::localSocket);

        assertThat(taken).extracting(Binding::contactUri, Binding::localSocket).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("sip:alice@192.168.1.10:5060", "192.0.2.2:5060"),
                org.assertj.core.groups.Tuple.tuple("sip:alice@10.0.0.5:5060", "192.0.2.1:5060"));
        assertThat(late).isEmpty();
        assertThat(c.ownedBy("b")).hasSize(2);
        assertThat(c.ownedBy("a")).isEmpty();
        assertThat(c.expiredLeases("c", now + 16_000)).isEmpty();
        assertThat(a.renewLease("a", "a-1", now + 30_000)).as("the dead node's lease is gone").isFalse();
    }

    @Test // a column added by a later version appears in an existing table, filled with its default
    void reopeningAnOlderTableAddsTheMissingColumns() throws Exception {
        node("").close();
        try (Connection c = java.sql.DriverManager.getConnection(url, PostgresServer.USER, "");
             var s = c.createStatement()) {
            s.execute("ALTER TABLE bindings DROP COLUMN user_agent");
        }

        RegistrationStore store = open();
        write(store, binding("sip:alice@10.0.0.5:5060", 3600, 1));

        assertThat(store.bindings(AOR)).extracting(Binding::userAgent).containsExactly("Algo 8180");
    }

    @Test // a database URL that cannot be reached fails at open with the reason, and no password in it
    void anUnreachableDatabaseFailsAtOpenNamingIt() {
        var settings = new PostgresSettings("jdbc:postgresql://127.0.0.1:1/none?password=hunter2", "sipreg", "x", 4);

        assertThatThrownBy(() -> PostgresStore.open(settings, "a", clock))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("jdbc:postgresql://127.0.0.1:1/none?password=***: cannot connect")
                .hasMessageNotContaining("hunter2");
    }

    @Test // the per-node keepalive start: a node restarted with its name gets exactly its own bindings back
    void ownedBindingsSurviveARestartOfTheirNode() {
        PostgresStore first = node("a");
        write(first, binding("sip:alice@10.0.0.5:5060", 3600, 1));
        node("b");
        clock.advance(Duration.ofSeconds(10));

        assertThat(node("a").ownedBy("a")).singleElement()
                .satisfies(b -> assertThat(b.remainingSeconds(clock.instant())).isEqualTo(3590));
    }

    @Test // users are cached on a node, but a user added elsewhere is found by the next REGISTER after the notice
    void aNodeServesUsersFromMemoryAndHearsEveryChange() throws Exception {
        PostgresStore serve = node("a");
        var keepalives = new KeepaliveScheduler(KeepalivePolicy.defaults(), serve,
                (request, flow, timeout, retransmissions) -> new CompletableFuture<>(),
                new io.sipreg.transaction.ManualTimers(), clock, new java.util.SplittableRandom(1), "example.com");
        try (ClusterNode node = ClusterNode.join(serve, Duration.ofSeconds(3), keepalives, List.of(),
                Clock.systemUTC())) {
            assertThat(node.name()).isEqualTo("a");
            assertThat(serve.find("carol", "example.com")).isEmpty();

            node("").put(User.withPassword("carol", "example.com", "c"));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (serve.find("carol", "example.com").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(serve.find("carol", "example.com")).isPresent();
            node("").remove("carol", "example.com");
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (serve.find("carol", "example.com").isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(serve.find("carol", "example.com")).isEmpty();
        } finally {
            keepalives.close();
        }
    }
}
