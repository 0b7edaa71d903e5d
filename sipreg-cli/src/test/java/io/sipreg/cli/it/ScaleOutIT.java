package io.sipreg.cli.it;

import static io.sipreg.cli.it.RegistrarIT.assertPasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipreg.registrar.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two {@code serve} nodes sharing one PostgreSQL database (a real server, started by the test on an ephemeral port),
 * as the README's scale-out section deploys them: what one node stores the other serves, a node killed with kill -9
 * loses nothing, and the keepalives of each binding are sent by exactly one node, the survivor's after a node dies.
 */
class ScaleOutIT {
    private static final String DOMAIN = "sipreg.test";
    /** Short, so that a dead node's flows are handed over within seconds; the default is 15. */
    private static final int LEASE_SECONDS = 3;

    private static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    /** A new database and the config file both nodes read: {@code [store]} with the libpq URL form. */
    private static Path cluster(String name) throws Exception {
        String jdbc = postgres.createDatabase();
        String database = jdbc.substring(jdbc.lastIndexOf('/') + 1);
        Path config = WorkDirectory.create("scale-out-" + name).resolve("sipreg.toml");
        Files.writeString(config, """
                domain = "%s"

                [store]
                kind = "postgres"
                url = "postgresql://%s@127.0.0.1:%d/%s"
                lease = %d
                """.formatted(DOMAIN, PostgresServer.USER, postgres.port(), database, LEASE_SECONDS));
        return config;
    }

    private static ServerProcess node(Path config, String name, String... extra) {
        var arguments = new java.util.ArrayList<>(List.of("--config", config.toString(), "--node", name,
                "--listen", "udp:127.0.0.1:0", "--listen", "tcp:127.0.0.1:0"));
        arguments.addAll(List.of(extra));
        // --data is unused with a shared store; it only keeps the node away from the working directory.
        return ServerProcess.serveIn(null, config.getParent().resolve("data-" + name), DOMAIN,
                arguments.toArray(String[]::new));
    }

    private static void importUsers(Path config, List<SipUser> users) throws Exception {
        Path file = config.resolveSibling("users.csv");
        var lines = new StringBuilder();
        for (SipUser u : users) {
            lines.append(u.user()).append(',').append(u.password()).append('\n');
        }
        Files.writeString(file, lines);
        CommandResult imported = ServerProcess.run("users", "import", file.toString(), "--domain", DOMAIN,
                "--config", config.toString());
        assertThat(imported.exitCode()).as(imported::toString).isZero();
    }

    /** Every binding in the shared store, as {@code sipreg bindings --json} prints them. */
    private static JsonNode bindings(Path config) throws Exception {
        CommandResult result = ServerProcess.run("bindings", "--json", "--config", config.toString());
        assertThat(result.exitCode()).as(result::toString).isZero();
        return new ObjectMapper().readTree(result.stdout());
    }

    private static List<JsonNode> of(JsonNode bindings, SipUser user) {
        var mine = new java.util.ArrayList<JsonNode>();
        bindings.forEach(b -> {
            if (b.get("aor").asText().equals(user.addressOfRecord())) {
                mine.add(b);
            }
        });
        return mine;
    }

    private static JsonNode bindings(Path config, String aor) throws Exception {
        CommandResult result = ServerProcess.run("bindings", aor, "--json", "--config", config.toString());
        assertThat(result.exitCode()).as(result::toString).isZero();
        return new ObjectMapper().readTree(result.stdout());
    }

    @Test // a binding stored through node A is served by node B: sipreg bindings and a fetch (RFC 3261 §10.2.3)
    void aBindingRegisteredOnOneNodeIsSeenOnTheOther() throws Exception {
        Path config = cluster("shared");
        SipUser alice = new SipUser("alice", DOMAIN, "wonderland");
        importUsers(config, List.of(alice));
        try (ServerProcess a = node(config, "a"); ServerProcess b = node(config, "b", "--admin", "127.0.0.1:0")) {
            AdminHttp adminOfB = AdminHttp.of(b, "");
            UdpPhone.register(alice, a.udpPort()).close();

            JsonNode stored = bindings(config, alice.addressOfRecord());
            assertThat(stored).as(stored::toString).hasSize(1);
            assertThat(stored.get(0).get("node").asText()).isEqualTo("a");
            assertThat(stored.get(0).get("expires").asLong()).isBetween(3500L, 3600L);
            // Node B challenges with its own nonce and lists node A's binding in its 200.
            assertPasses(Sipp.scenario("fetch-only.xml").target(b.udpPort()).users(alice).run());
            CommandResult table = ServerProcess.run("bindings", "--config", config.toString());
            assertThat(table.stdout()).as(table::toString).contains("NODE").contains(alice.addressOfRecord());
            // Node B's admin API and metrics see the binding node A stored.
            JsonNode viaAdmin = adminOfB.json("/api/bindings?aor=" + AdminHttp.encode(alice.addressOfRecord()));
            assertThat(viaAdmin.path("bindings")).as(viaAdmin::toString).hasSize(1);
            assertThat(AdminHttp.sample(adminOfB.get("/metrics").body(), "sipreg_bindings")).hasValue(1.0);
        }
    }

    @Test // 200 means stored, whichever node answered: kill -9 of that node loses no binding
    void aNodeKilledWithKill9LosesNothingAndItsDevicesRefreshOnTheOther() throws Exception {
        Path config = cluster("kill9");
        List<SipUser> users = IntStream.rangeClosed(1, 20)
                .mapToObj(n -> new SipUser("phone%02d".formatted(n), DOMAIN, "pw-%02d".formatted(n))).toList();
        importUsers(config, users);
        var phones = new java.util.ArrayList<UdpPhone>();
        try (ServerProcess b = node(config, "b")) {
            try (ServerProcess a = node(config, "a")) {
                for (SipUser u : users) {
                    phones.add(UdpPhone.register(u, a.udpPort()));
                }
                // SIGKILL the moment the last 200 has arrived: no shutdown hook, nothing flushed.
                a.kill9();
            }
            JsonNode afterCrash = bindings(config);
            for (SipUser u : users) {
                List<JsonNode> mine = of(afterCrash, u);
                assertThat(mine).as(u.addressOfRecord() + " " + afterCrash).hasSize(1);
                assertThat(mine.get(0).get("expires").asLong()).isBetween(3500L, 3600L);
                assertThat(mine.get(0).get("node").asText()).isEqualTo("a");
            }

            // The phones' next REGISTER goes to the surviving node (DNS SRV's next target): same Contact and Call-ID,
            // a higher CSeq, so each refreshes its binding.
            for (UdpPhone phone : phones) {
                phone.registerAt(b.udpPort());
            }

            JsonNode refreshed = bindings(config);
            for (SipUser u : users) {
                List<JsonNode> mine = of(refreshed, u);
                assertThat(mine).as(u.addressOfRecord() + " " + refreshed).hasSize(1);
                assertThat(mine.get(0).get("expires").asLong()).isBetween(3500L, 3600L);
                assertThat(mine.get(0).get("node").asText()).isEqualTo("b");
                assertThat(mine.get(0).get("localSocket").asText()).isEqualTo("127.0.0.1:" + b.udpPort());
            }
        } finally {
            phones.forEach(UdpPhone::close);
        }
    }

    @Test // keepalives leave from exactly one node, the flow's; the survivor takes a dead node's over within the lease
    void keepalivesComeFromExactlyOneNodeAndTheSurvivorTakesOverADeadNodes() throws Exception {
        Path config = cluster("keepalive");
        SipUser dave = new SipUser("dave", DOMAIN, "dave-pass");
        SipUser erin = new SipUser("erin", DOMAIN, "erin-pass");
        SipUser frank = new SipUser("frank", DOMAIN, "frank-pass");
        importUsers(config, List.of(dave, erin, frank));
        String[] everySecond = {"--keepalive", "all", "--keepalive-interval", "1"};
        try (ServerProcess a = node(config, "a", everySecond); ServerProcess b = node(config, "b", everySecond);
             UdpPhone onA = UdpPhone.register(dave, a.udpPort());
             UdpPhone onB = UdpPhone.register(erin, b.udpPort());
             UdpPhone moving = UdpPhone.register(frank, a.udpPort())) {
            assertThat(onA.awaitOptionsFrom(a.udpPort(), 4, Duration.ofSeconds(10))).as(onA::toString).isTrue();
            assertThat(onB.awaitOptionsFrom(b.udpPort(), 4, Duration.ofSeconds(10))).as(onB::toString).isTrue();
            // Both nodes know all bindings, but each binding is pinged by its own node only.
            assertThat(onA.optionsFrom(b.udpPort())).as(onA::toString).isZero();
            assertThat(onB.optionsFrom(a.udpPort())).as(onB::toString).isZero();

            // frank's phone turns to node B: node A hears at once that the flow is B's now, and stops.
            moving.registerAt(b.udpPort());
            assertThat(moving.awaitOptionsFrom(b.udpPort(), 1, Duration.ofSeconds(5))).as(moving::toString).isTrue();
            int fromA = moving.optionsFrom(a.udpPort());
            assertThat(moving.awaitOptionsFrom(b.udpPort(), moving.optionsFrom(b.udpPort()) + 3,
                    Duration.ofSeconds(10))).as(moving::toString).isTrue();
            assertThat(moving.optionsFrom(a.udpPort())).as(moving::toString).isEqualTo(fromA);

            a.kill9();
            long killed = System.nanoTime();

            // The lease (3 s) runs out, node B's next heartbeat (every second) takes dave's flow over, and its OPTIONS
            // leave from node B's own socket; dave's phone answers them, so the binding stays.
            assertThat(onA.awaitOptionsFrom(b.udpPort(), 3, Duration.ofSeconds(LEASE_SECONDS + 12)))
                    .as(onA::toString).isTrue();
            double handOverSeconds = (System.nanoTime() - killed) / 1e9;
            assertThat(b.awaitOutput(Pattern.compile("node b: node a stopped renewing its lease \\d+ s ago; took over "
                    + "its 1 bindings"), Duration.ofSeconds(5))).as(b::output).isPresent();
            System.out.printf("scale-out: node a killed; node b sent its first keepalives to dave within %.1f s "
                    + "(lease %d s)%n", handOverSeconds, LEASE_SECONDS);
            JsonNode daves = bindings(config, dave.addressOfRecord());
            assertThat(daves).as(daves::toString).hasSize(1);
            assertThat(daves.get(0).get("node").asText()).isEqualTo("b");
            assertThat(daves.get(0).get("localSocket").asText()).isEqualTo("127.0.0.1:" + b.udpPort());
            // erin's keepalives went on as before, from node B alone.
            int erinBefore = onB.optionsFrom(b.udpPort());
            assertThat(onB.awaitOptionsFrom(b.udpPort(), erinBefore + 2, Duration.ofSeconds(5))).as(onB::toString)
                    .isTrue();
            assertThat(onB.optionsFrom(a.udpPort())).as(onB::toString).isZero();
        }
    }

    private static int count(String output, Pattern pattern) {
        int n = 0;
        for (String l : output.split("\n")) {
            if (pattern.matcher(l).find()) {
                n++;
            }
        }
        return n;
    }
}
