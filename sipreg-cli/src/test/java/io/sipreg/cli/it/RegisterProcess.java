package io.sipreg.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

/**
 * {@code sipreg register} without {@code --once}, in a JVM of its own, as a phone stays registered until it is
 * switched off: the test reads its ladder while it grows and stops it with SIGTERM, as an init system would.
 */
final class RegisterProcess implements AutoCloseable {

    private final Process process;
    private final CapturedOutput output;

    private RegisterProcess(Process process, CapturedOutput output) {
        this.process = process;
        this.output = output;
    }

    /** Runs {@code sipreg register ARGUMENTS}; stdout and stderr are read as one. */
    static RegisterProcess start(String... arguments) {
        List<String> register = new ArrayList<>(List.of("register"));
        register.addAll(List.of(arguments));
        List<String> command = ServerProcess.javaCommand(register);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            return new RegisterProcess(process, CapturedOutput.drain(process.getInputStream(), "sipreg register"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
    }

    /** Everything printed so far. */
    String output() {
        return output.text();
    }

    /** The first line with a match of {@code pattern}; empty if none comes in time or the process ends first. */
    Optional<MatchResult> awaitOutput(Pattern pattern, Duration timeout) {
        try {
            return output.awaitLine(pattern, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for sipreg register", e);
        }
    }

    /** Whether {@code count} lines with a match of {@code pattern} come in time. */
    boolean awaitLines(Pattern pattern, int count, Duration timeout) {
        try {
            return output.awaitLines(pattern, count, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for sipreg register", e);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGTERM, then waits for the exit and the last lines; returns the exit code. Sent through
     * {@link ProcessHandle} so our end of the pipe stays open for what it prints on the way out.
     */
    int stop() {
        process.toHandle().destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.toHandle().destroyForcibly();
                process.waitFor();
            }
            output.awaitEnd(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for sipreg register to exit", e);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
    }
}
