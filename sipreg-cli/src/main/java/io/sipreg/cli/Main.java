package io.sipreg.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sipreg} command: wiring of every module, and nothing else. */
@Command(name = "sipreg",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "SIP registrar, registration client and troubleshooting tool.",
        subcommands = {ServeCommand.class, UsersCommand.class, BindingsCommand.class, BlocksCommand.class,
                RegisterCommand.class, AnalyzeCommand.class, TlsCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        // Netty 4.2 emits JFR events for buffer allocation; loading them delays the first send of a fresh process
        // by a few hundred milliseconds, which a registration client shows as a late first REGISTER.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        System.exit(run(args));
    }

    static int run(String... args) {
        var commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler((ex, cl, parseResult) -> {
            if (ex instanceof UserError error) {
                cl.getErr().println("sipreg: " + error.getMessage());
                return error.exitCode();
            }
            throw ex;
        });
        return commandLine.execute(args);
    }
}
