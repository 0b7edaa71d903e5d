package io.sipreg.registrar;

import io.sipreg.message.Fnv1a;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;

/**
 * The bindings of every AOR, packed as bytes: one record per AOR, appended to segments of about 1 MiB, found through
 * an open-addressing table of longs. A registrar holds every binding in memory, and as objects each new one was
 * copied by the young collection that found it, then again into the old generation: at 8,000 registrations/s that
 * copying was most of every young pause. A segment is one humongous array of G1 (it fills a region), allocated in
 * the old generation and never copied; the table is three arrays of longs. Bindings are built as objects only when
 * read, and die young.
 *
 * <p>A change appends the AOR's new record; the old one becomes dead space. When dead space exceeds half the live
 * records (and a few segments), the segment with the least live data is emptied by appending its live records anew,
 * as a log-structured store compacts: memory stays within about 1.5 times the live records. A record larger than a
 * segment gets an array of its own. All methods lock the table; none does I/O.
 */
final class PackedBindings {
    /** A little less than 1 MiB, so that with its header an array fills one 1 MiB G1 region, as in the transactions. */
    static final int SEGMENT_BYTES = (1 << 20) - 1024;
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    // A record: its length, the AOR's hash (to find its slot when compacting), the number of bindings, the bindings.
    private static final int RECORD_HASH = 4;
    private static final int RECORD_COUNT = 12;
    private static final int RECORD_BINDINGS = 16;
    private static final int SPARE_SEGMENTS = 2;
    private static final int COMPACTIONS_PER_CHANGE = 4;

    private final StringTable strings = new StringTable();
    private byte[][] segments = new byte[16][];
    private int[] used = new int[16];
    private int[] live = new int[16];
    private final ArrayDeque<Integer> freeNumbers = new ArrayDeque<>();
    private final ArrayDeque<byte[]> spares = new ArrayDeque<>();
    private int head = -1;
    private long liveBytes;
    private long usedBytes;

    // The table: hash of the AOR (0 = empty slot), where its record is (segment << 32 | offset), the earliest expiry
    // among its bindings.
    private long[] hashes = new long[1024];
    private long[] positions = new long[1024];
    private long[] earliest = new long[1024];
    private int aors;
    private int bindings;

    /** The bindings of {@code aor} as stored (expired ones included), or null when it has none. */
    synchronized List<Binding> get(String aor) {
        int slot = find(aor, hash(aor));
        return slot < 0 ? null : read(positions[slot]);
    }

    /** Replaces the bindings of {@code aor} by what {@code change} makes of them (null: none), atomically. */
    synchronized void update(String aor, UnaryOperator<List<Binding>> change) {
        long hash = hash(aor);
        int slot = find(aor, hash);
        List<Binding> before = slot < 0 ? null : read(positions[slot]);
        List<Binding> after = change.apply(before);
        if (after == null || after.isEmpty()) {
            if (slot >= 0) {
                bindings -= before.size();
                kill(positions[slot]);
                delete(slot);
            }
        } else {
            long position = write(hash, after);
            if (slot >= 0) {
                bindings -= before.size();
                kill(positions[slot]);
            } else {
                slot = insert(hash);
            }
            positions[slot] = position;
            earliest[slot] = earliestExpiry(after);
            bindings += after.size();
        }
        compact();
    }

    /** The bindings of every AOR, one list per AOR, in no particular order. */
    synchronized List<List<Binding>> all() {
        var result = new ArrayList<List<Binding>>(aors);
        for (int slot = 0; slot < hashes.length; slot++) {
            if (hashes[slot] != 0) {
                result.add(read(positions[slot]));
            }
        }
        return result;
    }

    /** Every AOR with bindings stored, in no particular order; reads only the AOR of each record. */
    synchronized List<String> aors() {
        var result = new ArrayList<String>(aors);
        for (int slot = 0; slot < hashes.length; slot++) {
            if (hashes[slot] != 0) {
                result.add(aorAt(positions[slot]));
            }
        }
        return result;
    }

    /** Bindings stored, expired ones not yet dropped included. */
    synchronized int size() {
        return bindings;
    }

    /** Unexpired bindings at {@code nowMillis}, and of them those behind NAT; reads no more than two fields each. */
    synchronized BindingCount count(long nowMillis) {
        int unexpired = 0;
        int nat = 0;
        for (int slot = 0; slot < hashes.length; slot++) {
            if (hashes[slot] == 0) {
                continue;
            }
            byte[] b = segments[segment(positions[slot])];
            int at = offset(positions[slot]);
            int n = (int) INTS.get(b, at + RECORD_COUNT);
            at += RECORD_BINDINGS;
            for (int i = 0; i < n; i++) {
                if (Binding.packedExpiresAt(b, at) > nowMillis) {
                    unexpired++;
                    if (Binding.packedNat(b, at)) {
                        nat++;
                    }
                }
                at += Binding.packedLength(b, at);
            }
        }
        return new BindingCount(unexpired, nat);
    }

    /**
     * Drops the bindings expired at {@code nowMillis}; tells {@code remainingExpiry} the earliest expiry of every AOR
     * that keeps some. Returns how many were dropped. The AORs are found in one pass over the table's expiries, then
     * changed one by one, so that a mass expiry never holds the lock long.
     */
    int purgeExpired(long nowMillis, LongConsumer remainingExpiry) {
        var expiring = new ArrayList<String>();
        synchronized (this) {
            for (int slot = 0; slot < hashes.length; slot++) {
                if (hashes[slot] == 0) {
                    continue;
                }
                if (earliest[slot] <= nowMillis) {
                    expiring.add(aorAt(positions[slot]));
                } else {
                    remainingExpiry.accept(earliest[slot]);
                }
            }
        }
        int[] removed = {0};
        for (String aor : expiring) {
            update(aor, list -> {
                if (list == null) {
                    return null;
                }
                var kept = new ArrayList<Binding>(list.size());
                for (Binding b : list) {
                    if (!b.isExpiredAt(nowMillis)) {
                        kept.add(b);
                    }
                }
                removed[0] += list.size() - kept.size();
                if (!kept.isEmpty()) {
                    remainingExpiry.accept(earliestExpiry(kept));
                }
                return kept;
            });
        }
        return removed[0];
    }

    /** Bytes of the segments held, and of the live records in them (for tests and metrics). */
    synchronized long[] footprint() {
        return new long[] {usedBytes, liveBytes};
    }

    private static long hash(String aor) {
        long h = Fnv1a.mix(Fnv1a.hash(Fnv1a.OFFSET_BASIS, aor));
        return h == 0 ? 1 : h;
    }

    private static long earliestExpiry(List<Binding> list) {
        long min = Long.MAX_VALUE;
        for (Binding b : list) {
            min = Math.min(min, b.expiresAt());
        }
        return min;
    }

    private static int segment(long position) {
        return (int) (position >>> 32);
    }

    private static int offset(long position) {
        return (int) position;
    }

    /** The AOR of the record at {@code position}, read from its first binding without the rest of it. */
    private String aorAt(long position) {
        return Binding.packedAor(segments[segment(position)], offset(position) + RECORD_BINDINGS);
    }

    private List<Binding> read(long position) {
        byte[] b = segments[segment(position)];
        int at = offset(position);
        int n = (int) INTS.get(b, at + RECORD_COUNT);
        at += RECORD_BINDINGS;
        if (n == 1) {
            return List.of(Binding.unpack(b, at, strings));
        }
        var list = new Binding[n];
        for (int i = 0; i < n; i++) {
            list[i] = Binding.unpack(b, at, strings);
            at += Binding.packedLength(b, at);
        }
        return List.of(list);
    }

    // ---- the table: linear probing, deletion by shifting back (no tombstones)

    private int home(long hash) {
        return (int) hash & (hashes.length - 1);
    }

    private int find(String aor, long hash) {
        int mask = hashes.length - 1;
        for (int slot = home(hash); hashes[slot] != 0; slot = (slot + 1) & mask) {
            if (hashes[slot] == hash && recordHasAor(positions[slot], aor)) {
                return slot;
            }
        }
        return -1;
    }

    private boolean recordHasAor(long position, String aor) {
        return Binding.packedHasAor(segments[segment(position)], offset(position) + RECORD_BINDINGS, aor);
    }

    /** Slot of {@code position}'s record, found by its hash; -1 when the table points elsewhere (a dead record). */
    private int slotOf(long hash, long position) {
        int mask = hashes.length - 1;
        for (int slot = home(hash); hashes[slot] != 0; slot = (slot + 1) & mask) {
            if (positions[slot] == position) {
                return slot;
            }
        }
        return -1;
    }

    private int insert(long hash) {
        if ((aors + 1) * 10L > hashes.length * 6L) {
            grow();
        }
        int mask = hashes.length - 1;
        int slot = home(hash);
        while (hashes[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        hashes[slot] = hash;
        aors++;
        return slot;
    }

    private void grow() {
        long[] oldHashes = hashes;
        long[] oldPositions = positions;
        long[] oldEarliest = earliest;
        hashes = new long[oldHashes.length * 2];
        positions = new long[hashes.length];
        earliest = new long[hashes.length];
        int mask = hashes.length - 1;
        for (int i = 0; i < oldHashes.length; i++) {
            if (oldHashes[i] != 0) {
                int slot = home(oldHashes[i]);
                while (hashes[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                hashes[slot] = oldHashes[i];
                positions[slot] = oldPositions[i];
                earliest[slot] = oldEarliest[i];
            }
        }
    }

    private void delete(int slot) {
        int mask = hashes.length - 1;
        int hole = slot;
        for (int next = (slot + 1) & mask; hashes[next] != 0; next = (next + 1) & mask) {
            // The entry at next may fill the hole when the hole lies between its home slot and next.
            if (((next - home(hashes[next])) & mask) >= ((next - hole) & mask)) {
                hashes[hole] = hashes[next];
                positions[hole] = positions[next];
                earliest[hole] = earliest[next];
                hole = next;
            }
        }
        hashes[hole] = 0;
        positions[hole] = 0;
        earliest[hole] = 0;
        aors--;
    }

    // ---- the segments

    private long write(long hash, List<Binding> list) {
        int length = RECORD_BINDINGS;
        for (Binding b : list) {
            length += b.packedLength();
        }
        long position = allocate(length);
        byte[] b = segments[segment(position)];
        int at = offset(position);
        INTS.set(b, at, length);
        LONGS.set(b, at + RECORD_HASH, hash);
        INTS.set(b, at + RECORD_COUNT, list.size());
        at += RECORD_BINDINGS;
        for (Binding binding : list) {
            at = binding.pack(b, at, strings);
        }
        return position;
    }

    private long allocate(int length) {
        if (length > SEGMENT_BYTES) {
            int number = newSegment(new byte[length]);
            used[number] = length;
            return account(number, 0, length);
        }
        if (head < 0 || used[head] + length > SEGMENT_BYTES) {
            head = newSegment(spares.isEmpty() ? new byte[SEGMENT_BYTES] : spares.pop());
        }
        int at = used[head];
        used[head] += length;
        return account(head, at, length);
    }

    private long account(int number, int at, int length) {
        live[number] += length;
        liveBytes += length;
        return (long) number << 32 | at;
    }

    private int newSegment(byte[] bytes) {
        int number;
        if (!freeNumbers.isEmpty()) {
            number = freeNumbers.pop();
        } else {
            number = firstUnused();
        }
        segments[number] = bytes;
        used[number] = 0;
        live[number] = 0;
        usedBytes += bytes.length;
        return number;
    }

    private int firstUnused() {
        for (int i = 0; i < segments.length; i++) {
            if (segments[i] == null) {
                return i;
            }
        }
        int number = segments.length;
        segments = Arrays.copyOf(segments, number * 2);
        used = Arrays.copyOf(used, number * 2);
        live = Arrays.copyOf(live, number * 2);
        return number;
    }

    /** The record at {@code position} is no longer referenced. */
    private void kill(long position) {
        int number = segment(position);
        int length = (int) INTS.get(segments[number], offset(position));
        live[number] -= length;
        liveBytes -= length;
        if (live[number] == 0 && number != head) {
            release(number);
        }
    }

    private void release(int number) {
        byte[] bytes = segments[number];
        usedBytes -= bytes.length;
        if (bytes.length == SEGMENT_BYTES && spares.size() < SPARE_SEGMENTS) {
            spares.push(bytes);
        }
        segments[number] = null;
        freeNumbers.push(number);
    }

    /**
     * While dead space exceeds half the live records and four segments, empties the emptiest segment; a few at a
     * time, so that no change holds the lock long (a segment is copied in well under a millisecond).
     */
    private void compact() {
        for (int round = 0; round < COMPACTIONS_PER_CHANGE
                && (usedBytes - liveBytes) * 2 > liveBytes && usedBytes - liveBytes > 4L * SEGMENT_BYTES; round++) {
            int victim = -1;
            for (int i = 0; i < segments.length; i++) {
                if (segments[i] != null && i != head && (victim < 0 || ratio(i) < ratio(victim))) {
                    victim = i;
                }
            }
            if (victim < 0) {
                return;
            }
            evacuate(victim);
        }
    }

    private double ratio(int number) {
        return (double) live[number] / segments[number].length;
    }

    /** Appends the live records of segment {@code number} anew and releases it. */
    private void evacuate(int number) {
        byte[] b = segments[number];
        for (int at = 0; at < used[number] && live[number] > 0; ) {
            int length = (int) INTS.get(b, at);
            long position = (long) number << 32 | at;
            int slot = slotOf((long) LONGS.get(b, at + RECORD_HASH), position);
            if (slot >= 0) {
                long moved = allocate(length);
                System.arraycopy(b, at, segments[segment(moved)], offset(moved), length);
                positions[slot] = moved;
                live[number] -= length;
                liveBytes -= length;
            }
            at += length;
        }
        release(number);
    }
}
