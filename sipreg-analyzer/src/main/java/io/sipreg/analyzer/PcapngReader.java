package io.sipreg.analyzer;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The pcapng format (draft-ietf-opsawg-pcapng): blocks of type, length, body, length. Sections (each with its
 * own byte order, announced by its Section Header Block) may follow one another, and each section numbers its
 * interfaces from 0; every interface has its own link type and timestamp resolution. Enhanced, Simple and the
 * obsolete Packet blocks carry frames; all other blocks are skipped by their length.
 */
final class PcapngReader implements CaptureReader {
    static final int SECTION_HEADER = 0x0A0D0D0A;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int INTERFACE_DESCRIPTION = 1;
    private static final int PACKET = 2;
    private static final int SIMPLE_PACKET = 3;
    private static final int ENHANCED_PACKET = 6;
    private static final int OPT_END = 0;
    private static final int IF_TSRESOL = 9;
    private static final int IF_TSOFFSET = 14;

    /** One Interface Description Block. */
    private record Interface(int linkType, long snaplen, long multiplier, long divisor, int binaryShift,
                             long offsetSeconds) {
        long nanos(long units) {
            long n;
            if (binaryShift > 0) {
                long whole = units >>> binaryShift;
                long part = units & ((1L << binaryShift) - 1);
                n = whole * 1_000_000_000L + (long) (part * 1e9 / (double) (1L << binaryShift));
            } else if (divisor > 1) {
                n = units / divisor;
            } else {
                n = units * multiplier;
            }
            return n + offsetSeconds * 1_000_000_000L;
        }
    }

    private final ReadableByteChannel channel;
    private final FileWindow window;
    private boolean littleEndian;
    private final List<Interface> interfaces = new ArrayList<>();
    private int sections;
    private int interfaceCount;

    PcapngReader(ReadableByteChannel channel, FileWindow window) {
        this.channel = channel;
        this.window = window;
    }

    @Override
    public String format() {
        if (sections == 0) {
            return "pcapng";
        }
        return "pcapng (" + sections + " section" + (sections == 1 ? "" : "s") + ", " + interfaceCount
                + " interface" + (interfaceCount == 1 ? "" : "s") + ")";
    }

    @Override
    public void read(FrameSink sink) throws IOException {
        while (true) {
            if (!window.require(12)) {
                if (window.available() > 0) {
                    sink.damage(new CaptureDamage(window.offset(), "file ends inside a block header ("
                            + window.available() + " bytes)"));
                }
                return;
            }
            byte[] d = window.array();
            int at = window.pos();
            int type = Bytes.i32(d, at);
            if (type == SECTION_HEADER) {
                int magic = Bytes.i32(d, at + 8);
                if (magic == BYTE_ORDER_MAGIC) {
                    littleEndian = false;
                } else if (magic == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
                    littleEndian = true;
                } else {
                    sink.damage(new CaptureDamage(window.offset() + 8, "section header has no byte-order magic ("
                            + Bytes.hex(d, at + 8, 4) + "); the rest of the file is skipped"));
                    return;
                }
            } else {
                type = u32(d, at);
            }
            long length = u32(d, at + 4) & 0xFFFF_FFFFL;
            long blockOffset = window.offset();
            if (length < 12 || length % 4 != 0 || length > window.maxRecord()) {
                sink.damage(new CaptureDamage(blockOffset + 4, "block of type " + type + " has an impossible length "
                        + length + "; the rest of the file is skipped"));
                return;
            }
            if (!window.require((int) length)) {
                sink.damage(new CaptureDamage(blockOffset, "file ends inside " + blockName(type) + " (length "
                        + length + ", " + window.available() + " bytes present)"));
                return;
            }
            d = window.array();
            at = window.pos();
            int trailer = u32(d, at + (int) length - 4);
            if ((trailer & 0xFFFF_FFFFL) != length) {
                sink.damage(new CaptureDamage(blockOffset + length - 4, "block of type " + type
                        + " ends with length " + (trailer & 0xFFFF_FFFFL) + " but began with " + length));
            }
            block(type, d, at, (int) length, blockOffset, sink);
            window.skip((int) length);
        }
    }

    private void block(int type, byte[] d, int at, int length, long offset, FrameSink sink) {
        switch (type) {
            case SECTION_HEADER -> {
                sections++;
                interfaces.clear();
            }
            case INTERFACE_DESCRIPTION -> {
                interfaceCount++;
                interfaces.add(describeInterface(d, at, length));
            }
            case ENHANCED_PACKET, PACKET -> {
                int id = type == ENHANCED_PACKET ? u32(d, at + 8) : u16(d, at + 8);
                long hi = u32(d, at + 12) & 0xFFFF_FFFFL;
                long lo = u32(d, at + 16) & 0xFFFF_FFFFL;
                long captured = u32(d, at + 20) & 0xFFFF_FFFFL;
                long original = u32(d, at + 24) & 0xFFFF_FFFFL;
                if (!packet(id, captured, length - 32, offset, sink)) {
                    return;
                }
                Interface i = interfaces.get(id);
                sink.frame(i.linkType(), i.nanos(hi << 32 | lo), d, at + 28, (int) captured,
                        (int) Math.min(original, Integer.MAX_VALUE));
            }
            case SIMPLE_PACKET -> {
                long original = u32(d, at + 8) & 0xFFFF_FFFFL;
                long captured = Math.min(original, length - 16);
                if (!packet(0, captured, length - 16, offset, sink)) {
                    return;
                }
                sink.frame(interfaces.get(0).linkType(), 0, d, at + 12, (int) captured,
                        (int) Math.min(original, Integer.MAX_VALUE));
            }
            default -> {
                // Name resolution, interface statistics, decryption secrets, custom blocks: nothing for us.
            }
        }
    }

    private static String blockName(int type) {
        return switch (type) {
            case SECTION_HEADER -> "a Section Header Block";
            case INTERFACE_DESCRIPTION -> "an Interface Description Block";
            case PACKET -> "a Packet Block";
            case SIMPLE_PACKET -> "a Simple Packet Block";
            case 4 -> "a Name Resolution Block";
            case 5 -> "an Interface Statistics Block";
            case ENHANCED_PACKET -> "an Enhanced Packet Block";
            default -> "a block of type " + type;
        };
    }

    private boolean packet(int id, long captured, int room, long offset, FrameSink sink) {
        if (id < 0 || id >= interfaces.size()) {
            sink.damage(new CaptureDamage(offset + 8, "packet block names interface " + id + " but the section has "
                    + interfaces.size() + "; block skipped"));
            return false;
        }
        if (captured > room) {
            sink.damage(new CaptureDamage(offset + 20, "packet block says " + captured + " captured bytes but has room for "
                    + room + "; block skipped"));
            return false;
        }
        return true;
    }

    private Interface describeInterface(byte[] d, int at, int length) {
        int linkType = u16(d, at + 8);
        long snaplen = u32(d, at + 12) & 0xFFFF_FFFFL;
        int resolution = 6;
        long offsetSeconds = 0;
        int p = at + 16;
        int end = at + length - 4;
        while (p + 4 <= end) {
            int code = u16(d, p);
            int size = u16(d, p + 2);
            if (code == OPT_END || p + 4 + size > end) {
                break;
            }
            if (code == IF_TSRESOL && size >= 1) {
                resolution = d[p + 4] & 0xFF;
            } else if (code == IF_TSOFFSET && size >= 8) {
                offsetSeconds = littleEndian
                        ? (Bytes.i32le(d, p + 8) & 0xFFFF_FFFFL) << 32 | (Bytes.i32le(d, p + 4) & 0xFFFF_FFFFL)
                        : Bytes.u64(d, p + 4);
            }
            p += 4 + ((size + 3) & ~3);
        }
        if ((resolution & 0x80) != 0) {
            return new Interface(linkType, snaplen, 1, 1, Math.min(resolution & 0x7F, 62), offsetSeconds);
        }
        long multiplier = 1;
        long divisor = 1;
        for (int k = resolution; k < 9; k++) {
            multiplier *= 10;
        }
        for (int k = 9; k < Math.min(resolution, 18); k++) {
            divisor *= 10;
        }
        return new Interface(linkType, snaplen, multiplier, divisor, 0, offsetSeconds);
    }

    private int u32(byte[] d, int at) {
        return littleEndian ? Bytes.i32le(d, at) : Bytes.i32(d, at);
    }

    private int u16(byte[] d, int at) {
        return littleEndian ? Bytes.u16le(d, at) : Bytes.u16(d, at);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
