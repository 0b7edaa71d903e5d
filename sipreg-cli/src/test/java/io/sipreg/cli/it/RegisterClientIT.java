package io.sipreg.cli.it;

import static io.sipreg.cli.it.RegisterLadder.assertInOrder;
import static io.sipreg.cli.it.RegisterLadder.line;
import static io.sipreg.cli.it.RegisterLadder.received;
import static io.sipreg.cli.it.RegisterLadder.sent;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code sipreg register}, run as a user runs it to check an account, against {@code sipreg serve} and against
 * registrars that fail in the ways the outcome sentences name: silence, a closed port, a wrong password, 423.
 */
class RegisterClientIT {
    /** {@link RegistrarIT#importUsers} puts its users in this domain. */
    private static final String DOMAIN = "sipreg.test";
    private static final SipUser ALICE = new SipUser("alice", DOMAIN, "secret");
    private static final SipUser BOB = new SipUser("bob", DOMAIN, "b0b-pass");
    private static final SipUser CAROL = new SipUser("carol", DOMAIN, "carol-pass");
    private static final SipUser DAVE = new SipUser("dave", DOMAIN, "dave-pass");
    private static final SipUser ERIN = new SipUser("erin", DOMAIN, "erin-pass");
    private static final int LOAD_ACCOUNTS = 200;
    private static final List<SipUser> LOAD = IntStream.rangeClosed(1, LOAD_ACCOUNTS)
            .mapToObj(n -> new SipUser("load" + n, DOMAIN, "load-pw-" + n))
            .toList();

    private static final Path PASSWORDS = WorkDirectory.create("register-client-passwords");

    private static Path data;
    private static ServerProcess server;

    @BeforeAll
    static void start() {
        data = WorkDirectory.create("register-client");
        var users = new ArrayList<>(List.of(ALICE, BOB, CAROL, DAVE, ERIN));
        users.addAll(LOAD);
        RegistrarIT.importUsers(data, users);
        // Every UDP binding is pinged each second, so a client that stays registered has OPTIONS to answer.
        server = ServerProcess.serve(data, DOMAIN, "--keepalive", "all", "--keepalive-interval", "1");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2, §22.2, §10.2.2; the seed's four-step ladder
    @EnumSource(Transport.class)
    void onceRegistersAfterTheChallengeThenUnregisters(Transport transport) throws Exception {
        SipUser user = transport == Transport.UDP ? ALICE : BOB;
        int port = server.port(transport);

        CommandResult result = register(user, transport, port, "--once");

        assertThat(result.exitCode()).as(result::toString).isZero();
        List<String> ladder = assertInOrder(result.stdout(),
                sent(transport, port, "REGISTER sip:" + DOMAIN + "  CSeq 1 REGISTER  Contact <sip:" + user.user()
                        + "@127\\.0\\.0\\.1:\\d+.*> Expires 3600$"),
                received(transport, port, "401 Unauthorized  CSeq 1 REGISTER  realm=\"" + DOMAIN + "\" algorithm=MD5"),
                sent(transport, port, "REGISTER sip:" + DOMAIN + "  CSeq 2 REGISTER  credentials username=\""
                        + user.user() + "\" realm=\"" + DOMAIN + "\"  Contact .* Expires 3600$"),
                received(transport, port, "200 OK  CSeq 2 REGISTER  \\[1 binding\\]"),
                line("^registered " + user.addressOfRecord() + " for (\\d+) s \\(challenged with 401, credentials"
                        + " accepted\\)$"),
                line("^the registrar saw us at 127\\.0\\.0\\.1:\\d+, the address in our headers: no NAT in between$"),
                sent(transport, port, "REGISTER sip:" + DOMAIN + "  CSeq 3 REGISTER  credentials username=\""
                        + user.user() + "\" .* Expires 0$"),
                received(transport, port, "200 OK  CSeq 3 REGISTER"),
                line("^unregistered " + user.addressOfRecord() + "$"));
        assertThat(grantedSeconds(ladder.get(4))).isBetween(3_000, 3_600);
        assertThat(ladder.get(7)).as("the 200 to Expires 0 lists no binding left").doesNotContain("binding");
        assertThat(RegistrarIT.bindingsJson(data, user.addressOfRecord())).isEmpty();
    }

    @Test // the seed: "403 usually indicates the user name/password is incorrect"
    void aWrongPasswordIsForbiddenAndExits3() {
        SipUser wrong = new SipUser(CAROL.user(), DOMAIN, "not-the-password");

        CommandResult result = register(wrong, Transport.UDP, server.udpPort(), "--once");

        assertThat(result.exitCode()).as(result::toString).isEqualTo(3);
        assertInOrder(result.stdout(),
                received(Transport.UDP, server.udpPort(), "401 Unauthorized  CSeq 1 REGISTER"),
                sent(Transport.UDP, server.udpPort(), "REGISTER .*CSeq 2 REGISTER  credentials username=\"carol\""),
                received(Transport.UDP, server.udpPort(), "403 Forbidden  CSeq 2 REGISTER"),
                line("^forbidden: wrong username or password$"),
                line("^  403 Forbidden \\(after a 401 challenge\\)$"));
        assertThat(result.stdout()).as("no unregistration after a refusal").doesNotContain("CSeq 3");
        // The registrar is still there for the right password.
        assertThat(server.isAlive()).as(server::output).isTrue();
        CommandResult right = register(CAROL, Transport.UDP, server.udpPort(), "--once");
        assertThat(right.exitCode()).as(right::toString).isZero();
    }

    @Test // RFC 3261 §17.1.2.2: Timer E doubles from T1 (below T2), Timer F ends the transaction at 64*T1
    void aRegistrarThatNeverAnswersGetsSevenCopiesThenNoResponse() {
        CommandResult result;
        List<SilentRegistrar.Arrival> arrivals;
        int port;
        try (SilentRegistrar silent = SilentRegistrar.start()) {
            port = silent.port();
            result = register(ALICE, Transport.UDP, port, "--once", "--timer-t1", "100");
            arrivals = silent.arrivals();
        }

        assertThat(result.exitCode()).as(result::toString).isEqualTo(5);
        assertInOrder(result.stdout(),
                line("^register " + ALICE.addressOfRecord() + " at udp 127\\.0\\.0\\.1:" + port
                        + " \\(Timer F 6\\.4 s\\)$"),
                sent(Transport.UDP, port, "REGISTER .*CSeq 1 REGISTER"),
                line("^no response: a firewall drops the packets or the registrar address is wrong$"),
                line("^  no response within 6\\.4 s \\(RFC 3261 Timer F\\) from 127\\.0\\.0\\.1:" + port + "$"));
        assertThat(result.stdout().lines().filter(l -> l.contains("(retransmission "))).hasSize(6);
        // What the firewall saw: the same REGISTER (one transaction, one branch) seven times.
        assertThat(arrivals).as(result::toString).hasSize(7);
        assertThat(arrivals).allSatisfy(a -> assertThat(a.text()).startsWith("REGISTER sip:" + DOMAIN + " SIP/2.0")
                .contains("CSeq: 1 REGISTER").isEqualTo(arrivals.get(0).text()));
        // Timer E: copy k leaves T1 * (2^k - 1) after the first, so 0, 100, 300, 700, 1500, 3100 and 6300 ms: every
        // gap doubles, counted from when the first copy left (ClientTransactions arms Timer E on the send).
        List<Long> gaps = IntStream.range(1, arrivals.size())
                .mapToObj(i -> (arrivals.get(i).nanoTime() - arrivals.get(i - 1).nanoTime()) / 1_000_000)
                .toList();
        for (int copy = 2; copy <= 7; copy++) {
            long expected = 100L << (copy - 2);
            assertThat(gaps.get(copy - 2)).as("ms between copies %d and %d, expected %d; all gaps %s", copy - 1,
                    copy, expected, gaps).isBetween(expected * 6 / 10, expected * 2);
        }
    }

    @Test // RFC 3261 §18.4: an ICMP port unreachable is a failure to send, reported to the transport user
    void aClosedUdpPortIsReportedAsPortUnreachable() throws Exception {
        int closed;
        try (var socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            closed = socket.getLocalPort();
        }

        CommandResult result = register(ALICE, Transport.UDP, closed, "--once");

        assertThat(result.exitCode()).as(result::toString).isEqualTo(6);
        assertInOrder(result.stdout(),
                sent(Transport.UDP, closed, "REGISTER .*CSeq 1 REGISTER"),
                received(Transport.UDP, closed, "!! ICMP port unreachable$"),
                line("^port unreachable: nothing listens at that address and port$"),
                line("^  ICMP port unreachable from 127\\.0\\.0\\.1:" + closed + "$"));
    }

    @Test // RFC 3261 §18.4: a refused connection is a failure to send; no REGISTER leaves
    void aClosedTcpPortIsReportedAsRefused() throws Exception {
        int closed;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }

        CommandResult result = register(ALICE, Transport.TCP, closed, "--once", "--transport", "tcp");

        assertThat(result.exitCode()).as(result::toString).isEqualTo(6);
        assertInOrder(result.stdout(),
                line("^port unreachable: nothing listens at that address and port$"),
                line("^  connection refused by tcp 127\\.0\\.0\\.1:" + closed + "$"));
        assertThat(result.stdout()).doesNotContain("REGISTER sip:");
    }

    @Test // RFC 3261 §10.2.8, §10.3 step 7: retry once with the registrar's Min-Expires
    void a423IsRetriedWithTheRegistrarsMinExpires() throws Exception {
        Path briefData = WorkDirectory.create("register-client-423");
        RegistrarIT.addUser(briefData, ERIN);
        try (ServerProcess strict = ServerProcess.serve(briefData, DOMAIN, "--min-expires", "120")) {
            int port = strict.udpPort();

            CommandResult result = register(ERIN, Transport.UDP, port, "--once", "--expires", "60");

            assertThat(result.exitCode()).as(result::toString).isZero();
            List<String> ladder = assertInOrder(result.stdout(),
                    sent(Transport.UDP, port, "REGISTER .*CSeq 1 REGISTER  .* Expires 60$"),
                    received(Transport.UDP, port, "401 Unauthorized  CSeq 1 REGISTER"),
                    sent(Transport.UDP, port, "REGISTER .*CSeq 2 REGISTER  credentials .* Expires 60$"),
                    received(Transport.UDP, port, "423 Interval Too Brief  CSeq 2 REGISTER  Min-Expires 120"),
                    sent(Transport.UDP, port, "REGISTER .*CSeq 3 REGISTER  credentials .* Expires 120$"),
                    received(Transport.UDP, port, "200 OK  CSeq 3 REGISTER  \\[1 binding\\]"),
                    line("^registered " + ERIN.addressOfRecord() + " for (\\d+) s "),
                    sent(Transport.UDP, port, "REGISTER .*CSeq 4 REGISTER  .* Expires 0$"),
                    received(Transport.UDP, port, "200 OK  CSeq 4 REGISTER"),
                    line("^unregistered " + ERIN.addressOfRecord() + "$"));
            assertThat(grantedSeconds(ladder.get(6))).isBetween(115, 120);
        }
    }

    @Test // RFC 5626 §4.5: after failures a device waits a random 50-100 % of min(max, base * 2^failures)
    void withoutOnceItBacksOffWhenNothingAnswers() {
        try (SilentRegistrar silent = SilentRegistrar.start();
             RegisterProcess phone = RegisterProcess.start(ALICE.user() + "@" + DOMAIN, "--registrar",
                     "127.0.0.1:" + silent.port(), "--password-file", passwordFile(ALICE).toString(),
                     "--timer-t1", "20", "--retry-base", "1", "--retry-max", "3")) {
            // Timer F is 64 * 20 ms = 1.28 s; the waits are then 1-2 s, 2-3 s (capped at 3), 1.5-3 s ...
            Pattern retry = Pattern.compile(
                    "(?m)^retry in ([0-9.]+) s \\(failure (\\d+) in a row, RFC 5626 back-off\\)$");
            assertThat(phone.awaitLines(retry, 3, Duration.ofSeconds(20))).as(phone::output).isTrue();
            Matcher waits = retry.matcher(phone.output());
            List<double[]> seen = new ArrayList<>();
            while (waits.find()) {
                seen.add(new double[] {Double.parseDouble(waits.group(1)), Integer.parseInt(waits.group(2))});
            }
            assertThat(seen.get(0)[1]).isEqualTo(1);
            assertThat(seen.get(0)[0]).as(phone::output).isBetween(1.0, 2.0);
            assertThat(seen.get(1)[1]).isEqualTo(2);
            assertThat(seen.get(1)[0]).as(phone::output).isBetween(1.5, 3.0);
            assertThat(seen.get(2)[0]).as(phone::output).isBetween(1.5, 3.0);
            assertThat(phone.output()).contains("no response: a firewall drops the packets");
            // Each attempt is one transaction (Timer E copies of one REGISTER), then silence until the next.
            List<SilentRegistrar.Arrival> arrivals = silent.arrivals();
            long distinctAttempts = arrivals.stream().map(a -> a.text().lines()
                    .filter(l -> l.startsWith("CSeq:")).findFirst().orElse("")).distinct().count();
            assertThat(distinctAttempts).as("CSeq values seen: %s", arrivals.size()).isGreaterThanOrEqualTo(3);
            assertThat(phone.isAlive()).as("a device keeps trying after no response").isTrue();
        }
    }

    @Test // RFC 3261 §11.2 (OPTIONS answered on the flow, keeping it open), §10.2.2 on SIGTERM
    void withoutOnceItStaysRegisteredAnswersKeepalivesAndUnregistersOnSigterm() throws Exception {
        int port = server.udpPort();
        try (RegisterProcess phone = RegisterProcess.start(DAVE.user() + "@" + DOMAIN, "--registrar",
                "127.0.0.1:" + port, "--password-file", passwordFile(DAVE).toString(), "--expires", "60")) {
            assertThat(phone.awaitOutput(line("^registered " + DAVE.addressOfRecord() + " for "),
                    Duration.ofSeconds(20))).as(phone::output).isPresent();
            assertThat(phone.awaitLines(received(Transport.UDP, port, "OPTIONS sip:dave@127\\.0\\.0\\.1:\\d+  CSeq"),
                    2, Duration.ofSeconds(10))).as(phone::output).isTrue();
            assertThat(phone.awaitLines(sent(Transport.UDP, port, "200 OK  CSeq \\d+ OPTIONS"), 2,
                    Duration.ofSeconds(5))).as(phone::output).isTrue();
            assertThat(phone.output()).contains("\nrefresh in 30 s");
            Matcher contact = Pattern.compile("Contact <(sip:dave@127\\.0\\.0\\.1:\\d+)>").matcher(phone.output());
            assertThat(contact.find()).as(phone::output).isTrue();
            JsonNode bindings = RegistrarIT.bindingsJson(data, DAVE.addressOfRecord());
            assertThat(bindings).as(bindings::toString).hasSize(1);
            assertThat(bindings.get(0).get("contact").asText()).isEqualTo(contact.group(1));
            assertThat(bindings.get(0).get("transport").asText()).isEqualToIgnoringCase("udp");

            int exitCode = phone.stop();

            assertThat(exitCode).as(phone::output).isZero();
            assertInOrder(phone.output(),
                    line("^stopping: unregistering$"),
                    sent(Transport.UDP, port, "REGISTER .*CSeq \\d+ REGISTER  credentials .* Expires 0$"),
                    received(Transport.UDP, port, "200 OK  CSeq \\d+ REGISTER"),
                    line("^unregistered " + DAVE.addressOfRecord() + "$"));
            assertThat(RegistrarIT.bindingsJson(data, DAVE.addressOfRecord())).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}") // RFC 5626 §4.4.1: with outbound the device keeps its flow alive itself
    @EnumSource(Transport.class)
    void withOutboundItSendsKeepalivesAtTheFlowTimerAndGetsThemAnswered(Transport transport) {
        int port = server.port(transport);
        boolean stream = transport == Transport.TCP;
        List<String> arguments = new ArrayList<>(List.of(ERIN.user() + "@" + DOMAIN, "--registrar",
                "127.0.0.1:" + port, "--password-file", passwordFile(ERIN).toString(), "--outbound"));
        if (stream) {
            arguments.addAll(List.of("--transport", "tcp"));
        }
        try (RegisterProcess phone = RegisterProcess.start(arguments.toArray(String[]::new))) {
            // serve runs with --keepalive-interval 1: its 200 says Require: outbound and Flow-Timer: 1.
            assertThat(phone.awaitOutput(line("^outbound: the registrar keeps this flow \\(RFC 5626\\); keepalive"
                    + " every 0\\.[89]\\d* s$|^outbound: .* every 1\\.0 s$"), Duration.ofSeconds(20)))
                    .as(phone::output).isPresent();
            String ping = stream ? "keepalive: double CRLF \\(RFC 5626 ping\\)$"
                    : "keepalive: STUN Binding request \\(RFC 5626\\)$";
            String pong = stream ? "keepalive answered: CRLF \\(pong\\)$" : "keepalive answered: STUN Binding success$";
            assertThat(phone.awaitLines(sent(transport, port, ping), 3, Duration.ofSeconds(10)))
                    .as(phone::output).isTrue();
            assertThat(phone.awaitLines(received(transport, port, pong), 3, Duration.ofSeconds(5)))
                    .as(phone::output).isTrue();
            assertThat(phone.output()).contains(";+sip.instance=\"<urn:uuid:").contains(";reg-id=1")
                    .doesNotContain("failed");
            assertThat(phone.stop()).as(phone::output).isZero();
        }
    }

    @Test
    void loadModeRegistersEveryAccountThenUnregistersThem() throws Exception {
        CommandResult result = ServerProcess.run("register", "load{n}@" + DOMAIN,
                "--registrar", "127.0.0.1:" + server.udpPort(),
                "--load", Integer.toString(LOAD_ACCOUNTS), "--rate", "200",
                "--password-template", "load-pw-{n}", "--duration", "5");

        assertThat(result.exitCode()).as(result::toString).isZero();
        long optionsAnswered = assertLoadRun(result, LOAD_ACCOUNTS, 200);
        assertThat(optionsAnswered).as("keepalives answered for the registered accounts").isPositive();
        CommandResult bindings = ServerProcess.run("bindings", "--json", "--data", data.toString());
        assertThat(bindings.exitCode()).as(bindings::toString).isZero();
        JsonNode all = new ObjectMapper().readTree(bindings.stdout());
        assertThat(StreamSupport.stream(all.spliterator(), false).map(b -> b.get("aor").asText()))
                .noneMatch(aor -> aor.startsWith("sip:load"));
    }

    /**
     * The per-second table adds up to every account, and the totals and the unregistration say so. Each account
     * takes exactly one exchange: a retry would show as more attempts than accounts.
     *
     * @return the last row's count of OPTIONS answered
     */
    static long assertLoadRun(CommandResult result, int accounts, int rate) {
        String out = result.stdout();
        assertThat(out).as(result::toString)
                .containsPattern("(?m)^load: " + accounts + " accounts at " + rate + "/s.* to udp"
                        + " 127\\.0\\.0\\.1:\\d+ over 2 udp flow\\(s\\), expires 3600$")
                .containsPattern("(?m)^total: " + accounts + " attempts in [\\d.]+ s, " + accounts + " registered of "
                        + accounts + " accounts, 0 failed exchanges, latency p50 [\\d.]+ ms p99 [\\d.]+ ms$")
                .containsPattern("(?m)^unregistered " + accounts + " accounts$");
        // time, attempts/s, ok/s, failed/s, p50, p99, registered, OPTIONS answered
        Matcher row = Pattern.compile("(?m)^\\s+(\\d+)s\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+[\\d.]+\\s+[\\d.]+"
                + "\\s+(\\d+)\\s+(\\d+)").matcher(out);
        int rows = 0;
        int successes = 0;
        int lastRegistered = -1;
        long optionsAnswered = -1;
        while (row.find()) {
            rows++;
            successes += Integer.parseInt(row.group(3));
            assertThat(Integer.parseInt(row.group(4))).as("failed/s in second %s", row.group(1)).isZero();
            lastRegistered = Integer.parseInt(row.group(5));
            optionsAnswered = Long.parseLong(row.group(6));
        }
        assertThat(rows).as(result::toString).isGreaterThanOrEqualTo(2);
        assertThat(successes).as("ok/s summed over the table").isEqualTo(accounts);
        assertThat(lastRegistered).as("registered in the last row").isEqualTo(accounts);
        return optionsAnswered;
    }

    /** {@code sipreg register USER@DOMAIN --registrar 127.0.0.1:PORT --password-file FILE ARGUMENTS}. */
    static CommandResult register(SipUser user, Transport transport, int port, String... arguments) {
        var command = new ArrayList<>(List.of("register", user.user() + "@" + user.domain(),
                "--registrar", "127.0.0.1:" + port, "--password-file", passwordFile(user).toString()));
        if (transport == Transport.TCP && !List.of(arguments).contains("--transport")) {
            command.addAll(List.of("--transport", "tcp"));
        }
        command.addAll(List.of(arguments));
        return ServerProcess.run(command.toArray(String[]::new));
    }

    static Path passwordFile(SipUser user) {
        try {
            Path file = Files.createTempFile(PASSWORDS, user.user() + "-", ".password");
            Files.writeString(file, user.password() + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int grantedSeconds(String registeredLine) {
        Matcher granted = Pattern.compile(" for (\\d+) s").matcher(registeredLine);
        assertThat(granted.find()).as(registeredLine).isTrue();
        return Integer.parseInt(granted.group(1));
    }
}
