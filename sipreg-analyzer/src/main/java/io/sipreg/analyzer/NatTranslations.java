package io.sipreg.analyzer;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Addresses the capture showed to be one party on the two sides of a NAT: the same datagram, byte for byte, seen
 * once before the translation and once after (a capture on the NAT's own host with {@code tcpdump -i any}, or
 * captures from both sides merged). Learned on the reading thread as the copies pass, read by the diagnosis on the
 * workers later, when a group concludes.
 */
final class NatTranslations {
    private record Pair(Endpoint a, Endpoint b) {
    }

    private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();

    void add(Endpoint one, Endpoint other) {
        pairs.add(new Pair(one, other));
        pairs.add(new Pair(other, one));
    }

    /** The same endpoint, or one the capture showed it translated to. */
    boolean same(Endpoint one, Endpoint other) {
        return one.equals(other) || (!pairs.isEmpty() && pairs.contains(new Pair(one, other)));
    }
}
