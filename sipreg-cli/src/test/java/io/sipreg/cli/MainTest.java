package io.sipreg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The top-level command: a run that names its subcommand builds only that one, so what the other runs show (help,
 * suggestions for a typo, the help command) must still know every subcommand.
 */
class MainTest {
    private static final String[] COMMANDS = {"serve", "users", "bindings", "blocks", "register", "analyze", "tls"};

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    @Test
    void helpListsEveryCommand() {
        assertThat(Main.run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(COMMANDS).contains("help");
    }

    @Test
    void aMistypedCommandIsNamedWithTheNearestOnes() {
        assertThat(Main.run("analyse", "x.pcap")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Unmatched argument", "'analyse'",
                "Did you mean: sipreg analyze");
    }

    @Test
    void theHelpCommandKnowsEveryCommand() {
        assertThat(Main.run("help", "tls")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: sipreg tls");
    }

    @Test
    void aNamedCommandRunsWithItsOwnUsage() {
        assertThat(Main.run("users", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: sipreg users", "add", "import", "list",
                "remove");
    }
}
