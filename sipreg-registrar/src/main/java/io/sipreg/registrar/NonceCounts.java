package io.sipreg.registrar;

import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The highest nonce-count seen per nonce, so that a captured request cannot be replayed while its nonce is fresh
 * (RFC 7616 §3.4: the server "MUST reject" a repeated nc when it tracks them).
 *
 * <p>Bounded by generations, never by scanning: counts go into the current generation, which is retired when it
 * holds half the capacity, and the retired one before it is dropped whole. A dropped generation whose nonces have
 * all expired costs nothing (they are refused as stale anyway). One dropped while some were fresh moves the
 * {@link #horizon} to the start of the generation kept: a nonce issued before it that is no longer tracked cannot
 * be checked for replay, so its next use is refused (the client gets a fresh nonce) rather than trusted. (Sorting
 * every tracked nonce by age to forget the oldest half, as this once did, took about 9 % of the CPU at 4,000
 * registrations a second.)
 */
final class NonceCounts {
    private record Seen(String realm, long issuedAt, long highest) {
    }

    /** Counts first recorded from {@code since} on; {@code newestIssued} tells when all of them have expired. */
    private static final class Generation {
        final ConcurrentHashMap<String, Seen> seen = new ConcurrentHashMap<>();
        final long since;
        final LongAccumulator newestIssued = new LongAccumulator(Math::max, Long.MIN_VALUE);

        Generation(long since) {
            this.since = since;
        }

        boolean allExpiredAt(long nowMillis, long lifetimeMillis) {
            long newest = newestIssued.get();
            return newest == Long.MIN_VALUE || nowMillis - newest > lifetimeMillis;
        }
    }

    private final int generationSize;
    /** Rotation takes the write lock; recording a count takes the read lock, so none lands in a dropped map. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile Generation current = new Generation(Long.MIN_VALUE);
    private volatile Generation previous = new Generation(Long.MIN_VALUE);
    /** Nonces issued before this (epoch millis) may have been forgotten early. */
    private volatile long horizon = Long.MIN_VALUE;

    NonceCounts(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity must be at least 2");
        }
        this.generationSize = capacity / 2;
    }

    boolean accept(String nonce, String realm, long issuedAt, long nc, long nowMillis, long lifetimeMillis) {
        if (current.seen.size() >= generationSize || !previous.seen.isEmpty()
                && previous.allExpiredAt(nowMillis, lifetimeMillis)) {
            rotate(nowMillis, lifetimeMillis);
        }
        boolean[] accepted = {false};
        lock.readLock().lock();
        try {
            Generation older = previous;
            if (older.seen.containsKey(nonce)) {
                older.seen.computeIfPresent(nonce, (key, seen) -> raise(seen, nc, accepted));
                return accepted[0];
            }
            Generation recording = current;
            recording.seen.compute(nonce, (key, seen) -> {
                if (seen != null) {
                    return raise(seen, nc, accepted);
                }
                if (issuedAt < horizon) {
                    return null;
                }
                accepted[0] = true;
                return new Seen(realm, issuedAt, nc);
            });
            if (accepted[0]) {
                recording.newestIssued.accumulate(issuedAt);
            }
            return accepted[0];
        } finally {
            lock.readLock().unlock();
        }
    }

    private static Seen raise(Seen seen, long nc, boolean[] accepted) {
        if (nc > seen.highest()) {
            accepted[0] = true;
            return new Seen(seen.realm(), seen.issuedAt(), nc);
        }
        return seen;
    }

    private void rotate(long nowMillis, long lifetimeMillis) {
        lock.writeLock().lock();
        try {
            if (previous.allExpiredAt(nowMillis, lifetimeMillis)) {
                previous = new Generation(Long.MIN_VALUE);
            }
            if (current.allExpiredAt(nowMillis, lifetimeMillis)) {
                current = new Generation(nowMillis);
            }
            if (current.seen.size() >= generationSize) {
                if (!previous.seen.isEmpty()) {
                    // Dropped while some of its nonces may be fresh: refuse what it may have tracked.
                    horizon = Math.max(horizon, current.since);
                }
                previous = current;
                current = new Generation(nowMillis);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * When {@code nonce} was issued, if its count is tracked. Entries are only made for nonces whose MAC and digest
     * verified, so a tracked nonce needs no second MAC check.
     */
    OptionalLong issuedAt(String nonce, String realm) {
        Seen s = current.seen.get(nonce);
        if (s == null) {
            s = previous.seen.get(nonce);
        }
        return s == null || !s.realm().equals(realm) ? OptionalLong.empty() : OptionalLong.of(s.issuedAt());
    }

    int size() {
        return current.seen.size() + previous.seen.size();
    }
}
