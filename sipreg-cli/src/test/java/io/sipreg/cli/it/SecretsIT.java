package io.sipreg.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What sipreg keeps of a password: the HA1 digests in a database only its owner can read, and nothing in its log, even
 * at TRACE, where every message is logged.
 */
class SecretsIT {
    private static final String DOMAIN = "sipreg.test";
    private static final SipUser ALICE = new SipUser("alice", DOMAIN, "Secr3t-Passw0rd");
    private static final Pattern RESPONSE = Pattern.compile("response=\"([0-9a-f]{32,64})\"");
    private static final Pattern CNONCE = Pattern.compile("cnonce=\"([^\"]+)\"");

    @Test // style guide: never log passwords, HA1 or full credentials
    void aRegistrationLoggedAtTraceShowsNoCredentials() throws Exception {
        Path data = WorkDirectory.create("secrets-it").resolve("data");
        RegistrarIT.addUser(data, ALICE);
        SippResult result;
        String log;
        try (ServerProcess server = ServerProcess.serve(List.of(), Map.of("SIPREG_LOG_LEVEL", "TRACE"), data,
                DOMAIN)) {
            // No retransmissions: a cold JVM logging every message may take longer than T1 for its first answer,
            // and SIPp would take the (stateless, RFC 3261 §8.2.7) challenge to its retransmission for a second one.
            result = Sipp.scenario("register-401.xml").target(server.udpPort()).transport(Transport.UDP)
                    .users(ALICE).extraArguments("-nr").run();
            assertThat(result.succeeded(1)).as(result::report).isTrue();
            server.stop();
            log = server.output();
        }
        String messages = Files.readString(result.directory().resolve(SippResult.MESSAGES),
                StandardCharsets.ISO_8859_1);
        Matcher response = RESPONSE.matcher(messages);
        assertThat(response.find()).as("SIPp sent credentials\n%s", messages).isTrue();
        Matcher cnonce = CNONCE.matcher(messages);
        assertThat(cnonce.find()).isTrue();

        // Every message was logged, the REGISTER with credentials too, but only who they were from.
        assertThat(log).contains("received:").contains("sending:")
                .contains("Authorization: Digest username=\"alice\" (credentials redacted)");
        assertThat(log).doesNotContain(response.group(1)).doesNotContain("cnonce=\"" + cnonce.group(1))
                .doesNotContain(ALICE.password());
    }

    @Test // passwords only as HA1 at rest, in files of their owner alone
    void theStoreKeepsHa1DigestsInOwnerOnlyFiles() throws Exception {
        Path data = WorkDirectory.create("secrets-it").resolve("data");
        RegistrarIT.addUser(data, ALICE);
        try (ServerProcess server = ServerProcess.serve(data, DOMAIN)) {
            assertThat(Sipp.scenario("register-401.xml").target(server.udpPort()).transport(Transport.UDP)
                    .users(ALICE).run().succeeded(1)).isTrue();

            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
            try (Stream<Path> files = Files.list(data)) {
                for (Path file : files.toList()) {
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString())
                            .isEqualTo("rw-------");
                    assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).as(file.toString())
                            .doesNotContain(ALICE.password());
                }
            }
        }
    }
}
