package io.sipreg.registrar;

/**
 * A count that fades: every event adds one, and the total halves every half-life, continuously. Five failures in
 * a minute with a half-life of two minutes count nearly five; one failure a minute for ever settles near 3.4 and
 * never reaches five. Unlike a fixed window it has no edge to time an attack against, and it needs two numbers.
 * Not thread-safe: the owner synchronizes.
 */
final class DecayingCounter {
    private final double halfLifeMillis;
    private double value;
    private long updatedAt;

    DecayingCounter(long halfLifeMillis) {
        if (halfLifeMillis <= 0) {
            throw new IllegalArgumentException("half-life must be positive, was " + halfLifeMillis + " ms");
        }
        this.halfLifeMillis = halfLifeMillis;
    }

    /** Adds one event at {@code nowMillis}; returns the new value. */
    double add(long nowMillis) {
        value = value(nowMillis) + 1;
        updatedAt = nowMillis;
        return value;
    }

    /** The value at {@code nowMillis}. A clock that went back decays nothing. */
    double value(long nowMillis) {
        long elapsed = nowMillis - updatedAt;
        if (value == 0 || elapsed <= 0) {
            return value;
        }
        return value * Math.pow(0.5, elapsed / halfLifeMillis);
    }

    void reset() {
        value = 0;
    }
}
