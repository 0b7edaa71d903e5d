package io.sipreg.cli;

import io.sipreg.client.RegistrarNotFoundException;
import io.sipreg.client.RegistrarTarget;
import io.sipreg.client.RegistrationOutcome;
import io.sipreg.client.UserAgent;
import io.sipreg.client.load.AccountSource;
import io.sipreg.client.load.LoadGenerator;
import io.sipreg.client.load.LoadStatistics;
import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/** {@code sipreg register --load N --rate R}: many accounts, figures every second. */
final class LoadOptions {
    /** Exit status when some accounts were not registered at the end of a load run. */
    static final int LOAD_INCOMPLETE = 11;

    @Option(names = "--load", paramLabel = "N", required = true,
            description = "Register N accounts: the AOR is a template with {n}, e.g. user{n}@example.com.")
    int accounts;

    @Option(names = "--rate", paramLabel = "R", defaultValue = "100",
            description = "New registrations per second (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--ramp", paramLabel = "SECONDS", defaultValue = "3",
            description = "Grow the rate from 0 to R over this long, so the JVM's JIT is warm when the full rate"
                    + " arrives (default ${DEFAULT-VALUE}; 0 starts at full rate).")
    double rampSeconds;

    @Option(names = "--first", paramLabel = "N", defaultValue = "1",
            description = "The first account number {n} (default ${DEFAULT-VALUE}).")
    int first;

    @Option(names = "--password-template", paramLabel = "TEMPLATE",
            description = "Password of account {n}, e.g. secret{n} (or give --accounts).")
    String passwordTemplate;

    @Option(names = "--accounts", paramLabel = "FILE.csv",
            description = "Accounts from a CSV file, one per line: aor,password[,authuser]; the first N are used and"
                    + " the AOR argument is ignored.")
    Path accountsFile;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
            description = "Stop (and unregister) after this long; 0 runs until Ctrl-C (default ${DEFAULT-VALUE}).")
    int durationSeconds;

    @Option(names = "--flows", paramLabel = "K", defaultValue = "2",
            description = "Sockets (UDP) or connections (TCP) the accounts are spread over (default"
                    + " ${DEFAULT-VALUE}).")
    int flowCount;

    @Option(names = "--no-unregister", description = "Leave the bindings in place when stopping.")
    boolean keepBindings;

    int run(RegisterCommand command, Optional<Transport> transport, RegisterCommand.HostPort where)
            throws InterruptedException {
        if (accounts < 1 || !(rate > 0) || flowCount < 1 || durationSeconds < 0 || !(rampSeconds >= 0)) {
            throw new UserError("need --load >= 1, --rate > 0, --flows >= 1, --duration >= 0 and --ramp >= 0");
        }
        AccountSource source = accountSource(command);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (where == null) {
            where = new RegisterCommand.HostPort(source.account(0).aor().host(), OptionalInt.empty());
        }
        RegistrarTarget target;
        try {
            target = command.locator().locate(where.host(), where.port(), transport).get(0);
        } catch (RegistrarNotFoundException e) {
            out.println(RegistrationOutcome.DNS_FAILURE.meaning() + "\n  " + e.getMessage());
            return RegistrationOutcome.DNS_FAILURE.exitCode();
        }
        int threads = Math.max(1, Math.min(flowCount, Runtime.getRuntime().availableProcessors()));
        try (UserAgent agent = UserAgent.start(command.userAgentConfig().withIoThreads(threads))) {
            var flows = new ArrayList<Flow>();
            for (int i = 0; i < flowCount; i++) {
                try {
                    flows.add(agent.open(target, command.localAddress(target), (f, cause) -> { })
                            .get(15, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    out.println(RegistrationOutcome.PORT_UNREACHABLE.meaning() + "\n  cannot open a flow to "
                            + target + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
                    return RegistrationOutcome.PORT_UNREACHABLE.exitCode();
                }
            }
            out.printf("load: %d accounts at %.0f/s (ramp %.1f s) to %s over %d %s flow(s), expires %d%n",
                    source.size(), rate, rampSeconds, target, flows.size(), target.transport().token(),
                    command.expires);
            var generator = new LoadGenerator(agent, flows, source, command.expires, rate,
                    Duration.ofMillis((long) (rampSeconds * 1000)), command.backoff());
            return report(generator, agent, out);
        }
    }

    private AccountSource accountSource(RegisterCommand command) {
        try {
            if (accountsFile != null) {
                AccountSource all = AccountSource.csv(accountsFile);
                if (all.size() < accounts) {
                    throw new UserError(accountsFile + ": " + all.size() + " accounts, --load asks for " + accounts);
                }
                return AccountSource.firstOf(all, accounts);
            }
            if (passwordTemplate == null) {
                throw new UserError("load mode needs --password-template TEMPLATE or --accounts FILE.csv");
            }
            return AccountSource.templates(command.aor, command.authUser, passwordTemplate, first, accounts);
        } catch (IOException e) {
            throw new UserError(accountsFile + ": cannot read: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** One line per second until the duration ends or Ctrl-C, then the totals. */
    private int report(LoadGenerator generator, UserAgent agent, PrintStream out) throws InterruptedException {
        var stop = StopSignals.latch();
        out.println("    time  attempts/s   ok/s  failed/s  p50 ms  p99 ms  registered  OPTIONS answered  failures");
        generator.start();
        long start = System.nanoTime();
        long deadline = durationSeconds == 0 ? Long.MAX_VALUE : start + TimeUnit.SECONDS.toNanos(durationSeconds);
        int second = 0;
        long totalFailed = 0;
        while (true) {
            long nextTick = start + TimeUnit.SECONDS.toNanos(second + 1);
            long wait = Math.min(nextTick, deadline) - System.nanoTime();
            if (wait > 0 && stop.await(wait, TimeUnit.NANOSECONDS)) {
                break;
            }
            second++;
            LoadStatistics.Interval interval = generator.statistics().interval();
            totalFailed += interval.failed();
            out.printf(Locale.ROOT, "%7ds  %10d  %5d  %8d  %6.2f  %6.2f  %10d  %16d  %s%n", second,
                    interval.attempts(), interval.successes(), interval.failed(), interval.p50Millis(),
                    interval.p99Millis(), generator.registered(), agent.optionsAnswered(),
                    describe(interval.failures()));
            if (System.nanoTime() >= deadline) {
                break;
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        LoadStatistics stats = generator.statistics();
        out.printf(Locale.ROOT, "total: %d attempts in %.1f s, %d registered of %d accounts, %d failed exchanges,"
                        + " latency p50 %.2f ms p99 %.2f ms%n", stats.totalAttempts(), elapsed,
                generator.registered(), generator.size(), totalFailed, stats.totalPercentileMillis(50),
                stats.totalPercentileMillis(99));
        boolean allRegistered = generator.gaveUp() == 0 && generator.registered() == generator.size();
        int removed = generator.stop(!keepBindings, Duration.ofSeconds(10));
        if (!keepBindings) {
            out.printf("unregistered %d accounts%n", removed);
        }
        return allRegistered ? 0 : LOAD_INCOMPLETE;
    }

    private static String describe(Map<RegistrationOutcome, Long> failures) {
        return failures.entrySet().stream()
                .map(e -> e.getKey().name().toLowerCase(Locale.ROOT).replace('_', '-') + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
