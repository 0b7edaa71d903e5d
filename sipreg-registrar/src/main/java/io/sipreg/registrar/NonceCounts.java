package io.sipreg.registrar;

import io.sipreg.message.Fnv1a;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.OptionalLong;

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
 *
 * <p>A generation is a few arrays of primitives allocated once, keyed by a 64-bit hash of the nonce under a
 * per-process random seed: every authenticated REGISTER records a nonce, and as a map entry (string, record, node)
 * each one was an object the young collections copied until its generation was dropped. A collision of two nonces
 * is a 2^-64 event whose worst outcome is a refused count (the client is challenged again): the digest itself is
 * always checked against the nonce the request carries.
 */
final class NonceCounts {
    /** One generation: open addressing with linear probing, never more than half full, cleared whole. */
    private static final class Generation {
        final long[] keys;
        final long[] highest;
        final long[] issuedAt;
        final int[] realms;
        int size;
        long since = Long.MIN_VALUE;
        long newestIssued = Long.MIN_VALUE;

        Generation(int slots) {
            keys = new long[slots];
            highest = new long[slots];
            issuedAt = new long[slots];
            realms = new int[slots];
        }

        /** The slot of {@code key}, or the complement of the empty slot where it would go. */
        int find(long key) {
            int mask = keys.length - 1;
            for (int slot = (int) key & mask; ; slot = (slot + 1) & mask) {
                if (keys[slot] == key) {
                    return slot;
                }
                if (keys[slot] == 0) {
                    return ~slot;
                }
            }
        }

        boolean allExpiredAt(long nowMillis, long lifetimeMillis) {
            return newestIssued == Long.MIN_VALUE || nowMillis - newestIssued > lifetimeMillis;
        }

        void clear(long sinceMillis) {
            if (size > 0) {
                Arrays.fill(keys, 0L);
            }
            size = 0;
            since = sinceMillis;
            newestIssued = Long.MIN_VALUE;
        }
    }

    private final int generationSize;
    private final long seed = new SecureRandom().nextLong();
    private Generation current;
    private Generation previous;
    /** Nonces issued before this (epoch millis) may have been forgotten early. */
    private long horizon = Long.MIN_VALUE;

    NonceCounts(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity must be at least 2");
        }
        this.generationSize = capacity / 2;
        int slots = Integer.highestOneBit(Math.max(2, generationSize) * 2 - 1) << 1;
        this.current = new Generation(slots);
        this.previous = new Generation(slots);
    }

    synchronized boolean accept(String nonce, String realm, long issuedAt, long nc, long nowMillis,
                                long lifetimeMillis) {
        if (current.size >= generationSize
                || previous.size > 0 && previous.allExpiredAt(nowMillis, lifetimeMillis)) {
            rotate(nowMillis, lifetimeMillis);
        }
        long key = key(nonce);
        int slot = previous.find(key);
        if (slot >= 0) {
            return raise(previous, slot, nc);
        }
        slot = current.find(key);
        if (slot >= 0) {
            return raise(current, slot, nc);
        }
        if (issuedAt < horizon) {
            return false;
        }
        slot = ~slot;
        current.keys[slot] = key;
        current.highest[slot] = nc;
        current.issuedAt[slot] = issuedAt;
        current.realms[slot] = realm.hashCode();
        current.size++;
        current.newestIssued = Math.max(current.newestIssued, issuedAt);
        return true;
    }

    private static boolean raise(Generation generation, int slot, long nc) {
        if (nc > generation.highest[slot]) {
            generation.highest[slot] = nc;
            return true;
        }
        return false;
    }

    private void rotate(long nowMillis, long lifetimeMillis) {
        if (previous.allExpiredAt(nowMillis, lifetimeMillis)) {
            previous.clear(Long.MIN_VALUE);
        }
        if (current.allExpiredAt(nowMillis, lifetimeMillis)) {
            current.clear(nowMillis);
        }
        if (current.size >= generationSize) {
            if (previous.size > 0) {
                // Dropped while some of its nonces may be fresh: refuse what it may have tracked.
                horizon = Math.max(horizon, current.since);
            }
            Generation retired = previous;
            previous = current;
            retired.clear(nowMillis);
            current = retired;
        }
    }

    /**
     * When {@code nonce} was issued, if its count is tracked. Entries are only made for nonces whose MAC and digest
     * verified, so a tracked nonce needs no second MAC check.
     */
    synchronized OptionalLong issuedAt(String nonce, String realm) {
        long key = key(nonce);
        for (Generation generation : new Generation[] {current, previous}) {
            int slot = generation.find(key);
            if (slot >= 0) {
                return generation.realms[slot] == realm.hashCode()
                        ? OptionalLong.of(generation.issuedAt[slot]) : OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    synchronized int size() {
        return current.size + previous.size;
    }

    /** FNV-1a over the seed and the nonce's characters, then a 64-bit finalizer; never 0, which marks an empty slot. */
    private long key(String nonce) {
        long h = Fnv1a.mix(Fnv1a.hash(Fnv1a.OFFSET_BASIS ^ seed, nonce));
        return h == 0 ? 1 : h;
    }
}
