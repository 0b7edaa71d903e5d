package io.sipreg.registrar;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How the registrar keeps NAT bindings open and finds dead devices.
 *
 * @param mode     which bindings get keepalives
 * @param interval time between two OPTIONS to one binding (the seed's provider uses 30 s); also the Flow-Timer
 *                 offered to RFC 5626 outbound clients and the longest an OPTIONS waits for its answer
 * @param failures consecutive unanswered OPTIONS after which the binding is removed
 */
public record KeepalivePolicy(KeepaliveMode mode, Duration interval, int failures) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    public static final int DEFAULT_FAILURES = 3;

    public KeepalivePolicy {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(interval, "interval");
    }

    /** NAT bindings, every 30 s, removed after 3 unanswered OPTIONS. */
    public static KeepalivePolicy defaults() {
        return new KeepalivePolicy(KeepaliveMode.NAT, DEFAULT_INTERVAL, DEFAULT_FAILURES);
    }

    /** Every problem, each naming its field; empty when the policy is usable. */
    public List<String> validate() {
        var problems = new ArrayList<String>();
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add("interval must be at least 1 second, was " + interval.toMillis() + " ms");
        }
        if (failures < 1) {
            problems.add("failures must be >= 1, was " + failures);
        }
        return problems;
    }
}
