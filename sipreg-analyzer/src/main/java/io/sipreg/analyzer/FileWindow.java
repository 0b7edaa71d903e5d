package io.sipreg.analyzer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * A sliding window over a file: the readers ask for the next n bytes and get them in one array, without the
 * file ever being loaded whole. The window grows only to hold the largest record asked for, up to a bound, so
 * memory stays flat however large the file is.
 */
final class FileWindow {
    private static final int INITIAL = 1 << 20;

    private final ReadableByteChannel channel;
    private final int maxRecord;
    private byte[] buffer = new byte[INITIAL];
    private ByteBuffer wrapper = ByteBuffer.wrap(buffer);
    /** File offset of buffer[0]. */
    private long base;
    private int pos;
    private int limit;
    private boolean eof;

    FileWindow(ReadableByteChannel channel, int maxRecord) {
        this.channel = channel;
        this.maxRecord = maxRecord;
    }

    /** True when {@code n} bytes are available at {@link #pos()}; false when the file ends first. */
    boolean require(int n) throws IOException {
        if (limit - pos >= n) {
            return true;
        }
        if (n > buffer.length) {
            if (n > maxRecord) {
                throw new IllegalArgumentException("record of " + n + " bytes exceeds " + maxRecord);
            }
            byte[] bigger = new byte[Math.max(n, buffer.length * 2)];
            System.arraycopy(buffer, pos, bigger, 0, limit - pos);
            base += pos;
            limit -= pos;
            pos = 0;
            buffer = bigger;
            wrapper = ByteBuffer.wrap(buffer);
        } else if (pos + n > buffer.length) {
            System.arraycopy(buffer, pos, buffer, 0, limit - pos);
            base += pos;
            limit -= pos;
            pos = 0;
        }
        while (limit - pos < n && !eof) {
            wrapper.limit(buffer.length).position(limit);
            int read = channel.read(wrapper);
            if (read < 0) {
                eof = true;
            } else {
                limit += read;
            }
        }
        return limit - pos >= n;
    }

    /** Bytes available at {@link #pos()} without reading more. */
    int available() {
        return limit - pos;
    }

    byte[] array() {
        return buffer;
    }

    int pos() {
        return pos;
    }

    /** The file offset of {@link #pos()}. */
    long offset() {
        return base + pos;
    }

    void skip(int n) {
        pos += n;
    }

    int maxRecord() {
        return maxRecord;
    }
}
