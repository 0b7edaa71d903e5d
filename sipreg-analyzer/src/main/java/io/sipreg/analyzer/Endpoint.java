package io.sipreg.analyzer;

/**
 * An IP address and port as seen in a packet header. IPv4 addresses live in the low 32 bits of {@code lo};
 * IPv6 addresses are {@code hi:lo}. Cheap to build and compare, so the decoder makes one per SIP packet and
 * formats the text only when a report needs it.
 */
public record Endpoint(boolean v6, long hi, long lo, int port) {

    static Endpoint ipv4(byte[] d, int at, int port) {
        long a = ((d[at] & 0xFFL) << 24) | ((d[at + 1] & 0xFFL) << 16) | ((d[at + 2] & 0xFFL) << 8) | (d[at + 3] & 0xFFL);
        return new Endpoint(false, 0, a, port);
    }

    static Endpoint ipv6(byte[] d, int at, int port) {
        return new Endpoint(true, Bytes.u64(d, at), Bytes.u64(d, at + 8), port);
    }

    /**
     * The value a record's own hashCode gives (each component folded in as {@code 31 * h + hash}), without its
     * method-handle machinery: the correlator hashes two endpoints per message. Same value, so the iteration order of
     * the maps keyed by endpoints, and with it the order of the report, stays as it was.
     */
    @Override
    public int hashCode() {
        int h = Boolean.hashCode(v6);
        h = 31 * h + Long.hashCode(hi);
        h = 31 * h + Long.hashCode(lo);
        return 31 * h + port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Endpoint e && lo == e.lo && port == e.port && hi == e.hi && v6 == e.v6;
    }

    /** The same address with another port. */
    Endpoint withPort(int newPort) {
        return new Endpoint(v6, hi, lo, newPort);
    }

    boolean sameAddress(Endpoint other) {
        return v6 == other.v6 && hi == other.hi && lo == other.lo;
    }

    /** {@code 192.0.2.1} or {@code 2001:db8::1} (RFC 5952 form). */
    public String address() {
        if (!v6) {
            return (lo >>> 24 & 0xFF) + "." + (lo >>> 16 & 0xFF) + "." + (lo >>> 8 & 0xFF) + "." + (lo & 0xFF);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (hi >>> (48 - 16 * i)) & 0xFFFF;
            groups[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xFFFF;
        }
        // RFC 5952 §4.2: the longest run of two or more zero groups becomes "::", the first one on a tie.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        var sb = new StringBuilder(40);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    /** {@code 192.0.2.1:5060} or {@code [2001:db8::1]:5060}. */
    @Override
    public String toString() {
        return v6 ? "[" + address() + "]:" + port : address() + ":" + port;
    }
}
