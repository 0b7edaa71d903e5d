package io.sipreg.analyzer;

/** Big- and little-endian reads of unsigned fields from packet and file bytes, and how bytes are shown. */
final class Bytes {
    private Bytes() {
    }

    static int u8(byte[] d, int at) {
        return d[at] & 0xFF;
    }

    static int u16(byte[] d, int at) {
        return (d[at] & 0xFF) << 8 | (d[at + 1] & 0xFF);
    }

    static int u16le(byte[] d, int at) {
        return (d[at + 1] & 0xFF) << 8 | (d[at] & 0xFF);
    }

    static int i32(byte[] d, int at) {
        return (d[at] & 0xFF) << 24 | (d[at + 1] & 0xFF) << 16 | (d[at + 2] & 0xFF) << 8 | (d[at + 3] & 0xFF);
    }

    static int i32le(byte[] d, int at) {
        return (d[at + 3] & 0xFF) << 24 | (d[at + 2] & 0xFF) << 16 | (d[at + 1] & 0xFF) << 8 | (d[at] & 0xFF);
    }

    static long u32(byte[] d, int at) {
        return i32(d, at) & 0xFFFF_FFFFL;
    }

    static long u64(byte[] d, int at) {
        return (u32(d, at) << 32) | u32(d, at + 4);
    }

    /** Appends {@code d[at, at+len)} as text: printable ASCII as it is, anything else (space included) as '?'. */
    static void printable(StringBuilder out, byte[] d, int at, int len) {
        for (int i = at; i < at + len; i++) {
            char c = (char) (d[i] & 0xFF);
            out.append(c > 0x20 && c < 0x7F ? c : '?');
        }
    }

    static String hex(byte[] d, int at, int n) {
        var sb = new StringBuilder(n * 3);
        for (int i = 0; i < n && at + i < d.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(Character.forDigit(d[at + i] >> 4 & 0xF, 16)).append(Character.forDigit(d[at + i] & 0xF, 16));
        }
        return sb.toString();
    }
}
