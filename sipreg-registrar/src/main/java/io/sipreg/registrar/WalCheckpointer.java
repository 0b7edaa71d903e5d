package io.sipreg.registrar;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the write-ahead log into the database file beside the writer thread, not in its way.
 *
 * <p>SQLite's automatic checkpoint runs inside the commit that fills the log past 1,000 pages: that commit copies
 * every page and fsyncs the database file before it returns, and the 200 OKs of its batch, and of every batch
 * queued behind it, wait that long. At 1,000 commits of 10 bindings a second, random keys, in a table shaped like
 * the store's, a commit's median was 0.5 ms and its 99th percentile 11-12 ms.
 *
 * <p>Here the writer's connection checkpoints only on request, and this thread does the bulk of it with a
 * connection of its own: a PASSIVE checkpoint (https://sqlite.org/c3ref/wal_checkpoint_v2.html) copies pages while
 * the writer goes on appending, then an fsync of the database file writes them to disk, which SQLite itself only
 * does when a checkpoint reaches the end of the log, never the case while writes keep coming.
 *
 * <p>The log can only start again from its beginning once a checkpoint has reached its end
 * (https://sqlite.org/wal.html, "Avoiding Excessively Large WAL Files"); so after each pass the writer is asked to
 * finish it between two batches ({@link #finishDue}), which copies the few pages written meanwhile. Without that
 * the log grows without end under a steady load (2.8 GB in 20 s in the measurement above). With it, the same
 * measurement gave a commit's 99th percentile of 4 ms and its 99.9th of 6 ms (13-15 ms before). Durability is
 * SQLite's own: every commit still fsyncs the log before its futures complete; a checkpoint only moves pages that
 * are already durable.
 */
final class WalCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);

    /**
     * Between passes. A longer interval leaves more to write to disk at once, and the writer's fsyncs wait behind
     * it: with 1 s a commit's 99.9th percentile was 17-19 ms, with 250 ms 6 ms (random keys, 10,000 writes/s).
     */
    static final Duration DEFAULT_INTERVAL = Duration.ofMillis(250);
    private static final int MAX_PASSES = 6;
    private static final long SHORT_PASS_NANOS = TimeUnit.MILLISECONDS.toNanos(3);

    private final Connection connection;
    private final FileChannel databaseFile;
    private final Path file;
    private final long intervalNanos;
    private final Thread thread;
    /** Writer commits so far; a pass runs only when it moved. */
    private final AtomicLong commits = new AtomicLong();
    private final AtomicBoolean finishDue = new AtomicBoolean();
    private volatile boolean stopping;

    WalCheckpointer(Connection connection, Path file, Duration interval) throws IOException {
        this.connection = connection;
        this.file = file;
        this.databaseFile = FileChannel.open(file, StandardOpenOption.WRITE);
        this.intervalNanos = interval.toNanos();
        this.thread = new Thread(this::run, "sipreg-store-checkpointer");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** The writer committed a transaction. */
    void committed() {
        commits.incrementAndGet();
    }

    /** True once after each pass: the writer should now run {@link #finish} on its own connection. */
    boolean finishDue() {
        return finishDue.getAndSet(false);
    }

    /**
     * The writer's part, between two batches, on its connection: checkpoints what was appended since the last pass
     * (with no write running, this one reaches the end of the log), so the next transaction starts the log afresh.
     */
    static void finish(Connection writer, Path file) {
        try {
            boolean autoCommit = writer.getAutoCommit();
            // A checkpoint cannot run inside the transaction the driver keeps open between batches.
            writer.setAutoCommit(true);
            try (Statement s = writer.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(PASSIVE)");
            } finally {
                writer.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            // A reader of another process on an old snapshot, say: the log restarts after a later pass instead.
            log.debug("{}: checkpoint by the writer failed: {}", file, e.getMessage());
        }
    }

    private void run() {
        long seen = 0;
        boolean failing = false;
        while (!stopping) {
            try {
                LockSupport.parkNanos(intervalNanos);
                long now = commits.get();
                if (stopping || now == seen) {
                    continue;
                }
                seen = now;
                long start = System.nanoTime();
                int passes = pass();
                finishDue.set(true);
                failing = false;
                if (log.isTraceEnabled()) {
                    log.trace("{}: {} checkpoint passes in {} us", file, passes, (System.nanoTime() - start) / 1_000);
                }
            } catch (SQLException | IOException | RuntimeException e) {
                // Once, not four times a second: the writer's commits, which need no checkpoint, say more if it matters.
                if (!stopping && !failing) {
                    log.warn("{}: checkpoint failed: {}", file, e.toString());
                }
                failing = true;
            }
        }
    }

    /**
     * Copies the log into the database file and writes it to disk, again while that took long: whatever the writer
     * appended meanwhile is copied too, until a pass is short. The writer's own checkpoint is then left with about
     * as little to copy and to write to disk (measured, random keys at 10,000 writes/s: 2-3 ms, where a single pass
     * left it 5-30 ms, growing with the database).
     */
    private int pass() throws SQLException, IOException {
        int passes = 0;
        while (!stopping && passes < MAX_PASSES) {
            long start = System.nanoTime();
            try (Statement s = connection.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(PASSIVE)");
            }
            databaseFile.force(false);
            passes++;
            if (System.nanoTime() - start < SHORT_PASS_NANOS) {
                break;
            }
        }
        return passes;
    }

    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            databaseFile.close();
        } catch (IOException e) {
            log.debug("{}: {}", file, e.toString());
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.debug("{}: {}", file, e.toString());
        }
    }
}
