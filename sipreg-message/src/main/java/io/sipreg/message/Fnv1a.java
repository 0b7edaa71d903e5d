package io.sipreg.message;

/**
 * The 64-bit FNV-1a hash (Fowler, Noll, Vo), for keys that need a fast, stable, non-cryptographic hash: response
 * tags, advisory lock keys shared by a cluster's nodes, table slots. Its values must not change, as nodes and stored
 * data compute the same ones. {@link #mix} spreads the bits when the high ones pick a slot (the 64-bit finalizer of
 * MurmurHash3), since FNV-1a's last byte only reaches the higher bits through one multiplication.
 */
public final class Fnv1a {
    /** Where every hash starts, FNV's offset basis. */
    public static final long OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private Fnv1a() {
    }

    /** {@code hash} continued over the UTF-16 code units of {@code s} (all below 0x100 for SIP text). */
    public static long hash(long hash, CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            hash = (hash ^ s.charAt(i)) * PRIME;
        }
        return hash;
    }

    /** {@code hash} continued over {@code bytes}, each as unsigned. */
    public static long hash(long hash, byte[] bytes) {
        for (byte b : bytes) {
            hash = (hash ^ (b & 0xff)) * PRIME;
        }
        return hash;
    }

    /** MurmurHash3's fmix64: every bit of the result depends on every bit of {@code h}. */
    public static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }
}
