package io.sipreg.cli.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The output of a child process, drained line by line on a daemon thread so the child never
 * blocks on a full pipe, kept for assertion messages, and searchable while it grows.
 */
final class CapturedOutput {

    /** Terminal colours, as baresip prints its errors in red. */
    private static final Pattern ANSI_ESCAPE = Pattern.compile("\u001B\\[[;\\d]*m");

    private final List<String> lines = new ArrayList<>();
    private boolean ended;

    private CapturedOutput() {}

    static CapturedOutput drain(InputStream stream, String threadName) {
        CapturedOutput output = new CapturedOutput();
        Thread reader = new Thread(() -> output.readAll(stream), threadName);
        reader.setDaemon(true);
        reader.start();
        return output;
    }

    private void readAll(InputStream stream) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                append(ANSI_ESCAPE.matcher(line).replaceAll(""));
            }
        } catch (IOException streamClosed) {
            // The process is gone; what was read so far is all there is.
        } finally {
            end();
        }
    }

    private synchronized void append(String line) {
        lines.add(line);
        notifyAll();
    }

    private synchronized void end() {
        ended = true;
        notifyAll();
    }

    /**
     * Waits until a line contains a match of {@code pattern}, searching from the first line.
     * Empty if the timeout passes or the stream ends first.
     */
    synchronized Optional<MatchResult> awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int searched = 0;
        while (true) {
            for (; searched < lines.size(); searched++) {
                Matcher matcher = pattern.matcher(lines.get(searched));
                if (matcher.find()) {
                    return Optional.of(matcher.toMatchResult());
                }
            }
            long remaining = deadline - System.nanoTime();
            if (ended || remaining <= 0) {
                return Optional.empty();
            }
            wait(Math.max(1, remaining / 1_000_000));
        }
    }

    /**
     * Waits until {@code count} lines contain a match of {@code pattern}, counting from the first line. False if
     * the timeout passes or the stream ends first.
     */
    synchronized boolean awaitLines(Pattern pattern, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int searched = 0;
        int found = 0;
        while (true) {
            for (; searched < lines.size(); searched++) {
                if (pattern.matcher(lines.get(searched)).find() && ++found >= count) {
                    return true;
                }
            }
            long remaining = deadline - System.nanoTime();
            if (ended || remaining <= 0) {
                return false;
            }
            wait(Math.max(1, remaining / 1_000_000));
        }
    }

    /** Waits up to {@code timeout} for the stream to end, so the last lines are in. */
    synchronized void awaitEnd(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ended) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return;
            }
            wait(Math.max(1, remaining / 1_000_000));
        }
    }

    synchronized String text() {
        return String.join("\n", lines);
    }
}
