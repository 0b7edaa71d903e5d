package io.sipreg.analyzer;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The human-readable report: per conversation a ladder and a plain-language diagnosis, printed as soon as the
 * conversation is concluded, then a summary of the file.
 */
public final class TextReport implements AnalysisListener {
    private static final int WRAP = 110;

    private final PrintStream out;
    private final List<Finding> fileFindings = new ArrayList<>();
    private int number;

    public TextReport(PrintStream out) {
        this.out = out;
    }

    @Override
    public void start(String file, String format) {
        number = 0;
        fileFindings.clear();
        out.println("Capture " + file + " (" + format + ")");
        out.println();
    }

    @Override
    public void conversation(Conversation c) {
        number++;
        String when = Instant.ofEpochSecond(0, c.events().get(0).timeNanos()).toString();
        out.println("#" + number + " " + c.title());
        out.println("   " + when + "   outcome: " + c.outcome()
                + (c.challenge() > 0 ? "   challenge: " + c.challenge() : "")
                + (c.setupMs() >= 0 ? "   setup: " + c.setupMs() + " ms" : ""));
        out.println();
        for (String line : LadderPrinter.draw(c)) {
            out.println(line);
        }
        out.println();
        printFindings(c.findings());
        out.println();
    }

    @Override
    public void finding(Finding f) {
        fileFindings.add(f);
    }

    @Override
    public void waiting() {
        out.flush();
    }

    @Override
    public void end(Summary s) {
        if (!fileFindings.isEmpty()) {
            out.println("About the file:");
            printFindings(fileFindings);
            out.println();
        }
        out.println("Summary of " + s.file() + ": " + s.packets() + " packets, " + s.bytes() + " bytes, "
                + s.sipMessages() + " SIP messages"
                + (s.packets() > 0 ? ", " + Diagnosis.duration(s.lastNanos() - s.firstNanos()) + " of traffic" : "") + ".");
        out.println("  Outcomes: " + (s.outcomes().isEmpty() ? "no registration or keepalive found" : counts(s.outcomes())));
        if (!s.findings().isEmpty()) {
            out.println("  Findings: " + counts(s.findings()));
            out.println("  Severity: " + s.severities().getOrDefault(Severity.ERROR, 0L) + " error, "
                    + s.severities().getOrDefault(Severity.WARNING, 0L) + " warning, "
                    + s.severities().getOrDefault(Severity.INFO, 0L) + " info");
        }
        for (CaptureDamage d : s.damage()) {
            out.println("  Damage " + d);
        }
        for (String note : s.notes()) {
            out.println("  " + note);
        }
        out.println();
        out.flush();
    }

    private void printFindings(List<Finding> findings) {
        for (Finding f : findings) {
            String severity = f.severity().lowerCase();
            String head = "  " + severity + " ".repeat(Math.max(0, 7 - severity.length())) + " [" + f.code() + "] ";
            List<String> lines = wrap(f.message() + (f.frames().isEmpty() ? "" : " (frames " + frames(f.frames()) + ")"),
                    WRAP - head.length());
            out.println(head + lines.get(0));
            for (int i = 1; i < lines.size(); i++) {
                out.println(" ".repeat(head.length()) + lines.get(i));
            }
        }
    }

    private static String frames(List<Long> frames) {
        if (frames.size() <= 12) {
            return String.join(", ", frames.stream().map(String::valueOf).toList());
        }
        return frames.get(0) + ", " + frames.get(1) + ", ... " + frames.get(frames.size() - 1) + "; " + frames.size() + " in all";
    }

    private static String counts(Map<String, Long> counts) {
        var parts = new ArrayList<String>();
        new TreeMap<>(counts).forEach((k, v) -> parts.add(k + " " + v));
        return String.join(", ", parts);
    }

    private static List<String> wrap(String text, int width) {
        var lines = new ArrayList<String>();
        var line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }
}
