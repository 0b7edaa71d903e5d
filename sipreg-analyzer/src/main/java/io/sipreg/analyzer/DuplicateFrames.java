package io.sipreg.analyzer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Datagrams the capture saw twice. {@code tcpdump -i any} on a host that routes the traffic sees each packet
 * arrive and leave; a mirror port copying both links, or files merged from two points, do the same. The copy is
 * the same datagram between the same addresses, byte for byte, microseconds later, and would be taken for a
 * retransmission ("messages are being lost"). A datagram sent again is a new IPv4 packet with a new Identification
 * (RFC 791), even when a server re-sends an answer milliseconds after the last one because retransmitted requests
 * reached it together; a copy keeps it. So over IPv4 a copy is the same datagram with the same Identification
 * within {@link #WINDOW_NANOS}; over IPv6, which has none, within {@link #WINDOW_V6_NANOS}.
 *
 * <p>A copy between other addresses, one end the same, is the same datagram on both sides of a NAT (the capture is
 * on the NAT's host, or merges captures from both sides): it is left out too, and the two addresses are told to
 * {@link NatTranslations} as one party, so that an answer to the other side is not taken for one to the wrong port.
 */
final class DuplicateFrames {
    static final long WINDOW_NANOS = 20_000_000L;
    static final long WINDOW_V6_NANOS = 1_000_000L;
    /** Datagrams remembered: a copy follows its original within a few frames. */
    private static final int RECENT = 32;
    private static final int RING = 1 << 16;

    private final long[] times = new long[RECENT];
    private final long[] hashes = new long[RECENT];
    private final long[] frames = new long[RECENT];
    private final long[] positions = new long[RECENT];
    private final int[] lengths = new int[RECENT];
    private final int[] identifications = new int[RECENT];
    private final Endpoint[] sources = new Endpoint[RECENT];
    private final Endpoint[] destinations = new Endpoint[RECENT];
    private final ByteRing ring = new ByteRing(RING);
    private int next;
    private long copies;
    private long firstCopy = -1;
    private long firstOriginal;
    private long firstGapNanos;
    private final NatTranslations nat;
    private long translated;
    /** The first few translations, for the finding: the address before to the one after. */
    private final Map<Endpoint, Endpoint> translationsNamed = new LinkedHashMap<>();
    private long firstTranslated = -1;
    private long firstTranslatedOriginal;

    DuplicateFrames(NatTranslations nat) {
        this.nat = nat;
    }

    /**
     * True when the datagram in frame {@code frame} is a copy of one seen just before (and so to be left out);
     * otherwise it is remembered.
     */
    boolean isCopy(long frame, long timeNanos, int identification, Endpoint source, Endpoint destination, byte[] d,
                   int at, int len) {
        long hash = hash(d, at, len);
        long window = identification < 0 ? WINDOW_V6_NANOS : WINDOW_NANOS;
        for (int i = 0; i < RECENT; i++) {
            if (hashes[i] != hash || lengths[i] != len || identifications[i] != identification
                    || timeNanos - times[i] > window || timeNanos < times[i]) {
                continue;
            }
            boolean sameSource = source.equals(sources[i]);
            boolean sameDestination = destination.equals(destinations[i]);
            if ((sameSource || sameDestination) && ring.holds(positions[i], d, at, len)) {
                if (sameSource && sameDestination) {
                    if (copies++ == 0) {
                        firstCopy = frame;
                        firstOriginal = frames[i];
                        firstGapNanos = timeNanos - times[i];
                    }
                } else {
                    Endpoint before = sameSource ? destinations[i] : sources[i];
                    Endpoint after = sameSource ? destination : source;
                    nat.add(before, after);
                    if (translated++ == 0) {
                        firstTranslated = frame;
                        firstTranslatedOriginal = frames[i];
                    }
                    if (translationsNamed.size() < 3 && !translationsNamed.containsKey(after)) {
                        translationsNamed.putIfAbsent(before, after);
                    }
                }
                return true;
            }
        }
        remember(frame, timeNanos, identification, hash, source, destination, d, at, len);
        return false;
    }

    void conclude(Consumer<Finding> out) {
        if (translated > 0) {
            var sb = new StringBuilder();
            translationsNamed.forEach((before, after) -> sb.append(sb.length() == 0 ? "" : ", ").append(before)
                    .append(" is ").append(after));
            out.accept(new Finding("nat-both-sides", Severity.INFO, "The capture shows both sides of a NAT: "
                    + translated + (translated == 1 ? " frame carries" : " frames carry") + " a datagram seen just"
                    + " before, byte for byte, with one address translated (the first: frame " + firstTranslated
                    + ", a copy of frame " + firstTranslatedOriginal + "): " + sb + " on the other side. Taken on"
                    + " the NAT's own host (tcpdump -i any), or captures from both sides merged. Each message is"
                    + " shown once, where it was seen first, and the ladders draw both addresses as one lane; the"
                    + " translated copies are left out.",
                    List.of(firstTranslatedOriginal, firstTranslated)));
        }
        if (copies == 0) {
            return;
        }
        out.accept(new Finding("duplicate-frames", Severity.INFO, copies
                + (copies == 1 ? " frame carries" : " frames carry") + " a packet the capture had already seen just"
                + " before: the same datagram between the same addresses, with the same IPv4 Identification (over"
                + " IPv6: within " + WINDOW_V6_NANOS / 1_000_000 + " ms) (the first: frame " + firstCopy + ", "
                + String.format(Locale.ROOT, "%.3f", firstGapNanos / 1e6) + " ms after frame " + firstOriginal
                + "). The capture saw each packet twice, as tcpdump -i any does on a host that routes it (arriving and"
                + " leaving), or a mirror port copying both links. The copies are left out, so they are not taken for"
                + " retransmissions.", List.of(firstOriginal, firstCopy)));
    }

    private void remember(long frame, long timeNanos, int identification, long hash, Endpoint source,
                          Endpoint destination, byte[] d, int at, int len) {
        int i = next;
        next = (next + 1) % RECENT;
        times[i] = timeNanos;
        hashes[i] = hash;
        frames[i] = frame;
        lengths[i] = len;
        identifications[i] = identification;
        sources[i] = source;
        destinations[i] = destination;
        // One too long to keep is never matched.
        positions[i] = len > RING / 4 ? Long.MIN_VALUE / 2 : ring.put(d, at, len);
    }

    /** The length and the first and last 16 bytes: enough to tell datagrams apart before comparing them. */
    private static long hash(byte[] d, int at, int len) {
        long h = len;
        if (len >= 16) {
            h = h * 31 + Bytes.u64(d, at);
            h = h * 31 + Bytes.u64(d, at + 8);
            h = h * 31 + Bytes.u64(d, at + len - 16);
            h = h * 31 + Bytes.u64(d, at + len - 8);
        } else {
            for (int k = at; k < at + len; k++) {
                h = h * 31 + d[k];
            }
        }
        return h;
    }
}
