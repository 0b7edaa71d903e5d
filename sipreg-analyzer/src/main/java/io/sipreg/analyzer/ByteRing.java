package io.sipreg.analyzer;

import java.util.Arrays;

/**
 * Bytes kept a while so that later ones can be compared with them, without an array per item: runs are written at
 * the head and overwritten when the ring comes round. A run never wraps around the end of the ring.
 */
final class ByteRing {
    private final byte[] ring;
    /** Bytes ever written; a run's bytes lie at its position modulo the ring's size. */
    private long written;

    /** {@code size}: a power of two. */
    ByteRing(int size) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("not a power of two: " + size);
        }
        this.ring = new byte[size];
    }

    int size() {
        return ring.length;
    }

    /** Keeps {@code d[from, from+len)}, at most {@link #size()} bytes, and says where. */
    long put(byte[] d, int from, int len) {
        int at = (int) (written & (ring.length - 1));
        if (at + len > ring.length) {
            written += ring.length - at;
            at = 0;
        }
        System.arraycopy(d, from, ring, at, len);
        long position = written;
        written += len;
        return position;
    }

    /** Whether the {@code len} bytes put at {@code position} are still there and equal to {@code d[from, from+len)}. */
    boolean holds(long position, byte[] d, int from, int len) {
        if (written - position > ring.length) {
            return false;
        }
        int at = (int) (position & (ring.length - 1));
        return Arrays.equals(ring, at, at + len, d, from, from + len);
    }
}
