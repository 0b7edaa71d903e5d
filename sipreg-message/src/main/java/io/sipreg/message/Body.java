package io.sipreg.message;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A message body (RFC 3261 §7.4). Holds its own copy of the bytes. */
public final class Body {
    public static final Body EMPTY = new Body(new byte[0]);

    private final byte[] bytes;

    private Body(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Body of(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Body(bytes.clone());
    }

    /** The parser's path: one copy of {@code data[from, to)}. */
    static Body copyOf(byte[] data, int from, int to) {
        return from >= to ? EMPTY : new Body(Arrays.copyOfRange(data, from, to));
    }

    public static Body of(String text) {
        return text.isEmpty() ? EMPTY : new Body(text.getBytes(StandardCharsets.UTF_8));
    }

    public int length() {
        return bytes.length;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** Copies the body into {@code dest} at {@code offset}; no intermediate copy. */
    public void copyTo(byte[] dest, int offset) {
        System.arraycopy(bytes, 0, dest, offset, bytes.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Body other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
