package io.sipreg.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sipreg} command: wiring of every module, and nothing else. */
@Command(name = "sipreg",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "SIP registrar, registration client and troubleshooting tool.",
        subcommands = {ServeCommand.class, UsersCommand.class, BindingsCommand.class, RegisterCommand.class,
                AnalyzeCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
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
