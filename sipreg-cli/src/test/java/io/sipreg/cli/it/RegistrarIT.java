package io.sipreg.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * sipreg serve, started as a user starts it, driven by SIPp scenarios and baresip: the ladder of the seed
 * (REGISTER, 401 or 407 with the realm and the same CSeq, REGISTER with credentials and CSeq+1, 200) and every
 * RFC 3261 §10.3 rule a phone or an operator would notice.
 */
class RegistrarIT {
    private static final String DOMAIN = "sipreg.test";
    private static final SipUser ALICE = new SipUser("alice", DOMAIN, "secret");
    private static final SipUser BOB = new SipUser("bob", DOMAIN, "b0b-pass");
    private static final SipUser ALICE_WRONG_PASSWORD = new SipUser("alice", DOMAIN, "not-the-password");
    private static final SipUser MALLORY_UNKNOWN = new SipUser("mallory", DOMAIN, "whatever");
    private static final List<SipUser> OFFICE = IntStream.rangeClosed(1, 40)
            .mapToObj(n -> new SipUser("desk%02d".formatted(n), DOMAIN, "password-%02d".formatted(n)))
            .toList();
    private static final List<SipUser> FLOOR = IntStream.rangeClosed(1, 50)
            .mapToObj(n -> new SipUser("floor%02d".formatted(n), DOMAIN, "floor-pass-%02d".formatted(n)))
            .toList();
    private static final int MAX_EXPIRES = 1800;

    private static Path data;
    private static ServerProcess server;

    @BeforeAll
    static void start() {
        data = WorkDirectory.create("registrar-it");
        addUser(data, ALICE);
        var everyone = new java.util.ArrayList<SipUser>(List.of(BOB));
        everyone.addAll(OFFICE);
        everyone.addAll(FLOOR);
        importUsers(data, everyone);
        server = ServerProcess.serve(data, DOMAIN, "--max-expires", Integer.toString(MAX_EXPIRES));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static void addUser(Path dataDirectory, SipUser user) {
        CommandResult added = ServerProcess.run("users", "add", user.user(), "--domain", user.domain(),
                "--password", user.password(), "--data", dataDirectory.toString());
        assertThat(added.exitCode()).as(added::toString).isZero();
    }

    /** {@code users import} with a USER,PASSWORD file: one command for many accounts. */
    static void importUsers(Path dataDirectory, List<SipUser> users) {
        try {
            Path file = dataDirectory.resolveSibling(dataDirectory.getFileName() + "-users.csv");
            var lines = new StringBuilder("# user,password\n");
            for (SipUser u : users) {
                lines.append(u.user()).append(',').append(u.password()).append('\n');
            }
            java.nio.file.Files.writeString(file, lines);
            CommandResult imported = ServerProcess.run("users", "import", file.toString(), "--domain", DOMAIN,
                    "--data", dataDirectory.toString());
            assertThat(imported.exitCode()).as(imported::toString).isZero();
            assertThat(imported.stdout()).contains("imported " + users.size() + " users");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2, §22.2; the seed's four-step ladder
    @EnumSource(Transport.class)
    void registersAfterA401ChallengeAndTheBindingIsListed(Transport transport) throws Exception {
        SipUser user = new SipUser("desk0" + (transport == Transport.UDP ? "1" : "2"), DOMAIN,
                "password-0" + (transport == Transport.UDP ? "1" : "2"));

        assertPasses(sipp("register-401.xml", transport).users(user).run());

        JsonNode bindings = bindingsJson(user.addressOfRecord());
        assertThat(bindings).hasSize(1);
        JsonNode binding = bindings.get(0);
        assertThat(binding.get("aor").asText()).isEqualTo(user.addressOfRecord());
        assertThat(binding.get("contact").asText()).startsWith("sip:" + user.user() + "@127.0.0.1:");
        assertThat(binding.get("transport").asText()).isEqualToIgnoringCase(transport.name());
        assertThat(binding.get("source").asText()).startsWith("127.0.0.1:");
        assertThat(binding.get("expires").asLong()).isBetween(MAX_EXPIRES - 30L, (long) MAX_EXPIRES);
        assertThat(binding.get("cseq").asLong()).isEqualTo(2);
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.3 step 3 and §22.3: 407 as the seed's provider does
    @EnumSource(Transport.class)
    void registersAfterA407ChallengeWhenConfigured(Transport transport) {
        Path proxyData = WorkDirectory.create("registrar-407");
        addUser(proxyData, ALICE);
        try (ServerProcess proxyStyle = ServerProcess.serve(proxyData, DOMAIN, "--challenge", "407")) {
            assertPasses(Sipp.scenario("register-407.xml").target(proxyStyle.port(transport)).transport(transport)
                    .users(ALICE).run());
        }
    }

    @ParameterizedTest(name = "over {0}") // seed: "403 usually indicates the user name/password is incorrect"
    @EnumSource(Transport.class)
    void refusesAWrongPasswordWith403(Transport transport) {
        assertPasses(sipp("register-403.xml", transport).users(ALICE_WRONG_PASSWORD).run());
    }

    @Test // RFC 3261 §22.4 / no user enumeration: an unknown user looks exactly like a wrong password
    void refusesAnUnknownUserWithTheSame403() {
        assertPasses(sipp("register-403.xml", Transport.UDP).users(MALLORY_UNKNOWN).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2.2
    @EnumSource(Transport.class)
    void removesABindingWithExpiresZero(Transport transport) throws Exception {
        assertPasses(sipp("unregister.xml", transport).users(BOB).run());

        assertThat(bindingsJson(BOB.addressOfRecord())).isEmpty();
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2.2, §10.3 step 6
    @EnumSource(Transport.class)
    void removesAllBindingsWithTheWildcard(Transport transport) {
        assertPasses(sipp("wildcard.xml", transport).users(user(10 + transport.ordinal())).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.3 step 6: "*" only with Expires: 0
    @EnumSource(Transport.class)
    void refusesTheWildcardWithANonZeroExpiry(Transport transport) {
        assertPasses(sipp("wildcard-bad.xml", transport).users(user(12 + transport.ordinal())).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2.1.2
    @EnumSource(Transport.class)
    void bindsTwoContactsWithTheirQValues(Transport transport) throws Exception {
        SipUser user = user(14 + transport.ordinal());

        assertPasses(sipp("multiple-contacts.xml", transport).users(user).run());

        JsonNode bindings = bindingsJson(user.addressOfRecord());
        assertThat(bindings).hasSize(2);
        assertThat(bindings.get(0).get("q").asText()).isEqualTo("0.9");
        assertThat(bindings.get(1).get("q").asText()).isEqualTo("0.1");
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2.3
    @EnumSource(Transport.class)
    void listsBindingsForARegisterWithoutContact(Transport transport) {
        assertPasses(sipp("fetch.xml", transport).users(user(16 + transport.ordinal())).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.3 step 7, §21.4.17
    @EnumSource(Transport.class)
    void refusesAnExpiryBelowTheMinimumWith423(Transport transport) {
        assertPasses(sipp("interval-too-brief.xml", transport).users(user(18 + transport.ordinal())).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2.1: the registrar MAY shorten the interval
    @EnumSource(Transport.class)
    void capsAnExpiryAboveTheMaximum(Transport transport) {
        assertPasses(sipp("expiry-capped.xml", transport).users(user(20 + transport.ordinal()))
                .set("max_expires", Integer.toString(MAX_EXPIRES)).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.3 step 7
    @EnumSource(Transport.class)
    void refusesAnOutOfOrderCSeqAndKeepsTheBinding(Transport transport) throws Exception {
        SipUser user = user(22 + transport.ordinal());

        assertPasses(sipp("cseq-order.xml", transport).users(user).run());

        assertThat(bindingsJson(user.addressOfRecord())).hasSize(1);
    }

    @Test // RFC 3261 §17.2.2: a retransmission gets the very same response, not a second processing
    void answersARetransmittedRegisterWithTheSameResponse() {
        assertPasses(sipp("retransmission.xml", Transport.UDP).users(user(24)).extraArguments("-nr").run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §21.4.1: the reason phrase names the defect
    @EnumSource(Transport.class)
    void answersMalformedRequestsWith400NamingTheDefect(Transport transport) {
        // Two bad requests in one SIPp call: over TCP the second is answered only if the connection survived the first.
        assertPasses(sipp("malformed.xml", transport).users(user(25)).run());
        // And the server is still there for everybody else.
        assertPasses(sipp("options.xml", transport).users(user(25)).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §11.2
    @EnumSource(Transport.class)
    void answersOptionsWithAllow(Transport transport) {
        assertPasses(sipp("options.xml", transport).run());
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(Transport.class)
    void registersManyDistinctUsers(Transport transport) throws Exception {
        List<SipUser> users = transport == Transport.UDP ? FLOOR.subList(0, 25) : FLOOR.subList(25, 50);
        assertPasses(sipp("register-401.xml", transport).users(users).calls(users.size()).rate(200).run(),
                users.size());

        for (SipUser u : List.of(users.get(0), users.get(users.size() - 1))) {
            assertThat(bindingsJson(u.addressOfRecord())).hasSize(1);
        }
    }

    @ParameterizedTest(name = "over {0}") // a real phone
    @EnumSource(Transport.class)
    void baresipRegistersAndAppearsInBindings(Transport transport) throws Exception {
        SipUser user = user(30 + transport.ordinal());
        try (Baresip phone = Baresip.account(user, transport, server.port(transport)).start()) {
            assertThat(phone.awaitRegistered(Duration.ofSeconds(10))).contains("200 OK");

            JsonNode bindings = bindingsJson(user.addressOfRecord());
            assertThat(bindings).hasSize(1);
            assertThat(bindings.get(0).get("userAgent").asText()).containsIgnoringCase("baresip");
            assertThat(bindings.get(0).get("transport").asText()).isEqualToIgnoringCase(transport.name());
        }
        // baresip unregisters when it quits.
        assertThat(bindingsJson(user.addressOfRecord())).isEmpty();
    }

    @Test
    void baresipIsToldAWrongPasswordIsForbidden() {
        try (Baresip phone = Baresip.account(ALICE_WRONG_PASSWORD, Transport.UDP, server.udpPort()).start()) {
            String refusal = phone.awaitOutput(Pattern.compile("^reg: \\S+: (\\d{3} .*)$"), Duration.ofSeconds(10))
                    .group(1);
            assertThat(refusal).as(phone::output).startsWith("403 Forbidden");
        }
    }

    @ParameterizedTest(name = "over {0}") // IPv6 references in Via, Contact and the received address
    @EnumSource(Transport.class)
    void registersOverIpv6(Transport transport) throws Exception {
        Path v6Data = WorkDirectory.create("registrar-ipv6");
        addUser(v6Data, ALICE);
        try (ServerProcess v6 = ServerProcess.serve(v6Data, DOMAIN,
                "--listen", "udp:[::1]:0", "--listen", "tcp:[::1]:0")) {
            var line = Pattern.compile("listening " + transport.name().toLowerCase(java.util.Locale.ROOT)
                    + " \\[::1\\]:(\\d+)");
            java.util.regex.Matcher listening = line.matcher(v6.output());
            boolean found = listening.find();
            for (int i = 0; i < 50 && !found; i++) {
                Thread.sleep(100); // the [::1] lines follow the 127.0.0.1 ones the harness waited for
                listening = line.matcher(v6.output());
                found = listening.find();
            }
            assertThat(found).as(v6::output).isTrue();
            int port = Integer.parseInt(listening.group(1));

            assertPasses(Sipp.scenario("register-401.xml").target("::1", port).transport(transport)
                    .users(ALICE).run());

            JsonNode bindings = bindingsJson(v6Data, ALICE.addressOfRecord());
            assertThat(bindings).hasSize(1);
            assertThat(bindings.get(0).get("contact").asText()).startsWith("sip:alice@[::1]:");
            assertThat(bindings.get(0).get("source").asText()).startsWith("[::1]:");
        }
    }

    @Test
    void bindingsTablePrintsTheColumnsAnOperatorReads() {
        SipUser user = user(40);
        assertPasses(sipp("register-401.xml", Transport.UDP).users(user).run());

        CommandResult table = ServerProcess.run("bindings", user.addressOfRecord(), "--data", data.toString());

        assertThat(table.exitCode()).as(table::toString).isZero();
        assertThat(table.stdout()).contains("AOR", "CONTACT", "EXPIRES", "Q", "CALL-ID", "CSEQ", "SOURCE",
                "USER-AGENT", user.addressOfRecord(), "udp 127.0.0.1:");
    }

    private static SipUser user(int n) {
        return OFFICE.get(n - 1);
    }

    private static Sipp sipp(String scenario, Transport transport) {
        return Sipp.scenario(scenario).target(server.port(transport)).transport(transport).users(ALICE);
    }

    static JsonNode bindingsJson(Path dataDirectory, String aor) throws Exception {
        CommandResult result = ServerProcess.run("bindings", aor, "--json", "--data", dataDirectory.toString());
        assertThat(result.exitCode()).as(result::toString).isZero();
        return new ObjectMapper().readTree(result.stdout());
    }

    private static JsonNode bindingsJson(String aor) throws Exception {
        return bindingsJson(data, aor);
    }

    static void assertPasses(SippResult result) {
        assertPasses(result, 1);
    }

    static void assertPasses(SippResult result, int calls) {
        assertThat(result.succeeded(calls)).as(result::report).isTrue();
    }
}
