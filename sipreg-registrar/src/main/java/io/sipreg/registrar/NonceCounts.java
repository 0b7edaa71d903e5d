package io.sipreg.registrar;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The highest nonce-count seen per nonce, so that a captured request cannot be replayed while its nonce is fresh
 * (RFC 7616 §3.4: the server "MUST reject" a repeated nc when it tracks them). Bounded: when full, entries of expired
 * nonces go first; if that is not enough, the oldest half of the remaining nonces is forgotten and the
 * {@link #horizon} moves past them. A nonce from before the horizon that is no longer tracked cannot be checked for
 * replay, so its next use is refused (the client gets a fresh nonce) rather than trusted.
 */
final class NonceCounts {
    private record Seen(String realm, long issuedAt, long highest) {
    }

    private final ConcurrentHashMap<String, Seen> seen = new ConcurrentHashMap<>();
    private final int capacity;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    /** Nonces issued before this (epoch millis) may have been forgotten early. Set before entries are removed. */
    private volatile long horizon = Long.MIN_VALUE;

    NonceCounts(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity must be at least 2");
        }
        this.capacity = capacity;
    }

    boolean accept(String nonce, String realm, long issuedAt, long nc, long nowMillis, long lifetimeMillis) {
        boolean[] accepted = {false};
        seen.compute(nonce, (key, previous) -> {
            if (previous == null) {
                // Read the horizon inside compute: a sweep sets it before removing, so if our entry was swept we
                // see the new horizon here.
                if (issuedAt < horizon) {
                    return null;
                }
                accepted[0] = true;
                return new Seen(realm, issuedAt, nc);
            }
            if (nc > previous.highest()) {
                accepted[0] = true;
                return new Seen(previous.realm(), previous.issuedAt(), nc);
            }
            return previous;
        });
        if (seen.size() > capacity) {
            sweep(nowMillis, lifetimeMillis);
        }
        return accepted[0];
    }

    /**
     * When {@code nonce} was issued, if its count is tracked. Entries are only made for nonces whose MAC and digest
     * verified, so a tracked nonce needs no second MAC check.
     */
    java.util.OptionalLong issuedAt(String nonce, String realm) {
        Seen s = seen.get(nonce);
        return s == null || !s.realm().equals(realm) ? java.util.OptionalLong.empty()
                : java.util.OptionalLong.of(s.issuedAt());
    }

    int size() {
        return seen.size();
    }

    private void sweep(long nowMillis, long lifetimeMillis) {
        if (!sweeping.compareAndSet(false, true)) {
            return;
        }
        try {
            // Expired nonces are refused as stale before their counts matter; forgetting them is free.
            seen.values().removeIf(s -> nowMillis - s.issuedAt() > lifetimeMillis);
            if (seen.size() <= capacity) {
                return;
            }
            long[] issued = seen.values().stream().mapToLong(Seen::issuedAt).toArray();
            Arrays.sort(issued);
            long cutoff = issued[issued.length - capacity / 2];
            horizon = Math.max(horizon, cutoff);
            seen.values().removeIf(s -> s.issuedAt() < cutoff);
        } finally {
            sweeping.set(false);
        }
    }
}
