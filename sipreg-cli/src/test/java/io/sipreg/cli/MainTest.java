package io.sipreg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The top-level command: a run that names its subcommand builds only that one, so what the other runs show (help,
 * suggestions for a typo, the help command) must still know every subcommand.
 */
class MainTest {
    private static final String[] COMMANDS = {"serve", "users", "bindings", "blocks", "register", "analyze", "tls"};

    @RegisterExtension
    final StandardStreams streams = new StandardStreams();

    @Test
    void helpListsEveryCommand() {
        assertThat(Main.run("--help")).isZero();
        assertThat(streams.out()).contains(COMMANDS).contains("help");
    }

    @Test
    void aMistypedCommandIsNamedWithTheNearestOnes() {
        assertThat(Main.run("analyse", "x.pcap")).isEqualTo(2);
        assertThat(streams.err()).contains("Unmatched argument", "'analyse'",
                "Did you mean: sipreg analyze");
    }

    @Test
    void theHelpCommandKnowsEveryCommand() {
        assertThat(Main.run("help", "tls")).isZero();
        assertThat(streams.out()).contains("Usage: sipreg tls");
    }

    @Test
    void aNamedCommandRunsWithItsOwnUsage() {
        assertThat(Main.run("users", "--help")).isZero();
        assertThat(streams.out()).contains("Usage: sipreg users", "add", "import", "list",
                "remove");
    }
}
