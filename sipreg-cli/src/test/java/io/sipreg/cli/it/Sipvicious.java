package io.sipreg.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The SIPVicious scanners an attacker points at a registrar on a public address (Debian package {@code sipvicious}):
 * {@code svwar} enumerates extensions, {@code svcrack} guesses a password. Always bound to a free loopback port
 * ({@code -b 127.0.0.1 -P PORT}), never to their default 5060.
 */
final class Sipvicious {

    /** What a run printed (stdout and stderr, where its logging goes) and its exit code. */
    record Run(List<String> command, int exitCode, String output) {
        @Override
        public String toString() {
            return String.join(" ", command) + " exited " + exitCode + "\n" + output;
        }
    }

    private Sipvicious() {}

    /** {@code svwar -e RANGE [ARGUMENTS] 127.0.0.1 -p PORT}. */
    static Run svwar(int port, String range, String... arguments) {
        List<String> command = new ArrayList<>(List.of("svwar", "-e" + range));
        command.addAll(List.of(arguments));
        return run(command, port);
    }

    /** {@code svcrack -u USER -d DICTIONARY 127.0.0.1 -p PORT}. */
    static Run svcrack(int port, String user, Path dictionary) {
        return run(new ArrayList<>(List.of("svcrack", "-u", user, "-d", dictionary.toString())), port);
    }

    private static Run run(List<String> command, int port) {
        command.addAll(List.of("-b", "127.0.0.1", "-P", Integer.toString(Ports.freeUdpAndTcp()),
                "127.0.0.1", "-p", Integer.toString(port)));
        try {
            Path directory = WorkDirectory.create(command.get(0) + "-");
            Path out = directory.resolve("output.txt");
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(Duration.ofMinutes(3).toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", command) + " ran for more than 3 minutes\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Run(List.copyOf(command), process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command.get(0), e);
        }
    }
}
