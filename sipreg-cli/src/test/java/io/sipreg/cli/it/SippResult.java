package io.sipreg.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a SIPp run reported: its exit code (0 when every call succeeded), the successful and
 * failed call counts from the last row of its {@code -stf} statistics, and its traces.
 */
record SippResult(String scenario, List<String> command, int exitCode,
                  int successfulCalls, int failedCalls, Path directory) {

    /** The exit code recorded when the JVM had to kill SIPp. */
    static final int KILLED = -1;

    static final String ERRORS = "errors.log";
    static final String MESSAGES = "messages.log";
    static final String LOGS = "logs.log";
    static final String STATISTICS = "stats.csv";
    static final String SCREEN = "screen.log";

    private static final int MAX_TRACE_CHARS = 30_000;
    private static final Pattern SCREEN_COUNT =
            Pattern.compile("(Successful|Failed) call\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)");

    static SippResult read(String scenario, List<String> command, int exitCode, Path directory) {
        int[] counts = countsFromStatistics(read(directory.resolve(STATISTICS)))
                .orElseGet(() -> countsFromScreen(read(directory.resolve(SCREEN))));
        return new SippResult(scenario, List.copyOf(command), exitCode, counts[0], counts[1], directory);
    }

    /** True when SIPp exited 0 after {@code calls} successful calls and no failed one. */
    boolean succeeded(int calls) {
        return exitCode == 0 && successfulCalls == calls && failedCalls == 0;
    }

    /**
     * Everything needed to diagnose a failed run without re-running it: the command, the
     * counts, SIPp's error log, the scenario's {@code <log>} lines and the SIP messages.
     */
    String report() {
        StringBuilder report = new StringBuilder()
                .append(scenario).append(": sipp exited ").append(exitCode == KILLED ? "(killed)" : exitCode)
                .append(", ").append(successfulCalls).append(" successful and ")
                .append(failedCalls).append(" failed calls\n")
                .append("command: ").append(String.join(" ", command)).append('\n')
                .append("traces in ").append(directory).append('\n');
        section(report, "errors", read(directory.resolve(ERRORS)));
        section(report, "scenario log", read(directory.resolve(LOGS)));
        section(report, "messages", tail(read(directory.resolve(MESSAGES))));
        if (exitCode != 0 && read(directory.resolve(ERRORS)).isBlank()) {
            section(report, "sipp output", tail(read(directory.resolve("stdout.txt"))));
        }
        return report.toString();
    }

    @Override
    public String toString() {
        return report();
    }

    private static void section(StringBuilder report, String title, String text) {
        if (!text.isBlank()) {
            report.append("--- ").append(title).append(" ---\n").append(text.strip()).append('\n');
        }
    }

    private static String tail(String text) {
        return text.length() <= MAX_TRACE_CHARS
                ? text
                : "[... " + (text.length() - MAX_TRACE_CHARS) + " chars cut ...]\n"
                        + text.substring(text.length() - MAX_TRACE_CHARS);
    }

    /**
     * The cumulative ({@code (C)}) successful and failed calls of the last row of the
     * {@code -stf} file, which SIPp writes once more when it exits.
     */
    private static Optional<int[]> countsFromStatistics(String statistics) {
        List<String> rows = statistics.lines().filter(line -> !line.isBlank()).toList();
        if (rows.size() < 2) {
            return Optional.empty();
        }
        List<String> header = List.of(rows.get(0).split(";", -1));
        String[] last = rows.get(rows.size() - 1).split(";", -1);
        int successful = header.indexOf("SuccessfulCall(C)");
        int failed = header.indexOf("FailedCall(C)");
        if (successful < 0 || failed < 0 || last.length <= Math.max(successful, failed)) {
            return Optional.empty();
        }
        return Optional.of(new int[] {Integer.parseInt(last[successful].trim()), Integer.parseInt(last[failed].trim())});
    }

    /** The same counts from the final statistics screen ({@code -trace_screen}). */
    private static int[] countsFromScreen(String screen) {
        int[] counts = {0, 0};
        Matcher matcher = SCREEN_COUNT.matcher(screen);
        while (matcher.find()) {
            counts[matcher.group(1).equals("Successful") ? 0 : 1] = Integer.parseInt(matcher.group(2));
        }
        return counts;
    }

    private static String read(Path file) {
        try {
            // SIPp writes the bytes it sent and received; ISO-8859-1 maps each byte to a char.
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
