package io.sipreg.transaction;

import java.time.Duration;
import java.util.Objects;

/**
 * Server transaction settings.
 *
 * @param t1 RFC 3261 §17.1.1.1 T1, the RTT estimate; Timer J is 64*T1
 * @param maxTransactions transactions waiting for their answer (Trying, and Completed until the response is sent)
 *     at once; a new request beyond it is answered 503 without creating one. It also sizes the room of Completed
 *     transactions over UDP, kept as bytes until Timer J ({@link #maxCompletedBytes}): at 20,000 registrations/s
 *     (each with a 200 OK to keep) 32 s of them are about 640,000
 * @param retryAfterSeconds the Retry-After of that 503 (RFC 3261 §21.5.4)
 */
public record TransactionConfig(Duration t1, int maxTransactions, int retryAfterSeconds) {
    public TransactionConfig {
        Objects.requireNonNull(t1, "t1");
        if (t1.isNegative() || t1.isZero()) {
            throw new IllegalArgumentException("transaction.t1 must be > 0, was " + t1);
        }
        if (maxTransactions <= 0) {
            throw new IllegalArgumentException("transaction.max-transactions must be > 0, was " + maxTransactions);
        }
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("transaction.retry-after must be >= 0, was " + retryAfterSeconds);
        }
    }

    /** T1 = 500 ms (RFC 3261 §17.1.1.1), room for 1,000,000 transactions, Retry-After: 5. */
    public static TransactionConfig defaults() {
        return new TransactionConfig(Duration.ofMillis(500), 1_000_000, 5);
    }

    public TransactionConfig withMaxTransactions(int max) {
        return new TransactionConfig(t1, max, retryAfterSeconds);
    }

    public TransactionConfig withRetryAfterSeconds(int seconds) {
        return new TransactionConfig(t1, maxTransactions, seconds);
    }

    /**
     * Room for the responses that Completed transactions over UDP keep for Timer J: 1 KiB each on average for
     * {@link #maxTransactions} of them (a 200 OK with one binding is about half that), and at least 2 MiB.
     */
    public long maxCompletedBytes() {
        return Math.max(2L << 20, maxTransactions * 1024L);
    }

    /** RFC 3261 §17.2.2: how long a completed non-INVITE server transaction over UDP absorbs retransmissions. */
    public Duration timerJ() {
        return t1.multipliedBy(64);
    }
}
