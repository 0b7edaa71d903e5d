package io.sipreg.analyzer;

/**
 * Link layer, then IPv4 (RFC 791) or IPv6 (RFC 8200, walking its extension headers), then UDP, TCP or an ICMP
 * Destination Unreachable. Fragmented datagrams go through the {@link FragmentReassembler} first. Addresses are
 * read into {@link Endpoint}s only for what the listener keeps. Malformed or truncated headers drop the packet
 * quietly: a capture of a busy link always has some, and none of them is SIP.
 *
 * <p>Two wrappings of mirrored traffic are opened: VXLAN (RFC 7348), in which cloud traffic mirroring delivers
 * whole Ethernet frames, is decoded again from its inner frame; HEP ({@link HepPacket}), in which a capture agent
 * sends each SIP message to a collector, is handed on as the message the agent saw.
 */
final class PacketDecoder {
    static final int TCP_FIN = 0x01;
    static final int TCP_SYN = 0x02;
    static final int TCP_RST = 0x04;

    private static final int PROTO_ICMP = 1;
    private static final int PROTO_TCP = 6;
    private static final int PROTO_UDP = 17;
    private static final int PROTO_ICMPV6 = 58;

    /** VXLAN's port (RFC 7348 §5), and the one Linux used before IANA assigned it. */
    private static final int VXLAN_PORT = 4789;
    private static final int VXLAN_LINUX_PORT = 8472;
    private static final int VXLAN_HEADER = 8;
    /** Tunnels within tunnels this deep are opened; a deeper one is a crafted packet, not a mirror. */
    private static final int MAX_NESTING = 4;

    /** What the decoder found in one frame. */
    interface Listener {
        void udp(Addresses ip, int sourcePort, int destinationPort, byte[] d, int at, int len);

        void tcp(Addresses ip, int sourcePort, int destinationPort, int sequence, int flags, byte[] d, int at, int len);

        void unreachable(Endpoint reporter, String reason, boolean portUnreachable, Transport transport,
                         Endpoint quotedSource, Endpoint quotedDestination, byte[] quotedPayload);

        void unsupportedLinkType(int linkType);

        /**
         * A SIP message a capture agent mirrored in HEP: the addresses, ports, transport and time (ns since the
         * epoch; -1 when the packet has none) are those the agent saw.
         */
        void mirrored(Addresses ip, int sourcePort, int destinationPort, Transport transport, long timeNanos,
                      byte[] d, int at, int len);

        /**
         * The first frame of the capture that came wrapped this way: what wraps it, and what the ladders show.
         * Said once per kind of wrapping.
         */
        void encapsulated(String description);
    }

    /**
     * The source and destination address of the packet being decoded; Endpoints are made on demand. A capture
     * repeats the same few addresses, so an IPv4 endpoint made recently is handed out again (they are immutable).
     */
    static final class Addresses {
        private boolean v6;
        private byte[] d;
        private int sourceAt;
        private int destinationAt;
        private final Endpoint[] recent = new Endpoint[256];
        /** The IPv4 header's Identification; -1 for IPv6 and for what a HEP agent mirrored. */
        private int identification = -1;

        /**
         * The IPv4 Identification of the datagram (RFC 791): a copy of one packet keeps it, a datagram sent again
         * gets another. -1 when there is none (IPv6 without fragmentation, HEP).
         */
        int identification() {
            return identification;
        }

        Endpoint source(int port) {
            return v6 ? Endpoint.ipv6(d, sourceAt, port) : ipv4(sourceAt, port);
        }

        Endpoint destination(int port) {
            return v6 ? Endpoint.ipv6(d, destinationAt, port) : ipv4(destinationAt, port);
        }

        private Endpoint ipv4(int at, int port) {
            long address = Bytes.i32(d, at) & 0xFFFF_FFFFL;
            int slot = (int) (address ^ (address >>> 8) ^ port ^ (port >>> 8)) & (recent.length - 1);
            Endpoint e = recent[slot];
            if (e == null || e.v6() || e.lo() != address || e.port() != port) {
                e = Endpoint.ipv4(d, at, port);
                recent[slot] = e;
            }
            return e;
        }

        private Addresses set(boolean isV6, byte[] data, int source, int destination) {
            identification = -1;
            v6 = isV6;
            d = data;
            sourceAt = source;
            destinationAt = destination;
            return this;
        }
    }

    private final Listener listener;
    private final FragmentReassembler fragments = new FragmentReassembler();
    private final Addresses addresses = new Addresses();
    private final HepPacket hep = new HepPacket();
    /** True while the listener hears of a datagram put back together from IP fragments. */
    private boolean reassembled;
    /** True while the listener hears of a datagram or segment of which the capture kept only the first bytes. */
    private boolean cut;
    /** The IP packet being decoded was longer on the wire than in the capture (its length field says so). */
    private boolean packetCut;
    private boolean vxlanSeen;
    private boolean hepSeen;
    private int nesting;
    private long timeNanos;

    PacketDecoder(Listener listener) {
        this.listener = listener;
    }

    FragmentReassembler fragments() {
        return fragments;
    }

    void decode(int linkType, long time, byte[] d, int off, int len) {
        long network = LinkType.networkLayer(linkType, d, off, len);
        if (network == LinkType.NONE) {
            if (!LinkType.isSupported(linkType)) {
                listener.unsupportedLinkType(linkType);
            }
            return;
        }
        timeNanos = time;
        network(network, d, off + len);
    }

    private void network(long network, byte[] d, int end) {
        int at = (int) network;
        if ((network >>> 32) == 4) {
            ipv4(d, at, end);
        } else {
            ipv6(d, at, end);
        }
    }

    private void ipv4(byte[] d, int at, int end) {
        if (end - at < 20 || (d[at] >> 4 & 0xF) != 4) {
            return;
        }
        int headerLength = (d[at] & 0xF) * 4;
        int total = Bytes.u16(d, at + 2);
        // A total length of 0 is TCP segmentation offload seen on the sending host: trust the capture.
        int packetEnd = total == 0 ? end : Math.min(end, at + total);
        packetCut = total != 0 && at + total > end;
        if (headerLength < 20 || at + headerLength > packetEnd) {
            return;
        }
        int protocol = d[at + 9] & 0xFF;
        int flagsAndOffset = Bytes.u16(d, at + 6);
        boolean more = (flagsAndOffset & 0x2000) != 0;
        int fragmentOffset = (flagsAndOffset & 0x1FFF) * 8;
        Addresses ip = addresses.set(false, d, at + 12, at + 16);
        ip.identification = Bytes.u16(d, at + 4);
        int payload = at + headerLength;
        if (more || fragmentOffset != 0) {
            byte[] whole = fragments.add(false, 0, Bytes.u32(d, at + 12), 0, Bytes.u32(d, at + 16),
                    Bytes.u16(d, at + 4), protocol, fragmentOffset, more, d, payload, packetEnd - payload, timeNanos);
            if (whole != null) {
                reassembledTransport(ip, protocol, whole);
            }
            return;
        }
        transport(ip, protocol, d, payload, packetEnd);
    }

    private void ipv6(byte[] d, int at, int end) {
        if (end - at < 40 || (d[at] >> 4 & 0xF) != 6) {
            return;
        }
        int payloadLength = Bytes.u16(d, at + 4);
        int packetEnd = payloadLength == 0 ? end : Math.min(end, at + 40 + payloadLength);
        packetCut = payloadLength != 0 && at + 40 + payloadLength > end;
        int next = d[at + 6] & 0xFF;
        int p = at + 40;
        Addresses ip = addresses.set(true, d, at + 8, at + 24);
        while (p < packetEnd) {
            switch (next) {
                case 0, 43, 60, 135, 139, 140 -> {
                    // Hop-by-Hop, Routing, Destination Options, Mobility, HIP, Shim6: length in 8-octet units
                    if (p + 2 > packetEnd) {
                        return;
                    }
                    next = d[p] & 0xFF;
                    p += ((d[p + 1] & 0xFF) + 1) * 8;
                }
                case 51 -> {
                    // Authentication Header (RFC 4302 §2.2): length in 4-octet units, minus 2
                    if (p + 2 > packetEnd) {
                        return;
                    }
                    next = d[p] & 0xFF;
                    p += ((d[p + 1] & 0xFF) + 2) * 4;
                }
                case 44 -> {
                    // Fragment header (RFC 8200 §4.5)
                    if (p + 8 > packetEnd) {
                        return;
                    }
                    int protocol = d[p] & 0xFF;
                    int word = Bytes.u16(d, p + 2);
                    int offset = word & 0xFFF8;
                    boolean more = (word & 1) != 0;
                    long id = Bytes.u32(d, p + 4);
                    p += 8;
                    if (offset == 0 && !more) {
                        next = protocol;     // an atomic fragment (RFC 6946): just a header
                        continue;
                    }
                    byte[] whole = fragments.add(true, Bytes.u64(d, at + 8), Bytes.u64(d, at + 16),
                            Bytes.u64(d, at + 24), Bytes.u64(d, at + 32), id, protocol, offset, more, d, p,
                            packetEnd - p, timeNanos);
                    if (whole != null) {
                        reassembledTransport(ip, protocol, whole);
                    }
                    return;
                }
                default -> {
                    transport(ip, next, d, p, packetEnd);
                    return;
                }
            }
        }
    }

    /** Whether the datagram the listener is hearing of came in IP fragments. */
    boolean reassembled() {
        return reassembled;
    }

    /**
     * Whether the datagram or segment the listener is hearing of was longer on the wire than in the capture: its UDP
     * or IP length says more than the frame kept (the capture's snap length, {@code tcpdump -s}).
     */
    boolean cut() {
        return cut;
    }

    private void reassembledTransport(Addresses ip, int protocol, byte[] whole) {
        reassembled = true;
        try {
            transport(ip, protocol, whole, 0, whole.length);
        } finally {
            reassembled = false;
        }
    }

    private void transport(Addresses ip, int protocol, byte[] d, int at, int end) {
        switch (protocol) {
            case PROTO_UDP -> {
                if (end - at < 8) {
                    return;
                }
                int length = Bytes.u16(d, at + 4);
                int payloadEnd = length >= 8 ? Math.min(end, at + length) : end;
                int sourcePort = Bytes.u16(d, at);
                int destinationPort = Bytes.u16(d, at + 2);
                int payload = at + 8;
                boolean outer = cut;
                // Inside a tunnel, a datagram cut with the one around it is cut too.
                cut |= length >= 8 && at + length > end;
                try {
                    if ((destinationPort == VXLAN_PORT || destinationPort == VXLAN_LINUX_PORT)
                            && vxlan(ip, sourcePort, destinationPort, d, payload, payloadEnd)) {
                        return;
                    }
                    if (payloadEnd - payload >= 8 && (d[payload] == 'H' || d[payload] == 1 || d[payload] == 2)
                            && hep(ip, sourcePort, destinationPort, d, payload, payloadEnd)) {
                        return;
                    }
                    listener.udp(ip, sourcePort, destinationPort, d, payload, payloadEnd - payload);
                } finally {
                    cut = outer;
                }
            }
            case PROTO_TCP -> {
                if (end - at < 20) {
                    return;
                }
                int dataOffset = (d[at + 12] >> 4 & 0xF) * 4;
                if (dataOffset < 20 || at + dataOffset > end) {
                    return;
                }
                boolean outer = cut;
                cut |= packetCut;
                try {
                    listener.tcp(ip, Bytes.u16(d, at), Bytes.u16(d, at + 2), Bytes.i32(d, at + 4), d[at + 13] & 0x3F,
                            d, at + dataOffset, end - at - dataOffset);
                } finally {
                    cut = outer;
                }
            }
            case PROTO_ICMP -> icmp(ip, d, at, end);
            case PROTO_ICMPV6 -> icmpv6(ip, d, at, end);
            default -> {
                // SCTP, ESP, GRE and the rest: SIP over them is out of scope.
            }
        }
    }

    /**
     * RFC 7348 §5: flags with the I bit (VNI valid), 24 reserved bits, the VNI, 8 reserved bits, then an Ethernet
     * frame. False when the datagram is not one (the port alone does not make it VXLAN).
     */
    private boolean vxlan(Addresses outer, int sourcePort, int destinationPort, byte[] d, int at, int end) {
        if (end - at < VXLAN_HEADER + 14 || (d[at] & 0x08) == 0 || nesting >= MAX_NESTING) {
            return false;
        }
        long inner = LinkType.networkLayer(LinkType.ETHERNET, d, at + VXLAN_HEADER, end - at - VXLAN_HEADER);
        if (inner == LinkType.NONE) {
            return false;
        }
        if (!vxlanSeen) {
            vxlanSeen = true;
            int vni = (d[at + 4] & 0xFF) << 16 | (d[at + 5] & 0xFF) << 8 | (d[at + 6] & 0xFF);
            listener.encapsulated("VXLAN (VNI " + vni + ", tunnel " + outer.source(sourcePort) + " -> "
                    + outer.destination(destinationPort) + "): the ladders show the addresses inside the tunnel");
        }
        nesting++;
        try {
            network(inner, d, end);
        } finally {
            nesting--;
        }
        return true;
    }

    private boolean hep(Addresses outer, int sourcePort, int destinationPort, byte[] d, int at, int end) {
        if (!hep.read(d, at, end - at)) {
            return false;
        }
        if (!hepSeen) {
            hepSeen = true;
            listener.encapsulated(hep.describe() + ", sent by " + outer.source(sourcePort) + " to the collector at "
                    + outer.destination(destinationPort) + ": the ladders show the addresses, ports and times the"
                    + " agent recorded");
        }
        Addresses original = addresses.set(hep.v6, d, hep.sourceAt, hep.destinationAt);
        listener.mirrored(original, hep.sourcePort, hep.destinationPort, hep.transport, hep.timeNanos, d,
                hep.payloadAt, hep.payloadLength);
        return true;
    }

    /** RFC 792: type 3 quotes the IP header and at least 8 bytes of the datagram (Linux quotes up to 576 in all). */
    private void icmp(Addresses ip, byte[] d, int at, int end) {
        if (end - at < 8 + 20 + 8 || (d[at] & 0xFF) != 3) {
            return;
        }
        int code = d[at + 1] & 0xFF;
        String reason = switch (code) {
            case 0 -> "network unreachable";
            case 1 -> "host unreachable";
            case 2 -> "protocol unreachable";
            case 3 -> "port unreachable";
            case 4 -> "fragmentation needed";
            case 9, 10, 13 -> "administratively prohibited";
            default -> "destination unreachable (code " + code + ")";
        };
        Endpoint reporter = ip.source(0);
        int q = at + 8;
        if ((d[q] >> 4 & 0xF) != 4) {
            return;
        }
        int headerLength = (d[q] & 0xF) * 4;
        int protocol = d[q + 9] & 0xFF;
        int t = q + headerLength;
        if (t + 8 > end || (protocol != PROTO_UDP && protocol != PROTO_TCP)) {
            return;
        }
        // A quoted TCP segment is cut after 8 bytes of its header in general: only UDP payloads are kept.
        int payload = protocol == PROTO_UDP ? t + 8 : end;
        listener.unreachable(reporter, reason, code == 3, protocol == PROTO_UDP ? Transport.UDP : Transport.TCP,
                Endpoint.ipv4(d, q + 12, Bytes.u16(d, t)), Endpoint.ipv4(d, q + 16, Bytes.u16(d, t + 2)),
                java.util.Arrays.copyOfRange(d, payload, Math.max(payload, end)));
    }

    /** RFC 4443 §3.1: type 1 quotes as much of the invoking packet as fits in the minimum MTU. */
    private void icmpv6(Addresses ip, byte[] d, int at, int end) {
        if (end - at < 8 + 40 + 8 || (d[at] & 0xFF) != 1) {
            return;
        }
        int code = d[at + 1] & 0xFF;
        String reason = switch (code) {
            case 0 -> "no route to destination";
            case 1 -> "administratively prohibited";
            case 3 -> "address unreachable";
            case 4 -> "port unreachable";
            case 5, 6 -> "rejected by policy";
            default -> "destination unreachable (code " + code + ")";
        };
        Endpoint reporter = ip.source(0);
        int q = at + 8;
        int next = d[q + 6] & 0xFF;
        int t = q + 40;
        while ((next == 0 || next == 43 || next == 60 || next == 44) && t + 8 <= end) {
            int length = next == 44 ? 8 : ((d[t + 1] & 0xFF) + 1) * 8;
            next = d[t] & 0xFF;
            t += length;
        }
        if (t + 8 > end || (next != PROTO_UDP && next != PROTO_TCP)) {
            return;
        }
        int payload = next == PROTO_UDP ? t + 8 : end;
        listener.unreachable(reporter, reason, code == 4, next == PROTO_UDP ? Transport.UDP : Transport.TCP,
                Endpoint.ipv6(d, q + 8, Bytes.u16(d, t)), Endpoint.ipv6(d, q + 24, Bytes.u16(d, t + 2)),
                java.util.Arrays.copyOfRange(d, payload, Math.max(payload, end)));
    }
}
