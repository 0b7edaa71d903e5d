package io.sipreg.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

/**
 * sipreg itself, as an operator runs it: {@code io.sipreg.cli.Main} in a JVM of its own, on the
 * test's classpath.
 *
 * <p>The contract with {@code serve}: once a listener is bound, it prints one line
 * {@code listening <transport> <host>:<port>} with the port actually bound, so {@code :0} works.
 */
final class ServerProcess implements AutoCloseable {

    private static final String MAIN = "io.sipreg.cli.Main";
    private static final Duration STARTUP = Duration.ofSeconds(30);
    private static final Duration COMMAND = Duration.ofSeconds(60);

    private final Process process;
    private final CapturedOutput output;
    private final int udpPort;
    private final int tcpPort;

    private ServerProcess(Process process, CapturedOutput output, int udpPort, int tcpPort) {
        this.process = process;
        this.output = output;
        this.udpPort = udpPort;
        this.tcpPort = tcpPort;
    }

    /**
     * Runs {@code serve --data DIR --domain DOMAIN --listen udp:127.0.0.1:0 --listen tcp:127.0.0.1:0}
     * plus {@code extraArguments}, and returns once both listeners have reported their ports.
     */
    static ServerProcess serve(Path data, String domain, String... extraArguments) {
        List<String> arguments = new ArrayList<>(List.of("serve",
                "--data", data.toString(),
                "--domain", domain,
                "--listen", "udp:127.0.0.1:0",
                "--listen", "tcp:127.0.0.1:0"));
        arguments.addAll(List.of(extraArguments));
        return start(javaCommand(arguments));
    }

    /**
     * Runs {@code serve --data DIR --domain DOMAIN} plus {@code arguments}, where the arguments or a config file
     * name its UDP and TCP listeners, inside network namespace {@code namespace} ({@code ip netns exec}), or here
     * when it is null; returns once both listeners have reported their ports.
     */
    static ServerProcess serveIn(String namespace, Path data, String domain, String... arguments) {
        List<String> serve = new ArrayList<>(List.of("serve", "--data", data.toString(), "--domain", domain));
        serve.addAll(List.of(arguments));
        List<String> command = javaCommand(serve);
        return start(namespace == null ? command : NatNetwork.inNamespace(namespace, command));
    }

    /**
     * As {@link #serve(Path, String, String...)}, with options for the server's JVM (such as {@code -Xmx256m}) and
     * variables for its environment (such as {@code SIPREG_LOG_LEVEL}).
     */
    static ServerProcess serve(List<String> jvmOptions, java.util.Map<String, String> environment, Path data,
                               String domain, String... extraArguments) {
        List<String> arguments = new ArrayList<>(List.of("serve",
                "--data", data.toString(),
                "--domain", domain,
                "--listen", "udp:127.0.0.1:0",
                "--listen", "tcp:127.0.0.1:0"));
        arguments.addAll(List.of(extraArguments));
        List<String> command = new ArrayList<>(javaCommand(arguments));
        command.addAll(1, jvmOptions);
        return start(command, environment);
    }

    private static ServerProcess start(List<String> command) {
        return start(command, java.util.Map.of());
    }

    private static ServerProcess start(List<String> command, java.util.Map<String, String> environment) {
        try {
            var builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getOutputStream().close();
            CapturedOutput output = CapturedOutput.drain(process.getInputStream(), "sipreg serve");
            int udpPort = awaitListening(process, output, "udp", command);
            int tcpPort = awaitListening(process, output, "tcp", command);
            return new ServerProcess(process, output, udpPort, tcpPort);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for sipreg to listen", e);
        }
    }

    /**
     * Runs another sipreg command to completion, e.g.
     * {@code run("users", "add", "alice", "--domain", "example.test", "--password", "secret", "--data", dir)}.
     */
    static CommandResult run(String... arguments) {
        // A one-shot command: the C1 compiler alone and the serial collector start the JVM fastest.
        List<String> command = new ArrayList<>(javaCommand(List.of(arguments)));
        command.addAll(1, List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
        try {
            Process process = new ProcessBuilder(command).start();
            process.getOutputStream().close();
            CapturedOutput stdout = CapturedOutput.drain(process.getInputStream(), "sipreg stdout");
            CapturedOutput stderr = CapturedOutput.drain(process.getErrorStream(), "sipreg stderr");
            if (!process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("sipreg " + String.join(" ", arguments) + " did not finish within "
                        + COMMAND + "\n--- stdout ---\n" + stdout.text() + "\n--- stderr ---\n" + stderr.text());
            }
            stdout.awaitEnd(Duration.ofSeconds(5));
            stderr.awaitEnd(Duration.ofSeconds(5));
            return new CommandResult(process.exitValue(), stdout.text(), stderr.text());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running sipreg " + String.join(" ", arguments), e);
        }
    }

    int udpPort() {
        return udpPort;
    }

    int tcpPort() {
        return tcpPort;
    }

    int port(Transport transport) {
        return transport == Transport.UDP ? udpPort : tcpPort;
    }

    /** Everything the server printed so far, stdout and stderr interleaved. */
    String output() {
        return output.text();
    }

    /** Waits for a line of the server's output with a match of {@code pattern}; empty if none comes in time. */
    Optional<MatchResult> awaitOutput(Pattern pattern, Duration timeout) {
        try {
            return output.awaitLine(pattern, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for sipreg output", e);
        }
    }

    /** The server's process id (the JVM's own, also under {@code ip netns exec}, which execs it). */
    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGTERM, as an init system stops it; waits for the exit and returns the exit code (143
     * when the JVM exits on the signal). Sent through {@link ProcessHandle}, because
     * {@link Process#destroy()} also closes our end of the pipe and the shutdown log is lost.
     */
    int stop() {
        process.toHandle().destroy();
        return awaitExit();
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed on the way out. Returns 137. */
    int kill9() {
        process.toHandle().destroyForcibly();
        return awaitExit();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
    }

    private int awaitExit() {
        try {
            return awaitExit(process, output);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for sipreg to exit", e);
        }
    }

    private static int awaitExit(Process process, CapturedOutput output) throws InterruptedException {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.toHandle().destroyForcibly();
            process.waitFor();
        }
        output.awaitEnd(Duration.ofSeconds(2));
        return process.exitValue();
    }

    /** The port of the {@code listening <transport> HOST:PORT} line; kills the server if none comes. */
    private static int awaitListening(Process process, CapturedOutput output, String transport, List<String> command)
            throws InterruptedException {
        Pattern listening = Pattern.compile("^listening " + transport + " (\\S+):(\\d+)$");
        Optional<MatchResult> line = output.awaitLine(listening, STARTUP);
        if (line.isEmpty()) {
            String state = process.isAlive() ? "was still running" : "had exited with " + process.exitValue();
            process.toHandle().destroyForcibly();
            awaitExit(process, output);
            throw new AssertionError("sipreg serve printed no 'listening " + transport + " HOST:PORT' line within "
                    + STARTUP + " and " + state + "\ncommand: " + String.join(" ", command) + "\n" + output.text());
        }
        return Integer.parseInt(line.get().group(2));
    }

    /** The test JVM's own classpath: under Maven it holds sipreg-cli and all its dependencies. */
    static List<String> javaCommand(List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                MAIN));
        command.addAll(arguments);
        return command;
    }
}
