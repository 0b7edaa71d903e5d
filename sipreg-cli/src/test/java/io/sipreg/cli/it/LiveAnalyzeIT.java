package io.sipreg.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code tcpdump -U -w - | sipreg analyze -}: a live capture piped in as tcpdump writes it, each registration
 * explained while the capture still runs, and the summary once tcpdump stops. The registrations are real ones,
 * {@code sipreg register} against {@code sipreg serve}.
 */
class LiveAnalyzeIT {
    private static final String DOMAIN = "live.test";
    private static final SipUser ALICE = new SipUser("alice", DOMAIN, "alice-live-pass");
    private static final SipUser BOB = new SipUser("bob", DOMAIN, "bob-live-pass");
    private static final Duration REPORTED = Duration.ofSeconds(20);

    private ServerProcess server;
    private List<Process> pipeline = List.of();

    @AfterEach
    void stop() {
        pipeline.forEach(Process::destroyForcibly);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aPipedCaptureIsExplainedWhileItRuns() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "LiveAnalyzeIT skipped: tcpdump on lo needs root");
        Path data = WorkDirectory.create("live-analyze-it");
        RegistrarIT.addUser(data, ALICE);
        RegistrarIT.addUser(data, BOB);
        server = ServerProcess.serve(data, DOMAIN);
        int port = server.udpPort();
        Path tcpdumpErr = data.resolveSibling(data.getFileName() + "-tcpdump.err");
        // --immediate-mode: packets reach tcpdump at once, not up to a second later, so none is still in the
        // kernel's buffer when tcpdump is stopped right after the last registration
        var tcpdump = new ProcessBuilder("tcpdump", "-i", "lo", "--immediate-mode", "-U", "-w", "-", "udp", "port",
                Integer.toString(port)).redirectError(tcpdumpErr.toFile());
        var analyze = new ProcessBuilder(ServerProcess.javaCommand(List.of("analyze", "-")));
        pipeline = ProcessBuilder.startPipeline(List.of(tcpdump, analyze));
        Process capture = pipeline.get(0);
        Process analyzer = pipeline.get(1);
        CapturedOutput report = CapturedOutput.drain(analyzer.getInputStream(), "analyze stdout");
        CapturedOutput errors = CapturedOutput.drain(analyzer.getErrorStream(), "analyze stderr");
        awaitListening(tcpdumpErr);

        assertThat(register(ALICE, port).exitCode()).isZero();
        // Bob registers a few seconds later: his packets show the capture's clock past Alice's linger time.
        Thread.sleep(2_500);
        assertThat(register(BOB, port).exitCode()).isZero();

        assertThat(report.awaitLine(Pattern.compile("Registration of sip:alice@" + DOMAIN), REPORTED))
                .as("Alice's registration reported while tcpdump runs\n" + report.text() + errors.text()).isPresent();
        assertThat(capture.isAlive()).isTrue();
        assertThat(report.text()).contains("Capture (standard input) (pcap", "outcome: registered",
                "registered after a 401 challenge").doesNotContain("Summary of");

        capture.destroy();      // SIGTERM: tcpdump writes what it has and exits, which ends the pipe
        assertThat(analyzer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        report.awaitEnd(Duration.ofSeconds(5));
        assertThat(analyzer.exitValue()).as(errors.text()).isZero();
        assertThat(report.text()).contains("Registration of sip:bob@" + DOMAIN, "Summary of (standard input)");
        assertThat(report.awaitLine(Pattern.compile("Outcomes: .*registered 2"), Duration.ZERO)).isPresent();
    }

    private static CommandResult register(SipUser user, int port) throws Exception {
        Path password = Files.createTempFile(WorkDirectory.create("live-analyze-passwords"), user.user(), ".password");
        Files.writeString(password, user.password() + "\n");
        CommandResult result = ServerProcess.run("register", user.user() + "@" + DOMAIN, "--registrar",
                "127.0.0.1:" + port, "--password-file", password.toString(), "--once");
        assertThat(result.exitCode()).as(result::toString).isZero();
        return result;
    }

    private static void awaitListening(Path tcpdumpErr) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (Files.exists(tcpdumpErr) && Files.readString(tcpdumpErr).contains("listening on lo")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("tcpdump did not start: " + Files.readString(tcpdumpErr));
    }
}
