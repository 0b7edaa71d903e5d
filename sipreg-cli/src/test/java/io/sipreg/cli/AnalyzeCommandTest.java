package io.sipreg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code sipreg analyze}: exit 0 when analyzed, even with errors found; 2 with one line for unusable input. */
class AnalyzeCommandTest {
    private static final Path CAPTURES = Path.of("../sipreg-analyzer/src/test/resources/captures");

    @RegisterExtension
    final StandardStreams streams = new StandardStreams();

    @Test
    void printsLaddersDiagnosisAndSummary() {
        int exit = Main.run("analyze", CAPTURES.resolve("baresip-firewall-no-response.pcap").toString());
        assertThat(exit).isZero();
        assertThat(stdout()).contains("|------ REGISTER ------>|", "[no-response] The phone re-sent REGISTER 11 times",
                "Outcomes: no-response 1");
    }

    @Test
    void printsOneJsonDocument() throws IOException {
        int exit = Main.run("analyze", "--json", CAPTURES.resolve("sipp-sipreg-wrong-password-sll2.pcap").toString());
        assertThat(exit).isZero();
        var doc = new ObjectMapper().readTree(stdout());
        assertThat(doc.get("registrations").get(0).get("outcome").asText()).isEqualTo("wrong-credentials");
        assertThat(doc.get("findings").get(0).get("code").asText()).isEqualTo("wrong-credentials");
    }

    @Test
    void writesTheHtmlReport(@TempDir Path dir) throws IOException {
        Path html = dir.resolve("report.html");
        int exit = Main.run("analyze", "--html", html.toString(), CAPTURES.resolve("keepalive-ok.pcap").toString());
        assertThat(exit).isZero();
        assertThat(Files.readString(html)).contains("<svg class=\"ladder\"", "keepalive-ok");
    }

    @Test
    void refusesWhatIsNotACaptureWithOneLine(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello");
        int exit = Main.run("analyze", text.toString());
        assertThat(exit).isEqualTo(2);
        assertThat(stderr()).isEqualTo("sipreg: " + text + ": not a pcap or pcapng file (starts with 68 65 6c 6c)\n");
        assertThat(Main.run("analyze", dir.resolve("missing.pcap").toString())).isEqualTo(2);
        assertThat(stderr()).endsWith("sipreg: " + dir.resolve("missing.pcap") + ": no such file\n");
    }

    @Test
    void analyzesADamagedFileAndSaysWhere() {
        int exit = Main.run("analyze", CAPTURES.resolve("variants/truncated.pcap").toString());
        assertThat(exit).isZero();
        assertThat(stdout()).contains("[capture-damaged] The capture file is damaged at byte", "file ends inside frame 8");
        assertThat(stderr()).isEmpty();
    }

    @Test
    void refusesAPortOutOfRange() {
        assertThat(Main.run("analyze", "--port", "70000", CAPTURES.resolve("keepalive-ok.pcap").toString())).isEqualTo(2);
        assertThat(stderr()).contains("--port 70000");
    }

    private String stdout() {
        return streams.out();
    }

    private String stderr() {
        return streams.err();
    }
}
