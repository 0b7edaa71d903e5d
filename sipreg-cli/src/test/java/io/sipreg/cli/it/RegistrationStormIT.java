package io.sipreg.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A registration storm: every device registered with sipreg registers again at once after a restart, far faster than
 * the store is allowed to take them. Those turned away get 503 with Retry-After (RFC 3261 §21.5.4), wait and try
 * again, and in the end every one of them is registered: none is lost. The number of devices is
 * {@code -Dstorm.devices} (default 10,000; the README gives the 100,000 figure measured by hand); they all start
 * within {@code -Dstorm.seconds} (default 10).
 */
class RegistrationStormIT {
    private static final String DOMAIN = "sipreg.test";
    private static final int DEVICES = Integer.getInteger("storm.devices", 10_000);
    private static final int STORM_SECONDS = Integer.getInteger("storm.seconds", 10);

    @Test
    void everyDeviceIsRegisteredAgainAfterARestartNoneLost() throws Exception {
        Path data = WorkDirectory.create("storm-it");
        List<SipUser> devices = IntStream.rangeClosed(1, DEVICES)
                .mapToObj(n -> new SipUser("dev%06d".formatted(n), DOMAIN, "pw-%06d".formatted(n))).toList();
        OverloadIT.importUsers(data, devices);
        // A small store queue, so that the storm overloads it on any machine.
        String[] overload = {"--store-queue", "20", "--shed-new-at", "50", "--retry-after", "2"};
        List<String> jvm = List.of("-Xmx512m");

        try (ServerProcess first = ServerProcess.serve(jvm, Map.of(), data, DOMAIN, overload)) {
            SippResult registered = storm(first, devices, Math.max(100, DEVICES / 60));
            assertThat(registered.succeeded(DEVICES)).as(registered::report).isTrue();
            first.stop();
        }
        assertThat(bindingCount(data)).isEqualTo(DEVICES);

        try (ServerProcess restarted = ServerProcess.serve(jvm, Map.of(), data, DOMAIN, overload)) {
            long start = System.nanoTime();
            SippResult storm = storm(restarted, devices, Math.max(100, DEVICES / STORM_SECONDS));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            long shed = Files.readString(storm.directory().resolve(SippResult.LOGS), StandardCharsets.ISO_8859_1)
                    .lines().filter(l -> l.startsWith("503 Retry-After")).count();
            System.out.printf("storm: %,d devices in %d s, %,d answers were 503 and retried, all served in %d s%n",
                    DEVICES, STORM_SECONDS, shed, took.toSeconds());

            assertThat(storm.succeeded(DEVICES)).as(storm::report).isTrue();
            assertThat(restarted.isAlive()).isTrue();
            assertThat(restarted.output()).doesNotContain("Exception");
            // Every device has a binding from the storm (SIPp's new port), beside the one from before the restart.
            String stormSource = "127.0.0.1:" + storm.command().get(storm.command().indexOf("-p") + 1);
            var renewed = new java.util.HashSet<String>();
            for (JsonNode b : bindings(data)) {
                if (b.get("source").asText().equals(stormSource)) {
                    renewed.add(b.get("aor").asText());
                }
            }
            assertThat(renewed).hasSize(DEVICES);
        }
    }

    /** Every device registers once, {@code rate} new ones a second, each retrying after a 503 until it has its 200. */
    private static SippResult storm(ServerProcess server, List<SipUser> devices, int rate) {
        return Sipp.scenario("storm-register.xml").target(server.udpPort()).transport(Transport.UDP)
                .users(devices).calls(devices.size()).rate(rate)
                .timeout(Duration.ofSeconds(120 + devices.size() / 100))
                .extraArguments("-nr")
                .run();
    }

    private static int bindingCount(Path data) throws Exception {
        return bindings(data).size();
    }

    private static JsonNode bindings(Path data) throws Exception {
        CommandResult result = ServerProcess.run("bindings", "--json", "--data", data.toString());
        assertThat(result.exitCode()).as(result::toString).isZero();
        return new ObjectMapper().readTree(result.stdout());
    }
}
