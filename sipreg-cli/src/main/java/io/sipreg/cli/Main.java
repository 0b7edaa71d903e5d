package io.sipreg.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sipreg} command: wiring of every module, and nothing else. */
@Command(name = "sipreg",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "SIP registrar, registration client and troubleshooting tool.")
public final class Main {
    /** In the order {@code sipreg --help} lists them. */
    private static final List<Class<?>> SUBCOMMANDS = List.of(ServeCommand.class, UsersCommand.class,
            BindingsCommand.class, BlocksCommand.class, RegisterCommand.class, AnalyzeCommand.class, TlsCommand.class,
            CommandLine.HelpCommand.class);

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
        // picocli builds the model of a subcommand, and of every option type it names, by reflection: for all of
        // them that took about 200 ms of each run. A run that names its subcommand first gets that one only; any
        // other (help, --version, a typo that picocli should name) gets them all.
        Class<?> named = args.length == 0 ? null : SUBCOMMANDS.stream()
                .filter(c -> c != CommandLine.HelpCommand.class
                        && c.getAnnotation(Command.class).name().equals(args[0]))
                .findFirst().orElse(null);
        for (Class<?> subcommand : named == null ? SUBCOMMANDS : List.of(named)) {
            commandLine.addSubcommand(subcommand);
        }
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
