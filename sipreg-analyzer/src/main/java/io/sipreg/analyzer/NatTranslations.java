package io.sipreg.analyzer;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Addresses the capture showed to be one party on the two sides of a NAT: the same datagram, byte for byte, seen
 * once before the translation and once after (a capture on the NAT's own host with {@code tcpdump -i any}, or
 * captures from both sides merged), or the same REGISTER rewritten by a SIP ALG on its way; and the addresses that
 * are a NAT's mapping for a phone. Learned on the reading thread as the messages pass, read by the diagnosis on the
 * workers later, when a group concludes.
 */
final class NatTranslations {
    /** Enough for the phones of a busy capture; past it no more are noted (memory must not grow with the file). */
    private static final int MAX_MAPPINGS = 100_000;

    /** Each address to the one it is on the other side (a phone has one mapping at a time). */
    private final Map<Endpoint, Endpoint> otherSide = new ConcurrentHashMap<>();
    /** Addresses a REGISTER came from whose Via named another: a NAT's mapping for a phone behind it. */
    private final Set<Endpoint> mappings = ConcurrentHashMap.newKeySet();

    /**
     * Notes the REGISTER's source as a NAT's mapping when its top Via names another address or port (the test of the
     * nat-detected finding).
     */
    void register(MessageFacts f, Endpoint source) {
        boolean behind = !f.viaHost().isEmpty()
                && (Diagnosis.viaPort(f) != source.port() || Diagnosis.viaIpDiffers(f, source));
        if (behind && mappings.size() < MAX_MAPPINGS) {
            mappings.add(source);
        }
    }

    /** Whether a REGISTER from {@code e} showed it to be a NAT's mapping for a phone behind it. */
    boolean isMapping(Endpoint e) {
        return mappings.contains(e);
    }

    void add(Endpoint one, Endpoint other) {
        otherSide.put(one, other);
        otherSide.put(other, one);
    }

    /** The same endpoint, or one the capture showed it translated to. */
    boolean same(Endpoint one, Endpoint other) {
        return one.equals(other) || (!otherSide.isEmpty() && other.equals(otherSide.get(one)));
    }

    /**
     * For a ladder of these events: each address whose other side appeared first, to that one, so that both are
     * drawn as one lane.
     */
    Map<Endpoint, Endpoint> sameParty(List<LadderEvent> events) {
        if (otherSide.isEmpty()) {
            return Map.of();
        }
        var seen = new HashSet<Endpoint>();
        var sameParty = new HashMap<Endpoint, Endpoint>();
        for (LadderEvent e : events) {
            for (Endpoint a : new Endpoint[] {e.source(), e.destination()}) {
                if (seen.add(a)) {
                    Endpoint other = otherSide.get(a);
                    if (other != null && seen.contains(other) && !sameParty.containsKey(other)) {
                        sameParty.put(a, other);
                    }
                }
            }
        }
        return sameParty;
    }
}
