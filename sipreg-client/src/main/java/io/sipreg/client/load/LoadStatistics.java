package io.sipreg.client.load;

import io.sipreg.client.RegistrationOutcome;
import io.sipreg.client.RegistrationResult;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counts of a load run, read one interval at a time: exchanges started, their outcomes, and the latency of
 * successful ones (first REGISTER to 200, the challenge round trip included). Thread-safe.
 */
public final class LoadStatistics {
    /** One interval's figures. */
    public record Interval(long attempts, long successes, Map<RegistrationOutcome, Long> failures,
                           double p50Millis, double p99Millis, double maxMillis) {
        public long failed() {
            return failures.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static final RegistrationOutcome[] OUTCOMES = RegistrationOutcome.values();

    private final LongAdder attempts = new LongAdder();
    private final AtomicLongArray outcomes = new AtomicLongArray(OUTCOMES.length);
    /** Microseconds, 1 µs to 10 min at 3 significant digits. */
    private final Recorder latency = new Recorder(600_000_000L, 3);
    private final long[] lastOutcomes = new long[OUTCOMES.length];
    private long lastAttempts;
    private final Histogram total = new Histogram(600_000_000L, 3);

    void started() {
        attempts.increment();
    }

    void finished(RegistrationResult result) {
        outcomes.incrementAndGet(result.outcome().ordinal());
        if (result.outcome().isSuccess()) {
            latency.recordValue(Math.max(1, result.elapsed().toNanos() / 1_000));
        }
    }

    /** The figures since the previous call; call from one thread. */
    public synchronized Interval interval() {
        long nowAttempts = attempts.sum();
        long started = nowAttempts - lastAttempts;
        lastAttempts = nowAttempts;
        long ok = 0;
        var failures = new EnumMap<RegistrationOutcome, Long>(RegistrationOutcome.class);
        for (RegistrationOutcome outcome : OUTCOMES) {
            long now = outcomes.get(outcome.ordinal());
            long delta = now - lastOutcomes[outcome.ordinal()];
            lastOutcomes[outcome.ordinal()] = now;
            if (outcome.isSuccess()) {
                ok += delta;
            } else if (delta > 0) {
                failures.put(outcome, delta);
            }
        }
        Histogram histogram = latency.getIntervalHistogram();
        total.add(histogram);
        return new Interval(started, ok, failures, histogram.getValueAtPercentile(50) / 1000.0,
                histogram.getValueAtPercentile(99) / 1000.0, histogram.getMaxValue() / 1000.0);
    }

    /** Latency percentile over every interval read so far, in milliseconds. */
    public synchronized double totalPercentileMillis(double percentile) {
        return total.getValueAtPercentile(percentile) / 1000.0;
    }

    public long totalAttempts() {
        return attempts.sum();
    }

    public long total(RegistrationOutcome outcome) {
        return outcomes.get(outcome.ordinal());
    }
}
