package io.sipreg.registrar;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the {@code bindings} table afresh from memory once the {@link BindingJournal} has grown to a share of the
 * table's size ({@link #BYTES_PER_BINDING}), and retires the journal files the new table holds. A snapshot asks the writer to start a new journal
 * file (between two commits: every change in the older files is then in memory), writes every live binding into
 * {@code bindings_next} in key order, so its pages fill one after another instead of one page written per binding,
 * then in one transaction drops {@code bindings}, renames the new table and records the first journal file it does
 * not hold ({@code meta.journal-from}); only then are the older files deleted.
 *
 * <p>A crash anywhere in between loses nothing: before the swap commits, the old table and every journal file since
 * its snapshot are there (the half-written {@code bindings_next} is dropped by the next snapshot); after it, the new
 * table and the files from its generation. The new table may hold changes that the files after it hold too, made
 * while it was written; replaying a change over a state that already has it changes nothing (see
 * {@link BindingJournal}).
 *
 * <p>The rows are written a few thousand per transaction with pauses between them as long as the writing took, so
 * that a snapshot takes at most about half a core and SQLite's write lock is never held long (users and blocks are
 * written beside it).
 *
 * <p>A snapshot that falls due during a burst of registrations (a storm after an outage) waits for it to pass
 * ({@link #snapshotNow}): even half a core taken from a machine the storm already fills leaves the event loops
 * behind. In a storm of 12,800 registrations/s on two cores, a snapshot of 50,000 bindings that started four
 * seconds in (its first run, so C2 compiled its code meanwhile) put the machine at 100 % and the responses' p99 went
 * from 5-20 ms to 300-700 ms, with REGISTERs shed unanswered. Compaction waits; the journal holds everything.
 */
final class BindingSnapshotter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BindingSnapshotter.class);

    /**
     * A snapshot is due when the journal holds this many bytes per binding in memory (a change takes about 300 in
     * the journal, a binding about 350 in the table): the table is rewritten once per two thirds of its size in
     * changes, and a start replays at most that much...
     */
    static final long BYTES_PER_BINDING = 200;
    /** ...or at least this many: a small table is not rewritten every few seconds. */
    static final long MIN_JOURNAL_BYTES = 16L << 20;
    /**
     * A burst: the journal grew more in the last check than this many times its mean growth per check since the
     * last snapshot (a steady refresh load grows it at the mean)...
     */
    static final long BURST_FACTOR = 2;
    /** ...but a snapshot waits for no burst past this many times its due size: a start would replay all of it. */
    static final long MAX_DEFERRAL = 4;
    private static final int ROWS_PER_TRANSACTION = 2_000;
    private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Connection connection;
    private final Path file;
    private final BindingIndex index;
    private final WalCheckpointer checkpointer;
    /** Appended to by the writer thread; read here only for its size, a volatile field. */
    private final BindingJournal journal;
    private final Thread thread;
    private volatile SqliteStore.Writer writer;
    private volatile boolean stopping;

    BindingSnapshotter(Connection connection, Path file, BindingIndex index, WalCheckpointer checkpointer,
                       BindingJournal journal) throws SQLException {
        this.connection = connection;
        this.file = file;
        this.index = index;
        this.checkpointer = checkpointer;
        this.journal = journal;
        connection.setAutoCommit(false);
        this.thread = new Thread(this::run, "sipreg-store-snapshot");
        this.thread.setDaemon(true);
    }

    void start(SqliteStore.Writer writer) {
        this.writer = writer;
        thread.start();
    }

    /**
     * Whether to take a snapshot now: the journal holds {@code journalBytes} since the last one, of which
     * {@code lastCheckBytes} were written since the previous check, {@code checks} checks ago; {@code bindings} are
     * in memory.
     */
    static boolean snapshotNow(long journalBytes, long lastCheckBytes, long checks, long bindings) {
        long due = Math.max(MIN_JOURNAL_BYTES, BYTES_PER_BINDING * bindings);
        if (journalBytes < due) {
            return false;
        }
        if (journalBytes >= MAX_DEFERRAL * due) {
            return true;
        }
        long meanPerCheck = journalBytes / Math.max(1, checks);
        return lastCheckBytes <= BURST_FACTOR * meanPerCheck;
    }

    private void run() {
        boolean failing = false;
        long checks = 0;
        long lastBytes = journal.bytesSinceSnapshot();
        while (!stopping) {
            LockSupport.parkNanos(CHECK_NANOS);
            if (stopping) {
                return;
            }
            try {
                long bytes = journal.bytesSinceSnapshot();
                checks++;
                boolean now = snapshotNow(bytes, bytes - lastBytes, checks, index.size());
                lastBytes = bytes;
                if (now) {
                    snapshot();
                    checks = 0;
                    lastBytes = journal.bytesSinceSnapshot();
                }
                failing = false;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // The next attempt starts with a transaction of its own anyway.
                }
                if (!stopping && !failing) {
                    log.warn("{}: snapshot of the bindings failed (the journal keeps them): {}", file, e.toString());
                }
                failing = true;
            }
        }
    }

    /** Writes the table from memory and retires the journal files it holds. One at a time (one connection). */
    synchronized void snapshot() throws Exception {
        long start = System.nanoTime();
        long from = writer.onJournal(BindingJournal::rotate).get();
        try (Statement s = connection.createStatement()) {
            s.execute("DROP TABLE IF EXISTS bindings_next");
            s.execute(SqliteStore.BINDINGS_TABLE.formatted("bindings_next"));
        }
        connection.commit();
        List<String> aors = index.aors();
        aors.sort(null);
        int rows = 0;
        try (PreparedStatement insert = connection.prepareStatement("INSERT OR REPLACE INTO bindings_next ("
                + SqliteStore.BINDING_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            long chunkStart = System.nanoTime();
            int inChunk = 0;
            for (String aor : aors) {
                if (stopping) {
                    connection.rollback();
                    return;
                }
                for (Binding b : index.current(aor)) {
                    SqliteStore.bind(insert, b);
                    insert.executeUpdate();
                    rows++;
                    inChunk++;
                }
                if (inChunk >= ROWS_PER_TRANSACTION) {
                    connection.commit();
                    checkpointer.committed();
                    long took = System.nanoTime() - chunkStart;
                    LockSupport.parkNanos(took);
                    chunkStart = System.nanoTime();
                    inChunk = 0;
                }
            }
        }
        try (Statement s = connection.createStatement()) {
            s.execute("DROP TABLE bindings");
            s.execute("ALTER TABLE bindings_next RENAME TO bindings");
            s.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('journal-from', " + from + ")");
        }
        connection.commit();
        checkpointer.committed();
        writer.onJournal(journal -> {
            journal.snapshotTaken(from);
            return from;
        }).get();
        log.info("{}: snapshot of {} bindings in {} ms, journal from generation {}", file, rows,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), from);
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
            connection.rollback();
        } catch (SQLException e) {
            // Closing anyway.
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.debug("{}: {}", file, e.toString());
        }
    }
}
