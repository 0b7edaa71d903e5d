package io.sipreg.analyzer;

/**
 * One packet of HEP, the Homer Encapsulation Protocol: a capture agent (Kamailio's and OpenSIPS' siptrace,
 * FreeSWITCH, Asterisk's res_hep, heplify, captagent) mirrors every SIP message it sees to a collector over UDP,
 * wrapped with the addresses, ports, transport and time of the original. A capture taken at the collector holds
 * only these packets, so the analyzer reads the SIP inside them as if it had been captured where the agent runs.
 *
 * <p>Versions 1 and 2 are a fixed header in the agent's memory layout: version, header length, address family,
 * IP protocol, the two ports in network order, the two addresses, and in version 2 the time as the agent's
 * {@code struct timeval} halves in little-endian order and a capture id, padded to 12 bytes. Version 3 (also
 * called EEP) starts with {@code HEP3} and a total length, then chunks of vendor, type and length, all in network
 * order; the generic (vendor 0) chunk types read here are 1 family, 2 IP protocol, 3/4 IPv4 source/destination,
 * 5/6 IPv6 source/destination, 7/8 ports, 9/10 seconds and microseconds, 11 payload protocol (1 = SIP), 12 capture
 * agent id, 15 payload.
 *
 * <p>One instance is reused for every packet of a capture: {@link #read} fills its fields.
 */
final class HepPacket {
    private static final int AF_INET = 2;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_UDP = 17;
    private static final int SIP = 1;
    private static final int V2_TIME_LENGTH = 12;

    int version;
    boolean v6;
    /** Offsets of the original source and destination address in the array given to {@link #read}. */
    int sourceAt;
    int destinationAt;
    int sourcePort;
    int destinationPort;
    Transport transport;
    /** When the agent saw the message, in ns since the epoch; -1 when the packet does not say (version 1). */
    long timeNanos;
    /** The capture agent's id; -1 when the packet does not say. */
    long agentId;
    int payloadAt;
    int payloadLength;

    /**
     * True when {@code d[at, at+len)} is a HEP packet that carries a SIP message over UDP or TCP; then the fields
     * describe it. Anything else (another payload protocol, a keep-alive, a compressed payload, a damaged packet)
     * is false, and the bytes are left to be read as what they are.
     */
    boolean read(byte[] d, int at, int len) {
        if (len >= 6 && d[at] == 'H' && d[at + 1] == 'E' && d[at + 2] == 'P' && d[at + 3] == '3') {
            return version3(d, at, Math.min(len, Bytes.u16(d, at + 4)));
        }
        if (len >= 8 && (d[at] == 1 || d[at] == 2)) {
            return version1or2(d, at, len);
        }
        return false;
    }

    private boolean version1or2(byte[] d, int at, int len) {
        version = d[at];
        int family = d[at + 2] & 0xFF;
        if (family != AF_INET && !isInet6(family) || !transport(d[at + 3] & 0xFF)) {
            return false;
        }
        v6 = family != AF_INET;
        sourcePort = Bytes.u16(d, at + 4);
        destinationPort = Bytes.u16(d, at + 6);
        int addressLength = v6 ? 16 : 4;
        sourceAt = at + 8;
        destinationAt = sourceAt + addressLength;
        int p = destinationAt + addressLength;
        timeNanos = -1;
        agentId = -1;
        if (version == 2) {
            if (p + V2_TIME_LENGTH > at + len) {
                return false;
            }
            timeNanos = (Bytes.i32le(d, p) & 0xFFFF_FFFFL) * 1_000_000_000L
                    + (Bytes.i32le(d, p + 4) & 0xFFFF_FFFFL) * 1_000L;
            agentId = Bytes.u16le(d, p + 8);
            p += V2_TIME_LENGTH;
        }
        payloadAt = p;
        payloadLength = at + len - p;
        return payloadLength > 0 && SipDetector.startsMessage(d, payloadAt, payloadLength);
    }

    private boolean version3(byte[] d, int at, int len) {
        version = 3;
        int family = -1;
        int protocol = -1;
        int payloadProtocol = SIP;
        long seconds = -1;
        long micros = 0;
        sourceAt = -1;
        destinationAt = -1;
        v6 = false;
        sourcePort = 0;
        destinationPort = 0;
        agentId = -1;
        payloadAt = -1;
        int end = at + len;
        for (int p = at + 6; p + 6 <= end; ) {
            int vendor = Bytes.u16(d, p);
            int type = Bytes.u16(d, p + 2);
            int chunkLength = Bytes.u16(d, p + 4);
            if (chunkLength < 6 || p + chunkLength > end) {
                return false;
            }
            int v = p + 6;
            int n = chunkLength - 6;
            if (vendor == 0) {
                switch (type) {
                    case 1 -> family = n >= 1 ? d[v] & 0xFF : -1;
                    case 2 -> protocol = n >= 1 ? d[v] & 0xFF : -1;
                    case 3, 4 -> {
                        if (n == 4) {
                            address(type == 3, v, false);
                        }
                    }
                    case 5, 6 -> {
                        if (n == 16) {
                            address(type == 5, v, true);
                        }
                    }
                    case 7 -> sourcePort = n >= 2 ? Bytes.u16(d, v) : 0;
                    case 8 -> destinationPort = n >= 2 ? Bytes.u16(d, v) : 0;
                    case 9 -> seconds = n >= 4 ? Bytes.u32(d, v) : -1;
                    case 10 -> micros = n >= 4 ? Bytes.u32(d, v) : 0;
                    case 11 -> payloadProtocol = n >= 1 ? d[v] & 0xFF : -1;
                    case 12 -> agentId = n >= 4 ? Bytes.u32(d, v) : n >= 2 ? Bytes.u16(d, v) : -1;
                    case 15 -> {
                        payloadAt = v;
                        payloadLength = n;
                    }
                    default -> {
                        // correlation id, keep-alive, authentication key, compressed payload and the rest
                    }
                }
            }
            p += chunkLength;
        }
        if (payloadProtocol != SIP || payloadAt < 0 || sourceAt < 0 || destinationAt < 0 || !transport(protocol)) {
            return false;
        }
        if (family == AF_INET && v6 || isInet6(family) && !v6) {
            return false;   // the family chunk and the address chunks disagree
        }
        timeNanos = seconds < 0 ? -1 : seconds * 1_000_000_000L + micros * 1_000L;
        return SipDetector.startsMessage(d, payloadAt, payloadLength);
    }

    /** An IPv4 and an IPv6 address chunk in one packet make no pair: the later one wins, the other is dropped. */
    private void address(boolean source, int at, boolean isV6) {
        if (isV6 != v6) {
            sourceAt = -1;
            destinationAt = -1;
            v6 = isV6;
        }
        if (source) {
            sourceAt = at;
        } else {
            destinationAt = at;
        }
    }

    private boolean transport(int protocol) {
        transport = protocol == IPPROTO_UDP ? Transport.UDP : protocol == IPPROTO_TCP ? Transport.TCP : null;
        return transport != null;
    }

    /** AF_INET6 differs between systems: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30. */
    private static boolean isInet6(int family) {
        return family == 10 || family == 24 || family == 28 || family == 30;
    }

    /** How the packet names itself in a finding. */
    String describe() {
        return "HEP version " + version + (agentId >= 0 ? " from capture agent " + agentId : "");
    }
}
