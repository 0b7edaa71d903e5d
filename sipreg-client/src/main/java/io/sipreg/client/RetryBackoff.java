package io.sipreg.client;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long to wait before registering again after failures, RFC 5626 §4.5: wait-time = min(max-time,
 * base-time * 2^consecutive-failures), then a random time between 50 % and 100 % of it, so that devices that
 * lost their registrar together do not all come back in the same second. Base 30 s when every flow failed, 90 s
 * when another still works; max 1800 s.
 */
public final class RetryBackoff {
    public static final Duration ALL_FLOWS_FAILED_BASE = Duration.ofSeconds(30);
    public static final Duration SOME_FLOWS_OK_BASE = Duration.ofSeconds(90);
    public static final Duration DEFAULT_MAX = Duration.ofSeconds(1800);

    private final Duration base;
    private final Duration max;
    private final RandomGenerator random;

    public RetryBackoff(Duration base, Duration max, RandomGenerator random) {
        this.base = Objects.requireNonNull(base, "base");
        this.max = Objects.requireNonNull(max, "max");
        this.random = Objects.requireNonNull(random, "random");
        if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("back-off needs 0 < base <= max, was base " + base + ", max " + max);
        }
    }

    /** The single-flow default: base 30 s, max 1800 s. */
    public static RetryBackoff standard() {
        return new RetryBackoff(ALL_FLOWS_FAILED_BASE, DEFAULT_MAX, RandomGenerator.getDefault());
    }

    /** The upper bound for {@code consecutiveFailures} (at least 1): min(max, base * 2^failures). */
    public Duration ceiling(int consecutiveFailures) {
        int exponent = Math.min(Math.max(consecutiveFailures, 1), 30);
        long millis = base.toMillis() << exponent;
        return millis <= 0 || millis > max.toMillis() ? max : Duration.ofMillis(millis);
    }

    /** A random wait between half the ceiling and the ceiling. */
    public Duration next(int consecutiveFailures) {
        long ceiling = ceiling(consecutiveFailures).toMillis();
        long low = ceiling / 2;
        return Duration.ofMillis(low + random.nextLong(ceiling - low + 1));
    }
}
