package io.sipreg.registrar;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the registrar sheds load, judged by how many binding writes wait for the disk (the store's queue), the one
 * resource a registration storm exhausts. Two steps, so that devices that are registered keep their bindings:
 *
 * <ol>
 *   <li>From {@code shedNewAt} waiting writes on, a REGISTER without credentials is answered 503 with Retry-After
 *       instead of a challenge (RFC 3261 §21.5.4). A new device would write a binding once it answered the challenge;
 *       a registered one refreshes with the credentials of its last challenge and is still served.</li>
 *   <li>At {@code capacity} the store takes no more writes: every REGISTER that would change bindings gets the
 *       503.</li>
 * </ol>
 *
 * OPTIONS (keepalives) are always answered. Shedding ends as soon as the queue is below the threshold again. The
 * Retry-After is {@code retryAfterSeconds} plus a random part of as much again, so that devices told to wait do not
 * all come back in the same second.
 */
public final class OverloadControl {
    /** Never sheds (tests, and stores without a queue). */
    public static final OverloadControl NONE = new OverloadControl(() -> 0, Integer.MAX_VALUE, Integer.MAX_VALUE, 5);

    private static final Logger log = LoggerFactory.getLogger(OverloadControl.class);

    private final IntSupplier pendingWrites;
    private final int capacity;
    private final int shedNewAt;
    private final int retryAfterSeconds;
    private final AtomicBoolean shedding = new AtomicBoolean();
    private final LongAdder shedChallenges = new LongAdder();
    private final LongAdder refusedWrites = new LongAdder();

    /**
     * @param pendingWrites writes waiting for the disk now
     * @param capacity      how many may wait; at this many a write is refused
     * @param shedNewAt     waiting writes from which new registrations get 503 instead of a challenge
     */
    public OverloadControl(IntSupplier pendingWrites, int capacity, int shedNewAt, int retryAfterSeconds) {
        if (capacity <= 0 || shedNewAt <= 0 || retryAfterSeconds < 1) {
            throw new IllegalArgumentException("overload thresholds must be positive");
        }
        this.pendingWrites = pendingWrites;
        this.capacity = capacity;
        this.shedNewAt = shedNewAt;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Step 1: a REGISTER that would be challenged is answered 503 instead. */
    boolean shedsChallenges() {
        boolean shed = pendingWrites.getAsInt() >= shedNewAt;
        if (shedding.get() != shed && shedding.compareAndSet(!shed, shed)) {
            if (shed) {
                log.warn("overload: {} binding writes waiting for the disk (threshold {}); new registrations are "
                        + "answered 503 Retry-After, refreshes with credentials are still served", pendingWrites
                        .getAsInt(), shedNewAt);
            } else {
                log.info("overload over: {} binding writes waiting; {} registrations were answered 503 instead of a "
                        + "challenge, {} writes refused as the store was full", pendingWrites.getAsInt(),
                        shedChallenges.sum(), refusedWrites.sum());
            }
        }
        if (shed) {
            shedChallenges.increment();
        }
        return shed;
    }

    /** Step 2: the store is full, a binding write would be refused. */
    boolean storeFull() {
        boolean full = pendingWrites.getAsInt() >= capacity;
        if (full) {
            refusedWrites.increment();
        }
        return full;
    }

    void refusedByStore() {
        refusedWrites.increment();
    }

    /** The Retry-After of one 503: the configured seconds and a random part of as much again. */
    int retryAfter() {
        return retryAfterSeconds + ThreadLocalRandom.current().nextInt(retryAfterSeconds + 1);
    }

    public long shedChallengeCount() {
        return shedChallenges.sum();
    }

    public long refusedWriteCount() {
        return refusedWrites.sum();
    }
}
