package io.sipreg.registrar;

import io.sipreg.transport.Flow;

/**
 * What the keepalive schedule remembers of one binding it pings: where to send (the flow; the contact URI of the key
 * is the Request-URI), which registration it belongs to, and the count of OPTIONS sent and answered. Kept small,
 * since there is one per NAT binding: the AOR and contact strings are the binding's own, the local socket address is
 * shared, and the URI is parsed when an OPTIONS is built rather than kept. Guarded by the scheduler's lock.
 */
final class KeepaliveEntry {
    final BindingKey key;
    Flow flow;
    String source;
    /** The refresh this entry follows: a removal only goes ahead while the stored binding is still this one. */
    long lastUpdated;
    long expiresAtMillis;
    /** When the next OPTIONS is due before jitter; moves by whole intervals, so the schedule never drifts. */
    long nominalNanos;
    /** Bumped on every reschedule, so queue entries of an earlier schedule are recognised and skipped. */
    long generation;
    int sent;
    long lastSentAtMillis;
    long lastAnsweredAtMillis;
    int lastAnswered;
    int failures;
    boolean active = true;
    boolean removing;

    KeepaliveEntry(BindingKey key) {
        this.key = key;
    }

    /** A queued wake-up for {@code entry}, valid while its generation is current. */
    record Due(long atNanos, long generation, KeepaliveEntry entry) implements Comparable<Due> {
        @Override
        public int compareTo(Due other) {
            return Long.compare(atNanos, other.atNanos);
        }
    }
}
