package io.sipreg.transaction;

import io.sipreg.message.Fnv1a;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;

/**
 * Non-INVITE server transactions over UDP in the Completed state (RFC 3261 §17.2.2): for each, its key and the
 * final response as it was sent, kept until Timer J fires so that a retransmitted request is answered with the very
 * same bytes.
 *
 * <p>Timer J is the same 64*T1 for every such transaction, so they end in the order they completed: the store is a
 * FIFO of large byte segments, written at the head and released whole from the tail, with an open-addressing index
 * of primitives to find a key. At thousands of registrations a second, 32 s of Completed transactions are hundreds
 * of thousands; as objects (transaction, key, strings, map node, timer task) each young collection copied them and
 * scanned the cards of the table and timer queue that pointed at them, which made most of a collection pause. Here
 * they are bytes in a few arrays that hold no references: nothing to trace, nothing to copy twice.
 *
 * <p>Bounded: when all segments the room allows hold unexpired transactions, the oldest segment is dropped early
 * (those transactions end before Timer J; a late retransmission of one is then a new request). Thread-safe: every
 * method takes the instance's lock, for a copy of a few hundred bytes or a handful of probes.
 */
final class CompletedTransactions {
    /** Each segment owns 1 MiB of the position space; positions are never reused (a long lasts for ever). */
    static final int SEGMENT_SHIFT = 20;
    /**
     * A little less than 1 MiB, so that with its array header a segment fits in one 1 MiB G1 region (the region size
     * of heaps up to 2 GiB) instead of spilling into a second one.
     */
    static final int SEGMENT_BYTES = (1 << SEGMENT_SHIFT) - 1024;
    /** expiry (8), key length (4), response length (4). */
    private static final int ENTRY_HEADER = 16;
    private static final int MIN_INDEX = 1 << 12;
    /** Released segments kept for reuse, so a steady load allocates none. */
    private static final int SPARES = 2;
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private static final class Segment {
        final byte[] bytes;
        final long base;
        int used;
        int entries;
        long lastExpiry = Long.MIN_VALUE;

        Segment(byte[] bytes, long base) {
            this.bytes = bytes;
            this.base = base;
        }
    }

    /** Live segments by number modulo its length, which bounds them. */
    private final Segment[] ring;
    private final ArrayDeque<byte[]> spares = new ArrayDeque<>(SPARES);
    /** Segment numbers (position >> SEGMENT_SHIFT) of the oldest and newest live segment; none when tail > head. */
    private long tail;
    private long head = -1;
    /**
     * Linear probing over position + 1 of an entry (0: never used) and 32 bits of its key's hash, which also give the
     * home slot, so the index can be rebuilt without reading a key. A slot whose segment was released is free to
     * reuse but still continues a probe sequence; {@link #used} counts the slots that are not 0 and stays at most
     * half of them, which keeps every probe sequence short.
     */
    private long[] positions = new long[MIN_INDEX];
    private int[] tags = new int[MIN_INDEX];
    private int used;
    private int entries;
    private long droppedEarly;

    CompletedTransactions(long maxBytes) {
        if (maxBytes < 2L << SEGMENT_SHIFT) {
            throw new IllegalArgumentException("room for completed transactions must be at least 2 MiB, was "
                    + maxBytes);
        }
        this.ring = new Segment[(int) Math.min(maxBytes >> SEGMENT_SHIFT, 1 << 16)];
    }

    /** The key as stored and compared: its parts cannot contain a line feed. */
    static byte[] keyBytes(TransactionKey key) {
        return (key.branch() + '\n' + key.sentBy() + '\n' + key.method()).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Keeps {@code response} for {@code key} until {@code expiresAtNanos}, which should not be earlier than that of
     * the transaction added before (Timer J is constant). False, and nothing kept, if it could never fit a segment.
     */
    synchronized boolean add(byte[] key, byte[] response, long expiresAtNanos, long nowNanos) {
        int size = align(ENTRY_HEADER + key.length + response.length);
        if (size > SEGMENT_BYTES) {
            return false;
        }
        release(nowNanos);
        Segment segment = headWithRoom(size);
        int offset = segment.used;
        byte[] b = segment.bytes;
        LONGS.set(b, offset, expiresAtNanos);
        INTS.set(b, offset + 8, key.length);
        INTS.set(b, offset + 12, response.length);
        System.arraycopy(key, 0, b, offset + ENTRY_HEADER, key.length);
        System.arraycopy(response, 0, b, offset + ENTRY_HEADER + key.length, response.length);
        segment.used = offset + size;
        segment.entries++;
        // Callers on several threads read their clocks a few microseconds apart: the segment ends with its latest.
        segment.lastExpiry = Math.max(segment.lastExpiry, expiresAtNanos);
        entries++;
        index(tag(key), segment.base + offset);
        if (used > positions.length / 2) {
            // Mostly released slots: rebuilt at the same size; mostly live ones: twice as large.
            rebuild(entries > positions.length / 4 ? positions.length * 2 : positions.length);
        }
        return true;
    }

    /** The response kept for {@code key}, if its transaction is still Completed at {@code nowNanos}. */
    synchronized Optional<byte[]> response(byte[] key, long nowNanos) {
        int tag = tag(key);
        int mask = positions.length - 1;
        for (int slot = tag & mask; ; slot = (slot + 1) & mask) {
            long stored = positions[slot];
            if (stored == 0) {
                return Optional.empty();
            }
            if (tags[slot] != tag) {
                continue;
            }
            long position = stored - 1;
            Segment segment = segmentAt(position);
            if (segment == null) {
                continue;
            }
            int offset = (int) (position - segment.base);
            byte[] b = segment.bytes;
            int keyLength = (int) INTS.get(b, offset + 8);
            if (!Arrays.equals(b, offset + ENTRY_HEADER, offset + ENTRY_HEADER + keyLength, key, 0, key.length)) {
                continue;
            }
            if ((long) LONGS.get(b, offset) - nowNanos <= 0) {
                return Optional.empty();
            }
            int start = offset + ENTRY_HEADER + keyLength;
            return Optional.of(Arrays.copyOfRange(b, start, start + (int) INTS.get(b, offset + 12)));
        }
    }

    /** Transactions kept, counting the expired ones of a segment until all of it has expired. */
    synchronized int size(long nowNanos) {
        release(nowNanos);
        return entries;
    }

    /** Transactions ended before Timer J because all segments were full. */
    synchronized long droppedEarly() {
        return droppedEarly;
    }

    private int live() {
        return (int) (head - tail + 1);
    }

    /** Releases the segments, oldest first, whose every transaction has reached Timer J. */
    private void release(long nowNanos) {
        while (live() > 0 && ring(tail).lastExpiry - nowNanos <= 0) {
            dropTail();
        }
    }

    private void dropTail() {
        Segment oldest = ring(tail);
        ring[slotOf(tail)] = null;
        entries -= oldest.entries;
        tail++;
        if (spares.size() < SPARES) {
            spares.push(oldest.bytes);
        }
    }

    private Segment headWithRoom(int size) {
        if (live() > 0 && ring(head).used + size <= SEGMENT_BYTES) {
            return ring(head);
        }
        if (live() == ring.length) {
            droppedEarly += ring(tail).entries;
            dropTail();
        }
        head++;
        if (live() == 1) {
            tail = head;
        }
        byte[] bytes = spares.isEmpty() ? new byte[SEGMENT_BYTES] : spares.pop();
        var segment = new Segment(bytes, head << SEGMENT_SHIFT);
        ring[slotOf(head)] = segment;
        return segment;
    }

    /** The live segment holding {@code position}, or null if it was released. */
    private Segment segmentAt(long position) {
        long number = position >> SEGMENT_SHIFT;
        if (number < tail || number > head) {
            return null;
        }
        return ring(number);
    }

    private Segment ring(long number) {
        return ring[slotOf(number)];
    }

    private int slotOf(long number) {
        return (int) Math.floorMod(number, (long) ring.length);
    }

    /** Puts a position in the first free slot of its probe sequence. */
    private void index(int tag, long position) {
        int mask = positions.length - 1;
        for (int slot = tag & mask; ; slot = (slot + 1) & mask) {
            long stored = positions[slot];
            if (stored == 0 || segmentAt(stored - 1) == null) {
                if (stored == 0) {
                    used++;
                }
                positions[slot] = position + 1;
                tags[slot] = tag;
                return;
            }
        }
    }

    /** Re-inserts the live slots into a fresh index: drops released ones, and every probe sequence is short again. */
    private void rebuild(int capacity) {
        long[] oldPositions = positions;
        int[] oldTags = tags;
        positions = new long[capacity];
        tags = new int[capacity];
        used = 0;
        for (int slot = 0; slot < oldPositions.length; slot++) {
            long stored = oldPositions[slot];
            if (stored != 0 && segmentAt(stored - 1) != null) {
                index(oldTags[slot], stored - 1);
            }
        }
    }

    /** FNV-1a over the key, then a 64-bit finalizer; its high half, well mixed, is the tag. */
    static int tag(byte[] key) {
        return (int) (Fnv1a.mix(Fnv1a.hash(Fnv1a.OFFSET_BASIS, key)) >>> 32);
    }

    private static int align(int size) {
        return (size + 7) & ~7;
    }
}
