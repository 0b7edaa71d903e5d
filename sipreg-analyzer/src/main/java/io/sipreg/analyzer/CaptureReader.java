package io.sipreg.analyzer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams the frames of a capture, pcap or pcapng, chosen by its first four bytes: from a file or from a pipe, either
 * gzip-compressed or not.
 */
sealed interface CaptureReader extends AutoCloseable permits PcapReader, PcapngReader {
    /** Larger than any snaplen in use (262,144) and than any sane pcapng block. */
    int MAX_RECORD = 16 << 20;

    /** Reads every frame into {@code sink}; damage is reported there, never thrown. */
    void read(FrameSink sink) throws IOException;

    /** "pcap (microseconds, little-endian)" and the like, for the report. */
    String format();

    @Override
    void close() throws IOException;

    static CaptureReader open(Path file) throws UnusableCaptureException, IOException {
        if (Files.isDirectory(file)) {
            throw new UnusableCaptureException(file + ": is a directory, not a capture file");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new UnusableCaptureException(file + ": no such file");
        }
        var magic = ByteBuffer.allocate(2);
        try {
            channel.read(magic, 0);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (magic.position() == 2 && Gzip.starts(magic.get(0) & 0xFF, magic.get(1) & 0xFF)) {
            return open(Channels.newChannel(Gzip.decompress(Channels.newInputStream(channel))), file.toString());
        }
        return open(channel, file.toString());
    }

    /** A capture read from {@code channel} as it comes, which it closes; {@code name} is for messages. */
    static CaptureReader open(ReadableByteChannel channel, String name) throws UnusableCaptureException, IOException {
        try {
            var window = new FileWindow(channel, MAX_RECORD);
            if (!window.require(4)) {
                throw new UnusableCaptureException(name + ": not a pcap or pcapng file ("
                        + (window.available() == 0 ? "empty" : window.available() + " bytes") + ")");
            }
            byte[] d = window.array();
            int magic = Bytes.i32(d, window.pos());
            if (PcapReader.recognizes(magic)) {
                return new PcapReader(channel, window);
            }
            if (magic == PcapngReader.SECTION_HEADER) {
                return new PcapngReader(channel, window);
            }
            throw new UnusableCaptureException(name + ": not a pcap or pcapng file (starts with "
                    + Bytes.hex(d, window.pos(), 4) + ")");
        } catch (UnusableCaptureException | IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }
}
