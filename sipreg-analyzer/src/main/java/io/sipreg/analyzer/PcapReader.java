package io.sipreg.analyzer;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;

/**
 * The classic libpcap format (draft-ietf-opsawg-pcap): a 24-byte file header, then records of a 16-byte header
 * and the frame. Either byte order, microsecond or nanosecond timestamps, and the Kuznetzov variant whose record
 * headers are 24 bytes long.
 */
final class PcapReader implements CaptureReader {
    private static final int MICROS = 0xA1B2C3D4;
    private static final int NANOS = 0xA1B23C4D;
    private static final int KUZNETZOV = 0xA1B2CD34;
    private static final int FILE_HEADER = 24;

    private final ReadableByteChannel channel;
    private final FileWindow window;
    private boolean littleEndian;
    private boolean nanos;
    private int recordHeader = 16;
    private String format = "pcap";

    PcapReader(ReadableByteChannel channel, FileWindow window) {
        this.channel = channel;
        this.window = window;
    }

    static boolean recognizes(int magic) {
        for (int m : new int[] {MICROS, NANOS, KUZNETZOV}) {
            if (magic == m || magic == Integer.reverseBytes(m)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String format() {
        return format;
    }

    @Override
    public void read(FrameSink sink) throws IOException {
        if (!window.require(FILE_HEADER)) {
            sink.damage(new CaptureDamage(window.available(),
                    "file ends inside the 24-byte pcap file header (" + window.available() + " bytes)"));
            return;
        }
        byte[] d = window.array();
        int at = window.pos();
        int magic = Bytes.i32(d, at);
        littleEndian = !(magic == MICROS || magic == NANOS || magic == KUZNETZOV);
        int m = littleEndian ? Integer.reverseBytes(magic) : magic;
        nanos = m == NANOS;
        recordHeader = m == KUZNETZOV ? 24 : 16;
        int linkType = u32(d, at + 20) & 0xFFFF;   // the upper bits carry the FCS length, not the link type
        long snaplen = u32(d, at + 16) & 0xFFFF_FFFFL;
        format = "pcap (" + (nanos ? "nanoseconds" : "microseconds") + ", "
                + (littleEndian ? "little-endian" : "big-endian") + (recordHeader == 24 ? ", Kuznetzov" : "")
                + ", link type " + linkType + ")";
        window.skip(FILE_HEADER);
        long frame = 0;
        int maxLength = (int) Math.min(window.maxRecord() - recordHeader, Math.max(snaplen, 262_144L));
        while (true) {
            if (!window.require(recordHeader)) {
                if (window.available() > 0) {
                    sink.damage(new CaptureDamage(window.offset(), "file ends inside the header of frame "
                            + (frame + 1) + " (" + window.available() + " of " + recordHeader + " bytes)"));
                }
                return;
            }
            at = window.pos();
            long seconds = u32(d = window.array(), at) & 0xFFFF_FFFFL;
            long fraction = u32(d, at + 4) & 0xFFFF_FFFFL;
            long captured = u32(d, at + 8) & 0xFFFF_FFFFL;
            long original = u32(d, at + 12) & 0xFFFF_FFFFL;
            if (captured > maxLength || fraction >= (nanos ? 1_000_000_000L : 1_000_000L)) {
                sink.damage(new CaptureDamage(window.offset(), "header of frame " + (frame + 1) + " is corrupt ("
                        + (captured > maxLength ? "captured length " + captured + " exceeds " + maxLength
                                : "sub-second field " + fraction + " out of range") + "); the rest of the file is skipped"));
                return;
            }
            long recordOffset = window.offset();
            if (!window.require(recordHeader + (int) captured)) {
                sink.damage(new CaptureDamage(recordOffset, "file ends inside frame " + (frame + 1) + " (header says "
                        + captured + " bytes, " + (window.available() - recordHeader) + " present)"));
                return;
            }
            frame++;
            long timeNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000);
            d = window.array();
            at = window.pos();
            sink.frame(linkType, timeNanos, d, at + recordHeader, (int) captured, (int) Math.min(original, Integer.MAX_VALUE));
            window.skip(recordHeader + (int) captured);
        }
    }

    private int u32(byte[] d, int at) {
        return littleEndian ? Bytes.i32le(d, at) : Bytes.i32(d, at);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
