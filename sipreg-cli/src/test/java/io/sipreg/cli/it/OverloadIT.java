package io.sipreg.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * sipreg serve flooded far above what it can take, in a JVM of 256 MB: it answers 503 with Retry-After (RFC 3261
 * §21.5.4) rather than queueing without bound, stays alive, logs no exception, and once the flood is over a normal
 * registration succeeds. The capacity is made small on purpose ({@code --store-queue 2}: two binding writes may wait
 * for the disk, and new registrations are shed from the first), so the test is quick and does not depend on how
 * fast this machine is.
 */
class OverloadIT {
    private static final String DOMAIN = "sipreg.test";
    private static final int FLOOD_USERS = 4_000;
    private static final Pattern SHED = Pattern.compile("^503 at (challenge|credentials) Retry-After: *(\\d+)",
            Pattern.MULTILINE);

    @Test // RFC 3261 §21.5.4
    void aFloodIsAnswered503WithRetryAfterAndTheServerRecovers() throws Exception {
        Path data = WorkDirectory.create("overload-it");
        List<SipUser> flood = IntStream.rangeClosed(1, FLOOD_USERS)
                .mapToObj(n -> new SipUser("flood%05d".formatted(n), DOMAIN, "pw-%05d".formatted(n))).toList();
        SipUser afterwards = new SipUser("calm", DOMAIN, "after-the-storm");
        RegistrarIT.addUser(data, afterwards);
        importUsers(data, flood);

        try (ServerProcess server = ServerProcess.serve(List.of("-Xmx256m"), Map.of(), data, DOMAIN,
                "--store-queue", "2", "--shed-new-at", "50", "--retry-after", "1",
                // SIPp floods from one address: the per-source limit (SecurityIT) would answer before the store fills.
                "--rate-limit", "0")) {
            SippResult result = Sipp.scenario("flood-register.xml").target(server.udpPort()).transport(Transport.UDP)
                    .users(flood).calls(FLOOD_USERS).rate(4_000).timeout(Duration.ofSeconds(90)).run();

            String log = Files.readString(result.directory().resolve(SippResult.LOGS), StandardCharsets.ISO_8859_1);
            Matcher shed = SHED.matcher(log);
            int count = 0;
            while (shed.find()) {
                count++;
                // The configured second and a random part of as much again.
                assertThat(Integer.parseInt(shed.group(2))).isBetween(1, 2);
            }
            assertThat(count).as("503s seen by SIPp\n%s", result).isPositive();
            assertThat(server.isAlive()).isTrue();
            assertThat(server.output()).contains("overload: ").doesNotContain("Exception")
                    .doesNotContain("OutOfMemoryError");

            // The flood is over: a device registering now is served as usual.
            Thread.sleep(3_000);
            SippResult calm = Sipp.scenario("register-401.xml").target(server.udpPort()).transport(Transport.UDP)
                    .users(afterwards).run();
            assertThat(calm.succeeded(1)).as(calm::report).isTrue();
            assertThat(RegistrarIT.bindingsJson(data, afterwards.addressOfRecord())).hasSize(1);
            assertThat(server.output()).doesNotContain("Exception");
            System.out.printf("flood: %d calls, %d ended with a 503, %d successful, %d failed (no answer)%n",
                    FLOOD_USERS, count, result.successfulCalls(), result.failedCalls());
        }
    }

    static void importUsers(Path data, List<SipUser> users) throws IOException {
        Path file = data.resolveSibling(data.getFileName() + "-users.csv");
        var lines = new StringBuilder();
        for (SipUser u : users) {
            lines.append(u.user()).append(',').append(u.password()).append('\n');
        }
        Files.writeString(file, lines);
        CommandResult imported = ServerProcess.run("users", "import", file.toString(), "--domain", DOMAIN,
                "--data", data.toString());
        assertThat(imported.exitCode()).as(imported::toString).isZero();
    }
}
