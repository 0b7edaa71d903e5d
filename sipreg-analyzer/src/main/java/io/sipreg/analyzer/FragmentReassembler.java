package io.sipreg.analyzer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts fragmented IP datagrams back together (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for IPv6), keyed by
 * source, destination, protocol and identification. Fragments may come in any order and overlap; a datagram is
 * complete when the fragment without "more fragments" has arrived and no hole is left. Memory is bounded: at most
 * {@link #MAX_PENDING} datagrams wait at once, each at most 64 KiB, and one not completed within 30 s of capture
 * time (Linux's ipfrag_time) is dropped and counted.
 */
final class FragmentReassembler {
    static final int MAX_PENDING = 1024;
    private static final long TIMEOUT_NANOS = 30_000_000_000L;
    private static final int MAX_DATAGRAM = 65_535;

    private record Key(boolean v6, long srcHi, long srcLo, long dstHi, long dstLo, long id, int protocol) {
    }

    private static final class Pending {
        final long firstSeen;
        byte[] data = new byte[2048];
        final List<int[]> ranges = new ArrayList<>(4);
        int total = -1;

        Pending(long firstSeen) {
            this.firstSeen = firstSeen;
        }

        boolean complete() {
            if (total < 0) {
                return false;
            }
            ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
            int covered = 0;
            for (int[] r : ranges) {
                if (r[0] > covered) {
                    return false;
                }
                covered = Math.max(covered, r[1]);
            }
            return covered >= total;
        }
    }

    private final Map<Key, Pending> pending = new LinkedHashMap<>();
    private long reassembled;
    private long abandoned;

    /**
     * Adds one fragment: {@code d[at, at+len)} belongs at byte {@code offset} of the datagram's payload. Returns
     * the whole payload when this fragment completes it, else null.
     */
    byte[] add(boolean v6, long srcHi, long srcLo, long dstHi, long dstLo, long id, int protocol,
               int offset, boolean more, byte[] d, int at, int len, long timeNanos) {
        expire(timeNanos);
        if (offset + len > MAX_DATAGRAM) {
            abandoned++;
            return null;
        }
        var key = new Key(v6, srcHi, srcLo, dstHi, dstLo, id, protocol);
        Pending p = pending.get(key);
        if (p == null) {
            if (pending.size() >= MAX_PENDING) {
                Iterator<Pending> oldest = pending.values().iterator();
                oldest.next();
                oldest.remove();
                abandoned++;
            }
            p = new Pending(timeNanos);
            pending.put(key, p);
        }
        if (offset + len > p.data.length) {
            p.data = java.util.Arrays.copyOf(p.data, Math.min(MAX_DATAGRAM, Math.max(offset + len, p.data.length * 2)));
        }
        System.arraycopy(d, at, p.data, offset, len);
        p.ranges.add(new int[] {offset, offset + len});
        if (!more) {
            p.total = offset + len;
        }
        if (!p.complete()) {
            return null;
        }
        pending.remove(key);
        reassembled++;
        return java.util.Arrays.copyOf(p.data, p.total);
    }

    private void expire(long now) {
        Iterator<Pending> it = pending.values().iterator();
        while (it.hasNext()) {
            Pending p = it.next();
            if (now - p.firstSeen <= TIMEOUT_NANOS) {
                break;      // insertion order is arrival order: the rest are younger
            }
            it.remove();
            abandoned++;
        }
    }

    long reassembled() {
        return reassembled;
    }

    /** Datagrams given up on (timed out, too large, or pushed out), plus those still waiting. */
    long incomplete() {
        return abandoned + pending.size();
    }
}
