package io.sipreg.registrar;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's fdatasync in {@link Durability#WRITE}, on a thread of its own: the writer appends a group commit and
 * answers it at once, and this thread flushes whatever was appended since its last flush, again and again while
 * there is any, starting one at most every {@link #FLUSH_INTERVAL_NANOS}. A disk stall then holds this thread, not
 * the 200 OKs: an append to the page cache does not wait for a flush of the same file running beside it (measured
 * on the benchmark machine's ext4: appends 2.3 ms at worst while a flush took 80 ms).
 *
 * <p>The interval is the trade of this mode: an fdatasync costs the kernel 100-160 us of CPU on that machine
 * whatever it carries, and back to back (0.25 ms each) they took a tenth of sipreg's CPU in a storm of 14,000
 * registrations/s; every 5 ms they are at most 200 a second, and a power loss loses at most the last 5 ms of
 * answered registrations and the flush under way (PostgreSQL's asynchronous commit flushes every 200 ms).
 */
final class JournalFlusher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournalFlusher.class);
    /** After a failed flush, so that a failing disk does not fill the log. */
    private static final long PAUSE_AFTER_FAILURE_MILLIS = 1_000;
    /** The least time from the start of one flush to the start of the next. */
    static final long FLUSH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** What a flush does; the default is {@code force(false)}, fdatasync. Tests hold it to play a stalled disk. */
    @FunctionalInterface
    interface Flush {
        void flush(FileChannel channel) throws IOException;

        Flush FDATASYNC = channel -> channel.force(false);
    }

    private final String name;
    private final Flush flush;
    /** Held during a flush and while the writer moves to a new file, so a flush never meets a closed file. */
    private final Object flushLock = new Object();
    private final Object signal = new Object();
    private final Thread thread;
    private FileChannel channel; // guarded by flushLock
    private long appends; // guarded by signal
    private long flushedAppends; // guarded by signal
    private boolean stopping; // guarded by signal
    private volatile LongConsumer flushListener = nanos -> { };

    JournalFlusher(String name, FileChannel first, Flush flush) {
        this.name = name;
        this.flush = flush;
        this.channel = first;
        this.thread = new Thread(this::run, "sipreg-journal-flush");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Told how long each flush of this thread took (a metric). */
    void onFlush(LongConsumer listener) {
        this.flushListener = listener;
    }

    /**
     * The writer appended to the current file: a flush is due. Only a flusher with nothing left to flush is woken;
     * one that is flushing or waiting out its interval takes this append with the next flush anyway, and waking it
     * at every group commit would cost a context switch each.
     */
    void appended() {
        synchronized (signal) {
            if (appends++ == flushedAppends) {
                signal.notify();
            }
        }
    }

    /**
     * The writer moves on to {@code next}: the current file is flushed first (by the caller's thread, waiting for a
     * flush under way), so that once this returns it may be closed with all it holds on the disk.
     */
    void moveTo(FileChannel next) throws IOException {
        synchronized (flushLock) {
            flush.flush(channel);
            channel = next;
        }
    }

    /** Whether every append reported so far has been flushed. */
    boolean caughtUp() {
        synchronized (signal) {
            return flushedAppends == appends;
        }
    }

    private void run() {
        long lastStart = System.nanoTime() - FLUSH_INTERVAL_NANOS;
        while (true) {
            long target;
            synchronized (signal) {
                while (!stopping && flushedAppends == appends) {
                    try {
                        signal.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                // What comes within the interval waits for the next flush (a stop does not: close() flushes).
                long wait;
                while (!stopping && (wait = lastStart + FLUSH_INTERVAL_NANOS - System.nanoTime()) > 0) {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(signal, wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopping) {
                    return;
                }
                target = appends;
            }
            try {
                long start = System.nanoTime();
                lastStart = start;
                synchronized (flushLock) {
                    flush.flush(channel);
                }
                synchronized (signal) {
                    flushedAppends = target;
                }
                flushListener.accept(System.nanoTime() - start);
            } catch (IOException e) {
                // The 200s have gone: say loudly that a power loss now would lose them.
                log.error("{}: fdatasync of the bindings' journal failed; bindings answered since the last one are "
                        + "not on the disk yet: {}", name, e.toString());
                try {
                    Thread.sleep(PAUSE_AFTER_FAILURE_MILLIS);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** Stops the thread, then flushes once more on the caller's thread: a clean stop leaves nothing unflushed. */
    @Override
    public void close() throws IOException {
        synchronized (signal) {
            stopping = true;
            signal.notify();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (flushLock) {
            flush.flush(channel);
        }
    }
}
