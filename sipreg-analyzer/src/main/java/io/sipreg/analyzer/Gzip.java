package io.sipreg.analyzer;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Captures are often passed around gzip-compressed ({@code capture.pcap.gz}), and Wireshark and tshark read them as
 * they are: so does the analyzer, recognising the gzip header (RFC 1952 §2.3.1: 1f 8b) rather than the file name.
 */
final class Gzip {
    private static final int BUFFER = 1 << 16;

    private Gzip() {
    }

    static boolean starts(int first, int second) {
        return first == 0x1f && second == 0x8b;
    }

    /** {@code in} as it is, or decompressed when it starts with a gzip header. */
    static InputStream decompressIfGzip(InputStream in) throws IOException {
        var buffered = in instanceof BufferedInputStream b ? b : new BufferedInputStream(in, BUFFER);
        buffered.mark(2);
        int first = buffered.read();
        int second = buffered.read();
        buffered.reset();
        return starts(first, second) ? decompress(buffered) : buffered;
    }

    /** {@code in}, known to start with a gzip header, decompressed. */
    static InputStream decompress(InputStream in) throws IOException {
        return new EndAtDamage(new GZIPInputStream(in, BUFFER));
    }

    /**
     * A compressed stream that is cut off or corrupt ends there, as an uncompressed file would: the capture's
     * readers then report the frame the damage fell in and keep what came before.
     */
    private static final class EndAtDamage extends FilterInputStream {
        EndAtDamage(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (EOFException | ZipException e) {
                return -1;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (EOFException | ZipException e) {
                return -1;
            }
        }
    }
}
