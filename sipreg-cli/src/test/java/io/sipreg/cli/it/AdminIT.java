package io.sipreg.cli.it;

import static io.sipreg.cli.it.RegistrarIT.addUser;
import static io.sipreg.cli.it.RegistrarIT.assertPasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code serve --admin} as an operator uses it: the JSON API and Prometheus metrics after SIPp registrations, the
 * bearer token, {@code sipreg bindings} and {@code sipreg users} through the running server, and JSON log lines.
 */
class AdminIT {
    private static final String DOMAIN = "admin.test";
    private static final String TOKEN = "it-token-0123456789abcdef";
    private static final SipUser ALICE = new SipUser("alice", DOMAIN, "alice-pass");
    private static final SipUser BOB = new SipUser("bob", DOMAIN, "bob-pass");
    private static final SipUser ERIN = new SipUser("erin", DOMAIN, "erin-pass");
    private static final List<SipUser> METERED = IntStream.rangeClosed(1, 5)
            .mapToObj(n -> new SipUser("meter" + n, DOMAIN, "meter-pass-" + n)).toList();

    private static Path data;
    private static ServerProcess server;
    private static AdminHttp admin;

    @BeforeAll
    static void start() {
        data = WorkDirectory.create("admin-it");
        addUser(data, ALICE);
        addUser(data, BOB);
        addUser(data, ERIN);
        METERED.forEach(u -> addUser(data, u));
        server = ServerProcess.serve(data, DOMAIN, "--admin", "127.0.0.1:0", "--admin-token", TOKEN,
                "--log-format", "json");
        admin = AdminHttp.of(server, TOKEN);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theApiAndTheMetricsNeedTheTokenTheDashboardPageDoesNot() {
        AdminHttp anonymous = admin.withToken("");
        AdminHttp.Reply noToken = anonymous.get("/api/bindings");
        assertThat(noToken.status()).isEqualTo(401);
        assertThat(noToken.response().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                v -> assertThat(v).startsWith("Bearer"));
        assertThat(admin.withToken("not-the-token-at-all").get("/api/users").status()).isEqualTo(401);
        assertThat(anonymous.get("/metrics").status()).isEqualTo(401);
        assertThat(admin.get("/metrics").status()).isEqualTo(200);

        AdminHttp.Reply page = anonymous.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<title>sipreg dashboard</title>").doesNotContain(TOKEN);

        CommandResult wrong = ServerProcess.run("bindings", "--admin-url", admin.base(), "--admin-token",
                "not-the-token-at-all", "--data", data.toString());
        assertThat(wrong.exitCode()).as(wrong::toString).isEqualTo(2);
        assertThat(wrong.stderr()).contains("token");
    }

    @Test // the binding as the registrar recorded it, and both steps of the ladder in the history
    void aSippRegistrationShowsUpWithItsDetailsAndHistory() throws Exception {
        assertPasses(Sipp.scenario("register-401.xml").target(server.udpPort()).users(ALICE).run());

        JsonNode answer = admin.json("/api/bindings?aor=" + AdminHttp.encode(ALICE.addressOfRecord()));
        assertThat(answer.path("total").asInt()).isEqualTo(1);
        JsonNode binding = answer.path("bindings").get(0);
        assertThat(binding.path("aor").asText()).isEqualTo(ALICE.addressOfRecord());
        assertThat(binding.path("contact").asText()).startsWith("sip:alice@127.0.0.1:");
        assertThat(binding.path("received").asText()).startsWith("127.0.0.1:");
        assertThat(binding.path("nat").asBoolean()).isFalse();
        assertThat(binding.path("expires").asLong()).isBetween(3500L, 3600L);
        assertThat(binding.has("userAgent")).isTrue();
        assertThat(binding.has("keepalive")).isTrue();

        JsonNode search = admin.json("/api/bindings?q=ALICE");
        assertThat(search.path("bindings")).extracting(b -> b.path("aor").asText()).contains(ALICE.addressOfRecord())
                .doesNotContain(BOB.addressOfRecord());

        List<String> outcomes = outcomes(ALICE);
        assertThat(outcomes).containsSubsequence("401 no-credentials", "200 registered");
        JsonNode last = lastAttempt(ALICE);
        assertThat(last.path("callId").asText()).isEqualTo(binding.path("callId").asText());
        assertThat(last.path("source").asText()).isEqualTo("udp " + binding.path("received").asText());
    }

    @Test // seed: a 403 means a wrong password; RFC 3261 §10.3 step 7: 423 names the minimum
    void aWrongPasswordAndATooBriefIntervalAreInTheHistoryWithTheirReasons() {
        assertPasses(Sipp.scenario("register-403.xml").target(server.udpPort())
                .users(new SipUser(BOB.user(), DOMAIN, "wrong")).run());
        assertPasses(Sipp.scenario("interval-too-brief.xml").target(server.udpPort()).users(BOB).run());

        assertThat(outcomes(BOB)).containsSubsequence("403 wrong-password", "423 interval-too-brief");
        assertThat(admin.json("/api/attempts?aor=" + AdminHttp.encode(BOB.addressOfRecord())).path("attempts"))
                .anySatisfy(a -> assertThat(a.path("reason").asText()).isEqualTo("Interval Too Brief"));
        assertThat(admin.json("/api/blocked")).isEmpty();
    }

    @Test // what a Prometheus scrape sees move after a SIPp run
    void theMetricsMoveAfterASippRun() {
        String before = admin.get("/metrics").body();

        assertPasses(Sipp.scenario("register-401.xml").target(server.udpPort()).users(METERED).calls(5).rate(20)
                .run(), 5);
        assertPasses(Sipp.scenario("register-403.xml").target(server.udpPort())
                .users(new SipUser(METERED.get(0).user(), DOMAIN, "wrong")).run());

        String after = admin.get("/metrics").body();
        assertThat(delta(before, after, "sipreg_register_outcomes_total{outcome=\"registered\"}")).isEqualTo(5);
        assertThat(delta(before, after, "sipreg_auth_failures_total{reason=\"wrong-password\"}")).isEqualTo(1);
        assertThat(delta(before, after, "sipreg_auth_failures_total{reason=\"no-credentials\"}")).isEqualTo(6);
        assertThat(delta(before, after, "sipreg_sip_requests_total{method=\"REGISTER\"}")).isEqualTo(12);
        assertThat(delta(before, after, "sipreg_sip_responses_total{code=\"200\",method=\"REGISTER\"}")).isEqualTo(5);
        assertThat(delta(before, after, "sipreg_sip_responses_total{code=\"403\",method=\"REGISTER\"}")).isEqualTo(1);
        assertThat(delta(before, after, "sipreg_store_commit_seconds_count")).isPositive();
        assertThat(AdminHttp.sample(after, "sipreg_bindings")).hasValueSatisfying(v -> assertThat(v).isPositive());
        assertThat(after).contains("sipreg_bindings_nat ", "sipreg_keepalive_sent_total ",
                "sipreg_keepalive_answered_total ", "sipreg_keepalive_unanswered_total ", "sipreg_store_queue ",
                "sipreg_eventloop_pending_tasks ", "jvm_memory_used_bytes{", "jvm_gc_", "process_uptime_seconds ");
    }

    @Test // the operator removes a phone; sipreg bindings (through the running server) no longer lists it
    void aBindingRemovedThroughTheApiIsGone() throws Exception {
        assertPasses(Sipp.scenario("register-401.xml").target(server.tcpPort()).transport(Transport.TCP)
                .users(ERIN).run());
        JsonNode listed = bindingsCommand(ERIN);
        assertThat(listed).hasSize(1);
        // Only the API adds how the binding's keepalives fare: this went through the server.
        assertThat(listed.get(0).has("keepalive")).isTrue();

        String contact = listed.get(0).path("contact").asText();
        AdminHttp.Reply removed = admin.delete("/api/bindings?aor=" + AdminHttp.encode(ERIN.addressOfRecord())
                + "&contact=" + AdminHttp.encode(contact));
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(removed.json().path("removed")).extracting(JsonNode::asText).containsExactly(contact);

        assertThat(bindingsCommand(ERIN)).isEmpty();
        assertThat(admin.delete("/api/bindings?aor=" + AdminHttp.encode(ERIN.addressOfRecord()) + "&contact="
                + AdminHttp.encode(contact)).status()).isEqualTo(404);
        assertThat(server.output()).contains("DELETE /api/bindings");
    }

    @Test // sipreg users while serve runs: through the API, and the new account registers at once
    void usersAreManagedThroughTheRunningServer() {
        SipUser carol = new SipUser("carol", DOMAIN, "carol-pass");
        CommandResult added = ServerProcess.run("users", "add", "carol", "--domain", DOMAIN, "--password",
                carol.password(), "--data", data.toString());
        assertThat(added.exitCode()).as(added::toString).isZero();
        assertThat(added.stdout()).contains("added sip:carol@" + DOMAIN);
        assertThat(server.awaitOutput(Pattern.compile("POST /api/users from .* -> 201"), Duration.ofSeconds(5)))
                .isPresent();

        assertPasses(Sipp.scenario("register-401.xml").target(server.udpPort()).users(carol).run());
        assertThat(ServerProcess.run("users", "list", "--data", data.toString()).stdout())
                .contains("sip:carol@" + DOMAIN, "sip:alice@" + DOMAIN);
        assertThat(admin.json("/api/users")).extracting(u -> u.path("aor").asText()).contains("sip:carol@" + DOMAIN);

        CommandResult removed = ServerProcess.run("users", "remove", "carol", "--domain", DOMAIN, "--data",
                data.toString());
        assertThat(removed.exitCode()).as(removed::toString).isZero();
        assertThat(admin.json("/api/users")).extracting(u -> u.path("aor").asText())
                .doesNotContain("sip:carol@" + DOMAIN);
        AdminHttp.Reply bad = admin.post("/api/users", "{\"user\": \"no@good\", \"domain\": \"" + DOMAIN
                + "\", \"password\": \"x\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("error").asText()).contains("not a valid SIP user name");
    }

    @Test // --log-format json: every log line is one JSON object; a transaction line carries its facts as fields
    void logLinesAreJsonWithTheTransactionFacts() throws Exception {
        SipUser user = METERED.get(4);
        assertPasses(Sipp.scenario("register-401.xml").target(server.udpPort()).users(user).run());
        String callId = admin.json("/api/bindings?aor=" + AdminHttp.encode(user.addressOfRecord()))
                .path("bindings").get(0).path("callId").asText();
        assertThat(server.awaitOutput(Pattern.compile("\"call_id\":\"" + Pattern.quote(callId) + "\".*\"status\":200"),
                Duration.ofSeconds(5))).isPresent();

        var mapper = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : server.output().split("\n")) {
            if (line.isBlank() || line.startsWith("listening ") || line.startsWith("admin ")) {
                continue;
            }
            lines.add(mapper.readTree(line));
        }
        assertThat(lines).isNotEmpty().allSatisfy(l -> {
            assertThat(l.has("@timestamp")).isTrue();
            assertThat(l.has("level")).isTrue();
            assertThat(l.has("message")).isTrue();
        });
        assertThat(lines).filteredOn(l -> callId.equals(l.path("call_id").asText()))
                .extracting(l -> l.path("status").asInt()).containsExactly(401, 200);
        JsonNode ok = lines.stream().filter(l -> callId.equals(l.path("call_id").asText())
                && l.path("status").asInt() == 200).findFirst().orElseThrow();
        assertThat(ok.path("aor").asText()).isEqualTo(user.addressOfRecord());
        assertThat(ok.path("method").asText()).isEqualTo("REGISTER");
        assertThat(ok.path("source").asText()).startsWith("127.0.0.1:");
        assertThat(ok.path("result").asText()).isEqualTo("OK");
    }

    private static JsonNode bindingsCommand(SipUser user) throws Exception {
        CommandResult result = ServerProcess.run("bindings", user.addressOfRecord(), "--json", "--data",
                data.toString());
        assertThat(result.exitCode()).as(result::toString).isZero();
        return new ObjectMapper().readTree(result.stdout());
    }

    private static List<String> outcomes(SipUser user) {
        JsonNode attempts = admin.json("/api/attempts?aor=" + AdminHttp.encode(user.addressOfRecord()))
                .path("attempts");
        var list = new ArrayList<String>();
        attempts.forEach(a -> list.add(a.path("status").asInt() + " " + a.path("outcome").asText()));
        return list;
    }

    private static JsonNode lastAttempt(SipUser user) {
        JsonNode attempts = admin.json("/api/attempts?aor=" + AdminHttp.encode(user.addressOfRecord()))
                .path("attempts");
        return attempts.get(attempts.size() - 1);
    }

    private static double delta(String before, String after, String sample) {
        double a = AdminHttp.sample(after, sample).orElseThrow(() -> new AssertionError("no " + sample + " in\n"
                + after));
        return a - AdminHttp.sample(before, sample).orElse(0.0);
    }

}
