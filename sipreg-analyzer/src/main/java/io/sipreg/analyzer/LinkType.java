package io.sipreg.analyzer;

/**
 * The link layers the analyzer understands (LINKTYPE_ values of tcpdump.org/linktypes.html) and where the IP
 * packet starts in a frame of each.
 */
final class LinkType {
    static final int NULL = 0;            // BSD loopback: 4-byte address family in the capturing host's byte order
    static final int ETHERNET = 1;
    static final int RAW_OPENBSD = 14;    // DLT_RAW as OpenBSD numbers it
    static final int RAW_BSD = 12;        // DLT_RAW on most BSDs
    static final int RAW = 101;
    static final int LOOP = 108;          // OpenBSD loopback: the family in network byte order
    static final int LINUX_SLL = 113;
    static final int IPV4 = 228;
    static final int IPV6 = 229;
    static final int LINUX_SLL2 = 276;

    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ARPHRD_LOOPBACK = 772;
    private static final int PACKET_OUTGOING = 4;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88A8;
    private static final int ETHERTYPE_QINQ_OLD = 0x9100;

    /** Result of {@link #networkLayer}: 4 or 6 in the high half, the IP header's offset in the low half; 0 if none. */
    static final long NONE = 0;

    private LinkType() {
    }

    static boolean isSupported(int linkType) {
        return switch (linkType) {
            case NULL, ETHERNET, RAW_BSD, RAW_OPENBSD, RAW, LOOP, LINUX_SLL, IPV4, IPV6, LINUX_SLL2 -> true;
            default -> false;
        };
    }

    static String name(int linkType) {
        return switch (linkType) {
            case NULL -> "BSD loopback";
            case ETHERNET -> "Ethernet";
            case RAW_BSD, RAW_OPENBSD, RAW -> "raw IP";
            case LOOP -> "OpenBSD loopback";
            case LINUX_SLL -> "Linux cooked (SLL)";
            case IPV4 -> "raw IPv4";
            case IPV6 -> "raw IPv6";
            case LINUX_SLL2 -> "Linux cooked v2 (SLL2)";
            default -> "link type " + linkType;
        };
    }

    /** The IP version and header offset of the frame, packed; {@link #NONE} when it carries no IP packet. */
    static long networkLayer(int linkType, byte[] d, int off, int len) {
        int end = off + len;
        switch (linkType) {
            case ETHERNET -> {
                if (len < 14) {
                    return NONE;
                }
                return byEtherType(d, Bytes.u16(d, off + 12), off + 14, end);
            }
            case LINUX_SLL -> {
                if (len < 16 || isLoopbackCopy(Bytes.u16(d, off + 2), Bytes.u16(d, off))) {
                    return NONE;
                }
                return byEtherType(d, Bytes.u16(d, off + 14), off + 16, end);
            }
            case LINUX_SLL2 -> {
                if (len < 20 || isLoopbackCopy(Bytes.u16(d, off + 8), d[off + 10] & 0xFF)) {
                    return NONE;
                }
                return byEtherType(d, Bytes.u16(d, off), off + 20, end);
            }
            case RAW, RAW_BSD, RAW_OPENBSD -> {
                return len < 1 ? NONE : byVersion(d, off);
            }
            case IPV4 -> {
                return pack(4, off);
            }
            case IPV6 -> {
                return pack(6, off);
            }
            case NULL, LOOP -> {
                if (len < 4) {
                    return NONE;
                }
                // The family is a host-order int for NULL; read it whichever way gives a small number.
                int family = linkType == LOOP || d[off] == 0 ? Bytes.i32(d, off) : Bytes.i32le(d, off);
                return switch (family) {
                    case 2 -> pack(4, off + 4);                        // AF_INET everywhere
                    case 10, 24, 28, 30 -> pack(6, off + 4);            // AF_INET6: Linux, NetBSD/OpenBSD, FreeBSD, macOS
                    default -> NONE;
                };
            }
            default -> {
                return NONE;
            }
        }
    }

    /**
     * "tcpdump -i any" sees every loopback packet twice, leaving (PACKET_OUTGOING) and arriving (PACKET_HOST);
     * the outgoing copy is dropped so a message is not taken for its own retransmission.
     */
    private static boolean isLoopbackCopy(int hardwareType, int packetType) {
        return hardwareType == ARPHRD_LOOPBACK && packetType == PACKET_OUTGOING;
    }

    private static long byEtherType(byte[] d, int type, int at, int end) {
        // IEEE 802.1Q and 802.1ad tags, stacked any number of times (QinQ).
        while ((type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) && at + 4 <= end) {
            type = Bytes.u16(d, at + 2);
            at += 4;
        }
        if (at >= end) {
            return NONE;
        }
        return switch (type) {
            case ETHERTYPE_IPV4 -> pack(4, at);
            case ETHERTYPE_IPV6 -> pack(6, at);
            default -> NONE;
        };
    }

    private static long byVersion(byte[] d, int at) {
        int version = (d[at] >> 4) & 0xF;
        return version == 4 || version == 6 ? pack(version, at) : NONE;
    }

    private static long pack(int version, int offset) {
        return (long) version << 32 | (offset & 0xFFFF_FFFFL);
    }
}
