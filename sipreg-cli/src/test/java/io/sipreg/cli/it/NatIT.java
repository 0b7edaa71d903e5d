package io.sipreg.cli.it;

import static io.sipreg.cli.it.NatNetwork.NAT_PUBLIC_IP;
import static io.sipreg.cli.it.NatNetwork.PHONE_IP;
import static io.sipreg.cli.it.NatNetwork.REGISTRAR_IP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The seed's provider network in miniature: baresip behind a real Linux NAT (MASQUERADE in a network namespace of
 * its own) registers with {@code sipreg serve}, which sees only the NAT's public address. Keepalives run with a 1 s
 * interval and 3 failures, set in the same config file an operator writes.
 */
class NatIT {
    private static final String DOMAIN = "sipreg.test";
    private static final SipUser ALICE = new SipUser("alice", DOMAIN, "secret");
    private static final String PHONE_SOCKET = PHONE_IP + ":5060";
    private static final String REGISTRAR_SOCKET = REGISTRAR_IP + ":5060";
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final int FAILURES = 3;
    /** JVM start-up of a `bindings` call, scheduling, a loaded machine: generous, since the bound is what matters. */
    private static final Duration SLACK = Duration.ofSeconds(3);

    private NatNetwork network;
    private Path data;
    private ServerProcess server;
    private Baresip phone;

    @BeforeAll
    static void needsRootAndNetworkNamespaces() {
        Optional<String> why = NatNetwork.unavailable();
        assumeTrue(why.isEmpty(), () -> "NatIT skipped: " + why.orElse(""));
    }

    @BeforeEach
    void buildTheNat() {
        network = NatNetwork.create();
        data = WorkDirectory.create("nat-it");
        RegistrarIT.addUser(data, ALICE);
    }

    @AfterEach
    void tearDown() {
        try {
            if (phone != null) {
                phone.close();
            }
            if (server != null) {
                server.close();
            }
        } finally {
            network.close();
        }
    }

    /** {@code serve} in the registrar's namespace, keepalives set in sipreg.toml as an operator would. */
    private ServerProcess serve(String... flags) throws IOException {
        Path config = data.resolveSibling(data.getFileName() + "-sipreg.toml");
        Files.writeString(config, """
                listen = ["udp:%s", "tcp:%s"]

                [keepalive]
                mode = "nat"
                interval = %d
                failures = %d
                """.formatted(REGISTRAR_SOCKET, REGISTRAR_SOCKET, INTERVAL.toSeconds(), FAILURES));
        var arguments = new java.util.ArrayList<>(List.of("--config", config.toString()));
        arguments.addAll(List.of(flags));
        server = ServerProcess.serveIn(network.registrar, data, DOMAIN, arguments.toArray(String[]::new));
        return server;
    }

    private Baresip phone() {
        phone = Baresip.inNamespace(network.client, ALICE, Transport.UDP, PHONE_SOCKET, REGISTRAR_SOCKET);
        return phone;
    }

    private JsonNode binding() throws Exception {
        JsonNode bindings = RegistrarIT.bindingsJson(data, ALICE.addressOfRecord());
        assertThat(bindings).as("bindings of %s", ALICE.addressOfRecord()).hasSize(1);
        return bindings.get(0);
    }

    @Test // the seed: "the source/destination IPs will be on the public side, but in the packet header, the private IP"
    void aPhoneBehindNatRegistersAndItsKeepalivesAreAnswered() throws Exception {
        serve();
        phone().start();

        // The 200 reached the phone, so it went back through the NAT from the port the REGISTER arrived on.
        assertThat(phone.awaitRegistered(Duration.ofSeconds(10))).contains("200 OK");
        JsonNode binding = binding();
        assertThat(binding.get("contact").asText()).contains("@" + PHONE_SOCKET);
        assertThat(binding.get("nat").asBoolean()).isTrue();
        String received = binding.get("received").asText();
        assertThat(received).startsWith(NAT_PUBLIC_IP + ":");
        assertThat(port(received)).isBetween(NatNetwork.FIRST_PORTS, NatNetwork.FIRST_PORTS + 999);

        // OPTIONS cross the NAT to the phone, which answers each; the binding outlives N intervals.
        awaitTrue(Duration.ofSeconds(10), () -> answeredOptions(phone.output()) >= 2 * FAILURES);
        assertThat(optionsReceived(phone.output())).isGreaterThanOrEqualTo(2 * FAILURES);
        assertThat(binding().get("received").asText()).isEqualTo(received);
        assertThat(server.output()).doesNotContain("keepalive: removed");

        CommandResult table = ServerProcess.run("bindings", "--data", data.toString());
        assertThat(table.stdout()).contains("NAT", "udp " + received + "  yes");
    }

    @Test // the issue: a dead phone disappears after N missed keepalives, and the log says why
    void aFrozenPhoneIsRemovedAfterThreeUnansweredKeepalives() throws Exception {
        serve();
        phone().start();
        phone.awaitRegistered(Duration.ofSeconds(10));
        String received = binding().get("received").asText();
        awaitTrue(Duration.ofSeconds(10), () -> answeredOptions(phone.output()) >= 1);

        long frozen = System.nanoTime();
        phone.freeze();

        assertRemovedInTime(frozen, received);
    }

    @Test // the phone's cable is pulled: the NAT still forwards, nothing answers
    void aPhoneWhoseLinkIsCutIsRemovedAfterThreeUnansweredKeepalives() throws Exception {
        serve();
        phone().start();
        phone.awaitRegistered(Duration.ofSeconds(10));
        String received = binding().get("received").asText();
        awaitTrue(Duration.ofSeconds(10), () -> answeredOptions(phone.output()) >= 1);

        long cut = System.nanoTime();
        network.cutPhoneLink();

        assertRemovedInTime(cut, received);
    }

    /**
     * Removed no sooner than N-1 intervals (an OPTIONS in flight at the freeze may be the first miss) and no later
     * than N intervals after the first unanswered one, plus slack; logged with the count and the flow.
     */
    private void assertRemovedInTime(long since, String received) throws Exception {
        Pattern removal = Pattern.compile("keepalive: removed " + Pattern.quote(ALICE.addressOfRecord())
                + " contact (\\S+) after (\\d+) unanswered OPTIONS from udp (\\S+)$");
        Duration latest = INTERVAL.multipliedBy(FAILURES + 1).plus(SLACK);
        MatchResult line = server.awaitOutput(removal, latest).orElseThrow(() -> new AssertionError(
                "no removal logged within " + latest + "\n" + server.output()));
        Duration took = Duration.ofNanos(System.nanoTime() - since);

        assertThat(took).isBetween(INTERVAL.multipliedBy(FAILURES - 1), latest);
        assertThat(line.group(1)).contains("@" + PHONE_SOCKET);
        assertThat(line.group(2)).isEqualTo(Integer.toString(FAILURES));
        assertThat(line.group(3)).isEqualTo(received);
        assertThat(RegistrarIT.bindingsJson(data, ALICE.addressOfRecord())).isEmpty();
    }

    @Test // NAT rebinding: the mapping is gone, the next REGISTER leaves from a new public port, the binding follows
    void theBindingFollowsThePhoneToItsNewPublicPort() throws Exception {
        // Keepalives to the dead mapping fail until the phone refreshes (every 9 s at regint 10): let them.
        serve("--keepalive-failures", "30", "--min-expires", "5");
        phone().regint(10).start();
        phone.awaitRegistered(Duration.ofSeconds(10));
        String before = binding().get("received").asText();
        assertThat(port(before)).isBetween(NatNetwork.FIRST_PORTS, NatNetwork.FIRST_PORTS + 999);

        network.rebind();

        Pattern refreshed = Pattern.compile("udp " + Pattern.quote(NAT_PUBLIC_IP) + ":(4[1]\\d{3})->"
                + Pattern.quote(REGISTRAR_SOCKET) + " call-id=\\S+ REGISTER \\S+ -> 200 OK");
        MatchResult refresh = server.awaitOutput(refreshed, Duration.ofSeconds(20)).orElseThrow(
                () -> new AssertionError("no REGISTER from a new public port\n" + server.output()));
        JsonNode binding = binding();
        assertThat(binding.get("received").asText()).isEqualTo(NAT_PUBLIC_IP + ":" + refresh.group(1));
        assertThat(binding.get("nat").asBoolean()).isTrue();

        // and the keepalives now reach the phone over the new mapping
        int answered = answeredOptions(phone.output());
        awaitTrue(Duration.ofSeconds(10), () -> answeredOptions(phone.output()) >= answered + FAILURES);
    }

    @Test // RFC 5626: an outbound phone gets Require: outbound and Flow-Timer, and its STUN keepalives are answered
    void anOutboundPhoneGetsStunAnswersWithItsPublicAddress() throws Exception {
        serve();
        phone().outbound().start();
        phone.awaitRegistered(Duration.ofSeconds(10));
        JsonNode binding = binding();
        assertThat(binding.get("regId").asInt()).isEqualTo(1);
        assertThat(binding.get("instance").asText()).startsWith("<urn:uuid:");
        assertThat(phone.output()).contains("Require: outbound", "Flow-Timer: " + INTERVAL.toSeconds());

        // RFC 5389 §15.2 as a real decoder reads it: XOR-MAPPED-ADDRESS is the NAT's public address and port
        NatNetwork.Result capture = NatNetwork.run(NatNetwork.inNamespace(network.client, List.of(
                "tshark", "-n", "-i", "inside", "-a", "duration:4", "-f", "udp", "-Y", "stun",
                "-T", "fields", "-e", "stun.type", "-e", "ip.src", "-e", "udp.srcport", "-e", "stun.att.ipv4",
                "-e", "stun.att.port")));
        String answer = "0x0101\t" + REGISTRAR_IP + "\t5060\t" + binding.get("received").asText().replace(':', '\t');
        assertThat(capture.output()).as(capture::output).contains(answer);
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    /** OPTIONS that reached the phone from the registrar's socket, as baresip's SIP trace ({@code -s}) shows them. */
    private static int optionsReceived(String trace) {
        return count(Pattern.compile("(?m)^UDP " + Pattern.quote(REGISTRAR_SOCKET) + " -> "
                + Pattern.quote(PHONE_SOCKET) + "\\nOPTIONS sip:"), trace);
    }

    /** The phone's 200 OK to an OPTIONS, sent back towards the registrar. */
    private static int answeredOptions(String trace) {
        return count(Pattern.compile("(?m)^UDP " + Pattern.quote(PHONE_SOCKET) + " -> "
                + Pattern.quote(REGISTRAR_SOCKET) + "\\nSIP/2\\.0 200 OK\\n(?:[^\\n]*\\n){0,8}?CSeq: \\d+ OPTIONS"),
                trace);
    }

    private static int count(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Polls a condition over real processes; the only waiting an integration test can do. */
    private void awaitTrue(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + "\n--- phone ---\n" + phone.output()
                        + "\n--- server ---\n" + server.output());
            }
            Thread.sleep(100);
        }
    }
}
