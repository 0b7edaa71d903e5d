package io.sipreg.analyzer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * A capture arriving through a pipe, such as {@code tcpdump -U -w -}: a channel over the stream that, whenever a
 * read would have to wait for more of the capture, first runs {@link #beforeWaiting}'s task, so that everything
 * analyzed so far is reported while the capture goes on. A stream that never runs dry (a file piped in) never runs
 * it.
 */
final class LiveStream implements ReadableByteChannel {
    private final InputStream in;
    private Runnable beforeWaiting = () -> {
    };
    private boolean open = true;

    LiveStream(InputStream in) {
        this.in = in;
    }

    /** What to run, on the reading thread, before a read that would wait. */
    void beforeWaiting(Runnable task) {
        beforeWaiting = task;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (in.available() == 0) {
            beforeWaiting.run();
        }
        int n;
        if (dst.hasArray()) {
            n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
            if (n > 0) {
                dst.position(dst.position() + n);
            }
        } else {
            byte[] b = new byte[Math.min(dst.remaining(), 1 << 16)];
            n = in.read(b);
            if (n > 0) {
                dst.put(b, 0, n);
            }
        }
        return n;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        open = false;
        in.close();
    }
}
