package io.sipreg.analyzer;

import java.util.List;
import java.util.Objects;

/**
 * One thing the analyzer concluded, phrased for the engineer reading it, with the frames that show it.
 *
 * @param code a stable identifier (e.g. {@code no-response}, {@code wrong-credentials}) for scripts and tests
 */
public record Finding(String code, Severity severity, String message, List<Long> frames) {
    public Finding {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
        frames = List.copyOf(frames);
    }
}
