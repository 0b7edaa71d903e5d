package io.sipreg.registrar;

import io.sipreg.transport.GatheredSends;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * Bindings, users and the nonce secret in one SQLite file, {@code <data>/sipreg.db}.
 *
 * <p><b>Durability.</b> A change of bindings that {@link #update} has completed is in a {@link BindingJournal}
 * file beside the database, fdatasynced: it survives both a killed process (kill -9) and a power loss, as far as
 * the disk honours fsync, and a 200 OK is a promise that the binding exists. Opened with {@link Durability#WRITE}
 * it completes once written to that file, before the fdatasync: it then survives a killed process, and a power
 * loss may take the last few milliseconds of changes (the journal's order is kept either way). The
 * {@code bindings} table holds the bindings as of the last snapshot, which {@link BindingSnapshotter} writes from
 * memory once the journal has grown to a share of the table's size; opening the store reads the table, then replays
 * the journal files the snapshot does not cover. Users, blocks and the rest run in WAL mode with
 * {@code synchronous=FULL}: every commit fsyncs the write-ahead log before it returns.
 *
 * <p><b>Speed.</b> Every write goes through one writer thread doing group commit: it takes every change waiting
 * in its queue, appends the bindings' changes to the journal (or writes users and blocks in one transaction),
 * syncs once, and only then completes their futures. One fdatasync is shared by everything that arrived while the
 * previous one ran, and costs the disk the changes themselves, not a page of SQLite's table for each. SQLite's log
 * is moved into the database file by a thread of its own ({@link WalCheckpointer}). REGISTER processing reads the
 * bindings from an in-memory {@link BindingIndex} loaded at open and updated after each commit, never from disk;
 * so do {@link #bindings} and {@link #all}. Other reads use a small pool of reader connections, which WAL lets run
 * beside the writer.
 *
 * <p><b>Serving and reading.</b> One process at a time owns the bindings ({@code serving}): it holds a lock on
 * {@code bindings.lock}, writes the journal and takes the snapshots. Another ({@code sipreg bindings}, {@code
 * sipreg users} while serve runs) reads the table and the journal whenever it lists bindings, and may write users
 * and blocks, never bindings.
 *
 * <p><b>Several processes.</b> The CLI opens the same file while {@code serve} runs, to list bindings and manage
 * users. Write transactions are short (one batch), take the write lock only at their first write, and every
 * connection waits up to {@value #BUSY_TIMEOUT_MILLIS} ms for a lock. Users are cached, but every lookup first asks
 * SQLite whether anyone else has committed since ({@code PRAGMA data_version}), so a user added by another process
 * is usable by the next REGISTER (see {@link #find}). Reads of bindings through {@link #bindings} and {@link #all}
 * show what the serving process had written when this one opened. Blocks ({@link BlockStore}) are written and read the
 * same way, so {@code sipreg blocks} lists and removes those of a running server.
 */
public final class SqliteStore implements RegistrationStore, BlockStore {
    public static final String FILE_NAME = "sipreg.db";

    static final int BUSY_TIMEOUT_MILLIS = 5_000;
    /**
     * 1: the first release; 2: bindings.nat (the device is behind NAT); 3: the table is a snapshot, the bindings
     * since are in the journal files beside it (a version before 3 would miss them).
     */
    private static final int SCHEMA_VERSION = 3;
    private static final int MAX_BATCH = 2_048;
    /**
     * Beyond this many waiting writes the disk is not keeping up: a write is refused ({@link StoreException#isBusy},
     * 503 to the device) rather than held in memory without bound.
     */
    public static final int DEFAULT_MAX_PENDING_WRITES = 100_000;
    /** {@link #putAll} hands the writer this many users at a time, so a file of any size fits the queue. */
    private static final int IMPORT_CHUNK = 10_000;
    private static final int NONCE_SECRET_BYTES = 32;
    private static final String NONCE_SECRET_KEY = "nonce-secret";

    private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);

    /** The bindings table, named by its one argument: {@code bindings}, or the next snapshot being written. */
    static final String BINDINGS_TABLE = """
            CREATE TABLE IF NOT EXISTS %s (
                aor TEXT NOT NULL,
                contact_uri TEXT NOT NULL,
                contact TEXT NOT NULL,
                expires_at INTEGER NOT NULL,
                q INTEGER NOT NULL,
                call_id TEXT NOT NULL,
                cseq INTEGER NOT NULL,
                source TEXT NOT NULL,
                transport TEXT NOT NULL,
                local_socket TEXT NOT NULL,
                connection_id INTEGER NOT NULL,
                user_agent TEXT NOT NULL,
                instance_id TEXT NOT NULL,
                reg_id INTEGER NOT NULL,
                path TEXT NOT NULL,
                registered_at INTEGER NOT NULL,
                last_updated INTEGER NOT NULL,
                nat INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (aor, contact_uri)
            ) WITHOUT ROWID""";

    private static final List<String> SCHEMA = List.of(
            BINDINGS_TABLE.formatted("bindings"),
            // Expired bindings are dropped from memory and left out of the next snapshot; no query needs this.
            "DROP INDEX IF EXISTS bindings_by_expiry",
            """
            CREATE TABLE IF NOT EXISTS users (
                username TEXT NOT NULL,
                domain TEXT NOT NULL,
                ha1_md5 TEXT NOT NULL,
                ha1_sha256 TEXT NOT NULL,
                PRIMARY KEY (username, domain)
            ) WITHOUT ROWID""",
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
            // Bumped on every change to users, whichever process makes it, so that a cached user list can tell
            // whether it is still current (see UserCache).
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('users-version', 0)",
            """
            CREATE TRIGGER IF NOT EXISTS users_inserted AFTER INSERT ON users BEGIN
                UPDATE meta SET value = value + 1 WHERE key = 'users-version';
            END""",
            """
            CREATE TRIGGER IF NOT EXISTS users_updated AFTER UPDATE ON users BEGIN
                UPDATE meta SET value = value + 1 WHERE key = 'users-version';
            END""",
            """
            CREATE TRIGGER IF NOT EXISTS users_deleted AFTER DELETE ON users BEGIN
                UPDATE meta SET value = value + 1 WHERE key = 'users-version';
            END""",
            // Blocks of password guessing (BruteForceGuard), here so that `sipreg blocks` sees and removes them while
            // the server runs. A table of its own that older versions never read, so the schema version stays.
            """
            CREATE TABLE IF NOT EXISTS blocks (
                source TEXT NOT NULL,
                username TEXT NOT NULL,
                started_at INTEGER NOT NULL,
                until INTEGER NOT NULL,
                offence INTEGER NOT NULL,
                failures INTEGER NOT NULL,
                refused INTEGER NOT NULL,
                PRIMARY KEY (source, username)
            ) WITHOUT ROWID""");

    static final String BINDING_COLUMNS = "aor, contact_uri, contact, expires_at, q, call_id, cseq, source, "
            + "transport, local_socket, connection_id, user_agent, instance_id, reg_id, path, registered_at, "
            + "last_updated, nat";

    private final Path file;
    private final Clock clock;
    private final BindingIndex index;
    private final byte[] nonceSecret;
    private final Writer writer;
    private final WalCheckpointer checkpointer;
    /** Null unless serving. */
    private final BindingSnapshotter snapshotter;
    /** Null unless serving: held while this process owns the bindings. */
    private final java.nio.channels.FileChannel bindingsLock;
    private final ArrayBlockingQueue<Reader> readers;
    private final List<Reader> allReaders;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final UserCache userCache = new UserCache();
    /**
     * When the users table was last checked for changes. Checking costs a query (and a file lock), so a lookup
     * checks only once this is {@link #USERS_CHECK_INTERVAL_NANOS} old: a user added or changed by another process
     * ({@code sipreg users add} while serve runs) counts within that time, which no device notices.
     */
    private volatile long usersCheckedAt;
    private static final long USERS_CHECK_INTERVAL_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

    private SqliteStore(Path file, Clock clock, BindingIndex index, byte[] nonceSecret, Writer writer,
                        WalCheckpointer checkpointer, BindingSnapshotter snapshotter,
                        java.nio.channels.FileChannel bindingsLock, List<Reader> readers) {
        this.file = file;
        this.clock = clock;
        this.index = index;
        this.nonceSecret = nonceSecret;
        this.writer = writer;
        this.checkpointer = checkpointer;
        this.snapshotter = snapshotter;
        this.bindingsLock = bindingsLock;
        this.allReaders = List.copyOf(readers);
        this.readers = new ArrayBlockingQueue<>(readers.size(), false, readers);
    }

    /** Opens (creating if needed) {@code dataDirectory} and {@code sipreg.db} in it. */
    public static SqliteStore open(Path dataDirectory) {
        return open(dataDirectory, Clock.systemUTC());
    }

    /** Opens it beside the process that serves it, as the CLI does: see {@link #open(Path, Clock, int, boolean)}. */
    public static SqliteStore openBeside(Path dataDirectory) {
        return open(dataDirectory, Clock.systemUTC(), DEFAULT_MAX_PENDING_WRITES, false);
    }

    /** As {@link #open(Path)}, with the clock that decides which bindings have expired. */
    public static SqliteStore open(Path dataDirectory, Clock clock) {
        return open(dataDirectory, clock, DEFAULT_MAX_PENDING_WRITES);
    }

    /**
     * As {@link #open(Path, Clock)}, with room for {@code maxPendingWrites} writes waiting for the disk; beyond that
     * {@link #update} fails at once with a busy {@link StoreException}.
     */
    public static SqliteStore open(Path dataDirectory, Clock clock, int maxPendingWrites) {
        return open(dataDirectory, clock, maxPendingWrites, true);
    }

    /**
     * As {@link #open(Path, Clock, int)}; {@code serving} false opens it beside the process that serves (see
     * above): {@link #bindings} and {@link #all} read the table and the journal at each call, and a change of
     * bindings is refused.
     */
    public static SqliteStore open(Path dataDirectory, Clock clock, int maxPendingWrites, boolean serving) {
        return open(dataDirectory, clock, maxPendingWrites, serving, Durability.FSYNC);
    }

    /**
     * As {@link #open(Path, Clock, int, boolean)}; {@code durability} says when a change of bindings completes:
     * once its journal record is on the disk, or once it is written to the journal file (see {@link Durability}).
     */
    public static SqliteStore open(Path dataDirectory, Clock clock, int maxPendingWrites, boolean serving,
                                   Durability durability) {
        if (maxPendingWrites <= 0) {
            throw new IllegalArgumentException("maxPendingWrites must be > 0, was " + maxPendingWrites);
        }
        Path file = dataDirectory.resolve(FILE_NAME);
        createPrivateDirectory(dataDirectory);
        createPrivateFile(file);
        Connection writeConnection = null;
        WalCheckpointer checkpointer = null;
        java.nio.channels.FileChannel lock = null;
        BindingJournal journal = null;
        var readers = new ArrayList<Reader>();
        try {
            if (serving) {
                lock = lockBindings(dataDirectory);
            }
            writeConnection = connect(file);
            migrate(writeConnection, file);
            byte[] secret = nonceSecret(writeConnection);
            // Enough that the event-loop threads (2 per core in Netty) rarely wait for one.
            int readerCount = Math.max(4, Math.min(16, 2 * Runtime.getRuntime().availableProcessors()));
            for (int i = 0; i < readerCount; i++) {
                readers.add(new Reader(connect(file)));
            }
            var loaded = load(readers.get(0), dataDirectory, clock);
            var index = loaded.index();
            checkpointer = new WalCheckpointer(connect(file), file, WalCheckpointer.DEFAULT_INTERVAL);
            try (Statement s = writeConnection.createStatement()) {
                // The writer checkpoints only when asked, between batches; see WalCheckpointer.
                s.execute("PRAGMA wal_autocheckpoint = 0");
            }
            BindingSnapshotter snapshotter = null;
            if (serving) {
                journal = BindingJournal.create(dataDirectory, loaded.nextGeneration(), durability);
                // Files a snapshot covered but a crash left behind go; the others count towards the next one.
                journal.snapshotTaken(loaded.journalFrom());
                snapshotter = new BindingSnapshotter(connect(file), file, index, checkpointer, journal);
            }
            var writer = new Writer(writeConnection, file, maxPendingWrites, checkpointer, journal);
            if (snapshotter != null) {
                snapshotter.start(writer);
            }
            writer.start();
            checkpointer.start();
            var store = new SqliteStore(file, clock, index, secret, writer, checkpointer, snapshotter, lock, readers);
            try {
                store.preloadUsers();
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
            return store;
        } catch (SQLException | IOException | RuntimeException e) {
            if (checkpointer != null) {
                checkpointer.close();
            }
            readers.forEach(Reader::closeQuietly);
            closeQuietly(writeConnection);
            if (journal != null) {
                try {
                    journal.close();
                } catch (IOException ignored) {
                    // Already failing.
                }
            }
            if (lock != null) {
                try {
                    lock.close();
                } catch (IOException ignored) {
                    // Already failing.
                }
            }
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException(file + ": cannot open database: " + e.getMessage(), e);
        }
    }

    /** The bindings as the table and the journal files after it hold them, and where the journal goes on. */
    private record Loaded(BindingIndex index, long journalFrom, long nextGeneration) {
    }

    private static Loaded load(Reader reader, Path directory, Clock clock) throws SQLException, IOException {
        for (int attempt = 0; ; attempt++) {
            long from = reader.journalFrom();
            var index = new BindingIndex(clock::millis);
            for (Binding b : reader.bindings(clock.millis())) {
                index.load(b);
            }
            long[] generations = BindingJournal.generations(directory);
            long last = from - 1;
            long[] purged = {Long.MIN_VALUE};
            try {
                for (long g : generations) {
                    last = Math.max(last, g);
                    if (g < from) {
                        continue;
                    }
                    var replayed = BindingJournal.replay(directory, g, index::apply,
                            t -> purged[0] = Math.max(purged[0], t));
                    if (replayed.damage() != null) {
                        // The tail of the write a crash interrupted: never acknowledged. Anything else is worth a look.
                        log.info("{} (replayed {} changes before it)", replayed.damage(), replayed.changes());
                    }
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // The serving process took a snapshot meanwhile and removed the files it covers: read it.
                if (attempt < 3) {
                    continue;
                }
                throw e;
            }
            // Bindings purged as expired stay purged even if the clock has gone back since.
            if (purged[0] > clock.millis()) {
                index.purgeExpired(purged[0]);
            }
            return new Loaded(index, from, last + 1);
        }
    }

    /** Only one process writes the bindings of a data directory: two journals would each lose the other's. */
    private static java.nio.channels.FileChannel lockBindings(Path directory) throws IOException {
        Path lockFile = directory.resolve("bindings.lock");
        createPrivateFile(lockFile);
        var channel = java.nio.channels.FileChannel.open(lockFile, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE);
        try {
            if (channel.tryLock() == null) {
                channel.close();
                throw new StoreException(directory + " is in use by another sipreg serve (" + lockFile
                        + " is locked)");
            }
        } catch (java.nio.channels.OverlappingFileLockException e) {
            channel.close();
            throw new StoreException(directory + " is already open for serving in this process");
        }
        return channel;
    }

    /** Writes the bindings table from memory now and retires the journal files it holds (see BindingSnapshotter). */
    void snapshot() throws Exception {
        snapshotter.snapshot();
    }

    boolean isClosed() {
        return closed.get();
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    @Override
    public String location() {
        return file.toString();
    }

    /**
     * The server secret for {@link NonceService}, created at random the first time the file is opened and kept in
     * it, so that nonces stay valid across restarts and every process opening the file agrees on it.
     */
    @Override
    public byte[] nonceSecret() {
        return nonceSecret.clone();
    }

    // ---- LocationStore ----

    @Override
    public List<Binding> bindings(String aor) {
        return latest().current(aor);
    }

    @Override
    public List<Binding> all() {
        return latest().all();
    }

    /** This process's bindings when it serves; when it does not, what the serving process has written by now. */
    private BindingIndex latest() {
        if (snapshotter != null) {
            return index;
        }
        return read(r -> {
            try {
                return load(r, file.getParent(), clock).index();
            } catch (IOException e) {
                throw new StoreException(file.getParent() + ": cannot read the binding journal: " + e.getMessage(), e);
            }
        });
    }

    @Override
    public List<Binding> current(String aor) {
        return index.current(aor);
    }

    @Override
    public <R> CompletionStage<R> update(String aor, Function<List<Binding>, BindingChange<R>> decision) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new StoreException("location store is closed"));
        }
        return index.update(aor, decision, (key, change) -> {
            if (snapshotter == null) {
                return CompletableFuture.failedFuture(new StoreException(
                        file + " is open beside the process that serves it: bindings are read only"));
            }
            var done = new CompletableFuture<Void>();
            writer.submit(new BindingWrite(key, change, done));
            return done;
        });
    }

    @Override
    public int removeExpired(Instant now) {
        long nowMillis = now.toEpochMilli();
        int removed = index.purgeExpired(nowMillis);
        if (removed > 0 && snapshotter != null) {
            // The table's expired rows are left out of the next snapshot, and a replay skips what has expired by
            // the time it runs; this mark keeps them gone if the clock is set back meanwhile.
            await(writer.onJournal(journal -> {
                journal.addPurge(nowMillis);
                journal.commit();
                return nowMillis;
            }));
        }
        return removed;
    }

    /** The most writes that may wait; one more is refused as busy. */
    public int maxPendingWrites() {
        return writer.capacity;
    }

    /** The number of bindings held in memory, expired or not; for metrics. */
    public int indexedBindings() {
        return index.size();
    }

    /** Unexpired bindings and those behind NAT, counted in memory (this process's view). */
    @Override
    public BindingCount countBindings() {
        return index.count();
    }

    /** Moves whenever this process changes a binding (REGISTER, removal, expiry): a cheap "anything new?". */
    @Override
    public long bindingsVersion() {
        return index.version();
    }

    /** Writes waiting for the writer thread now: how far the disk is behind. */
    @Override
    public int pendingWrites() {
        return writer.queue.size();
    }

    /**
     * Hears of every commit of the writer thread, and in {@link Durability#WRITE} of every fdatasync of the journal
     * beside it: for latency metrics. Called on those threads; must be quick.
     */
    public void setCommitListener(CommitListener listener) {
        writer.listener = java.util.Objects.requireNonNull(listener, "listener");
        if (writer.journal != null) {
            writer.journal.onFlush(listener::flushed);
        }
    }

    /** One committed transaction of the writer thread. */
    @FunctionalInterface
    public interface CommitListener {
        CommitListener NONE = (writes, nanos) -> { };

        /**
         * @param writes the changes committed together (group commit)
         * @param nanos  from the first statement to the end of the commit, fsync included in {@link Durability#FSYNC}
         */
        void committed(int writes, long nanos);

        /** In {@link Durability#WRITE}: one fdatasync of the journal took {@code nanos}, on its own thread. */
        default void flushed(long nanos) {
        }
    }

    // ---- UserStore ----

    @Override
    public void put(User user) {
        var done = new CompletableFuture<Boolean>();
        writer.submit(new UserWrite(user, done));
        try {
            await(done);
        } finally {
            userCache.invalidate();
        }
    }

    /**
     * Adds or replaces many users; the writer commits them in as few transactions as it can (group commit). They are
     * handed over in chunks, each once the one before is written, so any number fits the writer's bounded queue.
     */
    @Override
    public void putAll(java.util.Collection<User> users) {
        var pending = new java.util.ArrayList<CompletableFuture<Boolean>>(IMPORT_CHUNK);
        try {
            for (User user : users) {
                var done = new CompletableFuture<Boolean>();
                writer.submit(new UserWrite(user, done));
                pending.add(done);
                if (pending.size() == IMPORT_CHUNK) {
                    awaitAll(pending);
                }
            }
            awaitAll(pending);
        } finally {
            userCache.invalidate();
        }
    }

    private static void awaitAll(List<CompletableFuture<Boolean>> pending) {
        for (CompletableFuture<Boolean> done : pending) {
            await(done);
        }
        pending.clear();
    }

    @Override
    public boolean remove(String username, String domain) {
        var done = new CompletableFuture<Boolean>();
        writer.submit(new UserDelete(username, domain.toLowerCase(java.util.Locale.ROOT), done));
        try {
            return await(done);
        } finally {
            userCache.invalidate();
        }
    }

    /**
     * Served from memory when nothing changed: every call asks its connection for {@code PRAGMA data_version}, which
     * moves whenever another connection (our writer, or another process such as {@code sipreg users add}) commits,
     * and only then re-reads the users version. A user added elsewhere is therefore found by the very next call.
     * Known and unknown users are cached alike, so a lookup costs the same either way and its timing does not tell
     * an attacker which usernames exist.
     */
    @Override
    public Optional<User> find(String username, String domain) {
        String d = domain.toLowerCase(java.util.Locale.ROOT);
        if (System.nanoTime() - usersCheckedAt >= USERS_CHECK_INTERVAL_NANOS) {
            read(r -> {
                checkUsersVersion(r);
                return null;
            });
        }
        return userCache.find(username, d, (u, dom) -> read(r -> r.findUser(u, dom)));
    }

    /** Reads the whole users table into the cache when it fits (see {@link UserCache}). */
    private void preloadUsers() {
        read(r -> {
            long version = checkUsersVersion(r);
            if (r.countUsers() < UserCache.capacity()) {
                userCache.fill(version, r.users());
            }
            return null;
        });
    }

    /**
     * Tells the cache the users version when the database changed since this connection last looked (any commit,
     * ours or another process's, moves {@code data_version}); returns the version the cache now holds.
     */
    private long checkUsersVersion(Reader r) throws SQLException {
        usersCheckedAt = System.nanoTime();
        long dataVersion = r.dataVersion();
        if (dataVersion != r.lastDataVersion) {
            r.lastDataVersion = dataVersion;
            userCache.validate(r.usersVersion());
        }
        return userCache.version();
    }

    @Override
    public List<User> list() {
        return read(Reader::users);
    }

    // ---- BlockStore ----

    @Override
    public CompletionStage<Void> saveBlock(Block block) {
        return write(s -> {
            s.upsertBlock.setString(1, block.source());
            s.upsertBlock.setString(2, block.user());
            s.upsertBlock.setLong(3, block.startedAt());
            s.upsertBlock.setLong(4, block.until());
            s.upsertBlock.setInt(5, block.offence());
            s.upsertBlock.setInt(6, block.failures());
            s.upsertBlock.setLong(7, block.refused());
            return s.upsertBlock.executeUpdate();
        }).thenApply(n -> null);
    }

    @Override
    public CompletionStage<Void> updateRefused(Block block) {
        return write(s -> {
            s.updateBlockRefused.setLong(1, block.refused());
            s.updateBlockRefused.setString(2, block.source());
            s.updateBlockRefused.setString(3, block.user());
            s.updateBlockRefused.setLong(4, block.startedAt());
            return s.updateBlockRefused.executeUpdate();
        }).thenApply(n -> null);
    }

    @Override
    public CompletionStage<Void> deleteBlock(String source, String user) {
        return write(s -> {
            s.deleteBlock.setString(1, source);
            s.deleteBlock.setString(2, user);
            return s.deleteBlock.executeUpdate();
        }).thenApply(n -> null);
    }

    @Override
    public List<Block> blocks() {
        return read(Reader::blocks);
    }

    @Override
    public int removeBlocksOfSource(String source) {
        return await(write(s -> {
            s.deleteBlocksOfSource.setString(1, source);
            return s.deleteBlocksOfSource.executeUpdate();
        }));
    }

    @Override
    public int removeBlocksOfUser(String user) {
        return await(write(s -> {
            s.deleteBlocksOfUser.setString(1, user);
            return s.deleteBlocksOfUser.executeUpdate();
        }));
    }

    private CompletableFuture<Integer> write(SqlAction action) {
        var done = new CompletableFuture<Integer>();
        writer.submit(new ActionWrite(action, done));
        return done;
    }

    /**
     * Finishes the writes already queued, then closes the connections. Not needed for durability: everything whose
     * future completed is already on disk, so a process that dies without calling this loses nothing it promised.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (snapshotter != null) {
            snapshotter.close();
        }
        checkpointer.close();
        writer.stop();
        for (Reader r : allReaders) {
            r.closeQuietly();
        }
        if (bindingsLock != null) {
            try {
                bindingsLock.close();
            } catch (IOException e) {
                log.debug("{}: {}", file, e.toString());
            }
        }
    }

    // ---- plumbing ----

    private interface SqlFunction<T> {
        T apply(Reader reader) throws SQLException;
    }

    private <T> T read(SqlFunction<T> query) {
        if (closed.get()) {
            throw new StoreException("store is closed");
        }
        Reader reader;
        try {
            reader = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted waiting for a database connection", e);
        }
        try {
            return query.apply(reader);
        } catch (SQLException e) {
            throw new StoreException(file + ": read failed: " + e.getMessage(), e);
        } finally {
            readers.offer(reader);
        }
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted waiting for the database", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("write failed", e.getCause());
        }
    }

    static Connection connect(Path file) throws SQLException {
        var config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // FULL: the WAL is fsynced at every commit, so a 200 OK survives power loss, not just kill -9.
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        // Keep the WAL from growing without bound when a reader in another process holds back checkpoints.
        config.setJournalSizeLimit(64 * 1024 * 1024);
        // Otherwise the driver runs "SELECT last_insert_rowid()", prepared afresh, after every INSERT.
        config.setGetGeneratedKeys(false);
        return config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
    }

    /**
     * The database file is created readable and writable by its owner only (0600) before SQLite opens it: it holds
     * HA1 digests and the nonce secret, and SQLite gives its -wal and -shm files the mode of the database file.
     */
    static void createPrivateFile(Path file) {
        if (Files.exists(file)) {
            return;
        }
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            // Another process created it first; it made it the same way.
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: whoever opens the file creates it with what the OS gives.
        } catch (IOException e) {
            throw new StoreException(file + ": cannot create it: " + e.getMessage(), e);
        }
    }

    /** The directory holds HA1 digests and the nonce secret: readable by its owner only, where the OS allows. */
    private static void createPrivateDirectory(Path dir) {
        try {
            if (Files.isDirectory(dir)) {
                return;
            }
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(dir);
            }
        } catch (FileAlreadyExistsException e) {
            throw new StoreException(dir + ": exists and is not a directory", e);
        } catch (IOException e) {
            throw new StoreException(dir + ": cannot create data directory: " + e.getMessage(), e);
        }
    }

    private static void migrate(Connection c, Path file) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            try {
                int version;
                try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                    version = rs.next() ? rs.getInt(1) : 0;
                }
                if (version > SCHEMA_VERSION) {
                    throw new SQLException(file + " was written by a newer sipreg (schema " + version + ")");
                }
                for (String ddl : SCHEMA) {
                    s.execute(ddl);
                }
                if (!hasColumn(s, "bindings", "nat")) {
                    addNatColumn(c, s);
                }
                s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
                s.execute("COMMIT");
            } catch (SQLException e) {
                rollbackQuietly(s);
                throw e;
            }
        }
    }

    private static boolean hasColumn(Statement s, String table, String column) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) {
                if (column.equalsIgnoreCase(rs.getString("name"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Schema 1 to 2: bindings learn whether their device is behind NAT. The Via of the REGISTER that made an old
     * binding is gone, so its Contact is compared with its source; the next refresh decides with both.
     */
    private static void addNatColumn(Connection c, Statement s) throws SQLException {
        s.execute("ALTER TABLE bindings ADD COLUMN nat INTEGER NOT NULL DEFAULT 0");
        var behindNat = new ArrayList<String[]>();
        try (ResultSet rs = s.executeQuery("SELECT aor, contact_uri, source, transport FROM bindings")) {
            while (rs.next()) {
                if (contactDiffersFromSource(rs.getString(2), rs.getString(3), rs.getString(4))) {
                    behindNat.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        try (PreparedStatement mark = c.prepareStatement(
                "UPDATE bindings SET nat = 1 WHERE aor = ? AND contact_uri = ?")) {
            for (String[] key : behindNat) {
                mark.setString(1, key[0]);
                mark.setString(2, key[1]);
                mark.executeUpdate();
            }
        }
        log.info("bindings table upgraded to schema 2: {} existing bindings marked as behind NAT", behindNat.size());
    }

    private static boolean contactDiffersFromSource(String contactUri, String source, String transport) {
        try {
            Optional<java.net.InetSocketAddress> from = BindingFlow.socketAddress(source);
            return from.isPresent() && NatDetection.contactDiffers(io.sipreg.message.SipUri.parse(contactUri),
                    from.get(), !"UDP".equals(transport));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static byte[] nonceSecret(Connection c) throws SQLException {
        byte[] fresh = new byte[NONCE_SECRET_BYTES];
        new SecureRandom().nextBytes(fresh);
        // INSERT OR IGNORE, then read back: two processes opening a new file at once end up with the same secret.
        try (PreparedStatement insert = c.prepareStatement("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)")) {
            insert.setString(1, NONCE_SECRET_KEY);
            insert.setBytes(2, fresh);
            insert.executeUpdate();
        }
        try (PreparedStatement select = c.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            select.setString(1, NONCE_SECRET_KEY);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("nonce secret missing after insert");
                }
                byte[] secret = rs.getBytes(1);
                Arrays.fill(fresh, (byte) 0);
                return secret;
            }
        }
    }

    private static void rollbackQuietly(Statement s) {
        try {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // Nothing was open, or the connection is gone; either way there is nothing left to undo.
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // The transaction is gone with the failure; nothing left to undo.
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                log.debug("closing connection: {}", e.getMessage());
            }
        }
    }

    // ---- rows ----

    static void bind(PreparedStatement st, Binding b) throws SQLException {
        st.setString(1, b.aor());
        st.setString(2, b.contactUri());
        st.setString(3, b.contact());
        st.setLong(4, b.expiresAt());
        st.setInt(5, b.q());
        st.setString(6, b.callId());
        st.setLong(7, b.cseq());
        st.setString(8, b.source());
        st.setString(9, b.transport());
        st.setString(10, b.localSocket());
        st.setLong(11, b.connectionId());
        st.setString(12, b.userAgent());
        st.setString(13, b.instanceId());
        st.setInt(14, b.regId());
        // Path values are header values, which never contain a line break once unfolded.
        st.setString(15, String.join("\n", b.path()));
        st.setLong(16, b.registeredAt());
        st.setLong(17, b.lastUpdated());
        st.setInt(18, b.nat() ? 1 : 0);
    }

    private static Binding binding(ResultSet rs) throws SQLException {
        String path = rs.getString(15);
        return new Binding(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getInt(5),
                rs.getString(6), rs.getLong(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getLong(11),
                rs.getInt(18) != 0, rs.getString(12), rs.getString(13), rs.getInt(14),
                path.isEmpty() ? List.of() : List.of(path.split("\n")), rs.getLong(16), rs.getLong(17));
    }

    /** A connection for reads, with its statements prepared once. Used by one thread at a time. */
    private static final class Reader {
        private final Connection connection;
        private final PreparedStatement dataVersion;
        private final PreparedStatement usersVersion;
        private final PreparedStatement findUser;
        private final PreparedStatement listUsers;
        private final PreparedStatement countUsers;
        private final PreparedStatement journalFrom;
        private final PreparedStatement allBindings;
        private final PreparedStatement listBlocks;

        Reader(Connection connection) throws SQLException {
            this.connection = connection;
            try (Statement s = connection.createStatement()) {
                s.execute("PRAGMA query_only = 1");
            }
            dataVersion = connection.prepareStatement("PRAGMA data_version");
            usersVersion = connection.prepareStatement("SELECT value FROM meta WHERE key = 'users-version'");
            findUser = connection.prepareStatement(
                    "SELECT ha1_md5, ha1_sha256 FROM users WHERE username = ? AND domain = ?");
            countUsers = connection.prepareStatement("SELECT count(*) FROM users");
            listUsers = connection.prepareStatement(
                    "SELECT username, domain, ha1_md5, ha1_sha256 FROM users ORDER BY domain, username");
            journalFrom = connection.prepareStatement("SELECT value FROM meta WHERE key = 'journal-from'");
            allBindings = connection.prepareStatement(
                    "SELECT " + BINDING_COLUMNS + " FROM bindings WHERE expires_at > ? ORDER BY aor");
            listBlocks = connection.prepareStatement("SELECT source, username, started_at, until, offence, failures,"
                    + " refused FROM blocks ORDER BY source, username");
        }

        List<Block> blocks() throws SQLException {
            var result = new ArrayList<Block>();
            try (ResultSet rs = listBlocks.executeQuery()) {
                while (rs.next()) {
                    result.add(new Block(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getInt(5),
                            rs.getInt(6), rs.getLong(7)));
                }
            }
            return result;
        }

        /** The data_version this connection saw last; -1 before the first look. Used by one thread at a time. */
        long lastDataVersion = -1;

        long dataVersion() throws SQLException {
            try (ResultSet rs = dataVersion.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }

        long usersVersion() throws SQLException {
            try (ResultSet rs = usersVersion.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }

        Optional<User> findUser(String username, String domain) throws SQLException {
            findUser.setString(1, username);
            findUser.setString(2, domain);
            try (ResultSet rs = findUser.executeQuery()) {
                return rs.next()
                        ? Optional.of(new User(username, domain, rs.getString(1), rs.getString(2)))
                        : Optional.empty();
            }
        }

        long countUsers() throws SQLException {
            try (ResultSet rs = countUsers.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }

        List<User> users() throws SQLException {
            var users = new ArrayList<User>();
            try (ResultSet rs = listUsers.executeQuery()) {
                while (rs.next()) {
                    users.add(new User(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
            return users;
        }

        /** The first journal generation the table does not hold (0: all of them). */
        long journalFrom() throws SQLException {
            try (ResultSet rs = journalFrom.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }

        List<Binding> bindings(long nowMillis) throws SQLException {
            allBindings.setLong(1, nowMillis);
            var result = new ArrayList<Binding>();
            try (ResultSet rs = allBindings.executeQuery()) {
                while (rs.next()) {
                    result.add(binding(rs));
                }
            }
            // Rows come grouped by AOR; order each group by preference.
            int start = 0;
            for (int i = 1; i <= result.size(); i++) {
                if (i == result.size() || !result.get(i).aor().equals(result.get(start).aor())) {
                    result.subList(start, i).sort(Binding.PREFERENCE);
                    start = i;
                }
            }
            return result;
        }

        void closeQuietly() {
            SqliteStore.closeQuietly(connection);
        }
    }

    // ---- writes ----

    /** The writer's connection and prepared statements. Touched by the writer thread only. */
    private static final class Statements {
        final PreparedStatement upsertUser;
        final PreparedStatement deleteUser;
        final PreparedStatement upsertBlock;
        final PreparedStatement updateBlockRefused;
        final PreparedStatement deleteBlock;
        final PreparedStatement deleteBlocksOfSource;
        final PreparedStatement deleteBlocksOfUser;

        Statements(Connection c) throws SQLException {
            upsertUser = c.prepareStatement(
                    "INSERT OR REPLACE INTO users (username, domain, ha1_md5, ha1_sha256) VALUES (?, ?, ?, ?)");
            deleteUser = c.prepareStatement("DELETE FROM users WHERE username = ? AND domain = ?");
            upsertBlock = c.prepareStatement("INSERT OR REPLACE INTO blocks (source, username, started_at, until,"
                    + " offence, failures, refused) VALUES (?, ?, ?, ?, ?, ?, ?)");
            // Only the block it counts for: a block removed meanwhile stays removed.
            updateBlockRefused = c.prepareStatement(
                    "UPDATE blocks SET refused = ? WHERE source = ? AND username = ? AND started_at = ?");
            deleteBlock = c.prepareStatement("DELETE FROM blocks WHERE source = ? AND username = ?");
            deleteBlocksOfSource = c.prepareStatement("DELETE FROM blocks WHERE source = ?");
            deleteBlocksOfUser = c.prepareStatement("DELETE FROM blocks WHERE username = ?");
        }
    }

    /** What the writer's queue holds: each is completed once its commit is durable, or failed. */
    private interface Task {
        void committed();

        void failed(StoreException error);
    }

    /** A write of users, blocks or other rows, made as statements in the writer's transaction. */
    private interface StatementTask extends Task {
        void write(Statements s) throws SQLException;
    }

    /** A change of bindings: appended to the journal by the writer, not written as a statement. */
    private record BindingWrite(String aor, BindingChange<?> change, CompletableFuture<Void> done) implements Task {
        @Override
        public void committed() {
            done.complete(null);
        }

        @Override
        public void failed(StoreException error) {
            done.completeExceptionally(error);
        }
    }

    /** Work on the journal that must fall between two of the writer's commits (rotation, retiring old files). */
    record JournalJob(JournalAction action, CompletableFuture<Long> done) implements Task {
        @Override
        public void committed() {
        }

        @Override
        public void failed(StoreException error) {
            done.completeExceptionally(error);
        }
    }

    @FunctionalInterface
    interface JournalAction {
        long run(BindingJournal journal) throws IOException;
    }

    private static final class UserWrite implements StatementTask {
        private final User user;
        private final CompletableFuture<Boolean> done;

        UserWrite(User user, CompletableFuture<Boolean> done) {
            this.user = user;
            this.done = done;
        }

        @Override
        public void write(Statements s) throws SQLException {
            s.upsertUser.setString(1, user.username());
            s.upsertUser.setString(2, user.domain());
            s.upsertUser.setString(3, user.ha1Md5());
            s.upsertUser.setString(4, user.ha1Sha256());
            s.upsertUser.executeUpdate();
        }

        @Override
        public void committed() {
            done.complete(true);
        }

        @Override
        public void failed(StoreException error) {
            done.completeExceptionally(error);
        }
    }

    private interface SqlAction {
        int run(Statements s) throws SQLException;
    }

    /** One statement (or a few), completing with what it returned once committed. */
    private static final class ActionWrite implements StatementTask {
        private final SqlAction action;
        private final CompletableFuture<Integer> done;
        private int result;

        ActionWrite(SqlAction action, CompletableFuture<Integer> done) {
            this.action = action;
            this.done = done;
        }

        @Override
        public void write(Statements s) throws SQLException {
            result = action.run(s);
        }

        @Override
        public void committed() {
            done.complete(result);
        }

        @Override
        public void failed(StoreException error) {
            done.completeExceptionally(error);
        }
    }

    private static final class UserDelete implements StatementTask {
        private final String username;
        private final String domain;
        private final CompletableFuture<Boolean> done;
        private boolean existed;

        UserDelete(String username, String domain, CompletableFuture<Boolean> done) {
            this.username = username;
            this.domain = domain;
            this.done = done;
        }

        @Override
        public void write(Statements s) throws SQLException {
            s.deleteUser.setString(1, username);
            s.deleteUser.setString(2, domain);
            existed = s.deleteUser.executeUpdate() > 0;
        }

        @Override
        public void committed() {
            done.complete(existed);
        }

        @Override
        public void failed(StoreException error) {
            done.completeExceptionally(error);
        }
    }

    /**
     * The single writer thread and its queue. Group commit: each transaction carries everything that queued up
     * while the previous fsync ran, so under load the cost of one fsync is shared by hundreds of REGISTERs.
     * A LinkedBlockingQueue is enough here: producers only offer, and the one consumer drains in bulk.
     */
    static final class Writer implements Runnable {
        private static final Task STOP = new Task() {
            @Override
            public void committed() {
            }

            @Override
            public void failed(StoreException error) {
            }
        };

        private final java.util.concurrent.LinkedBlockingQueue<Task> queue;
        private final int capacity;
        private final Connection connection;
        private final Statements statements;
        private final Path file;
        private final Thread thread;
        private final WalCheckpointer checkpointer;
        /** Null when this process does not own the bindings. */
        private final BindingJournal journal;
        private volatile boolean stopping;
        private volatile CommitListener listener = CommitListener.NONE;
        /**
         * A batch starts at least this long after the one before (PostgreSQL's commit_delay, for busy times only: a
         * REGISTER that comes after a quiet millisecond is written at once). Each batch costs an fdatasync, and on
         * the benchmark machine's virtual disk one costs the kernel 100-160 us of CPU whatever it carries
         * ({@code bench/lib/FsyncProbe.java}); with batches gathered only while the previous fdatasync ran (0.3 ms
         * at the median) there were up to 3,000 a second. At 12,800 registrations/s, measured against SIPp's own
         * CPU in the same run (the machine's speed varies by 15 % from run to run, the ratio much less): sipreg/SIPp
         * 1.01 over six runs without it, 0.92 over three with 1 ms. In {@link Durability#WRITE}, where nothing
         * waits for the disk, each REGISTER would otherwise be a batch of its own: a write() and a wake-up of the
         * event loops each (84 us of CPU per registration against 73). It adds at most this much to a 200 OK.
         */
        private static final long BATCH_CADENCE_NANOS = 1_000_000;

        Writer(Connection connection, Path file, int capacity, WalCheckpointer checkpointer, BindingJournal journal)
                throws SQLException {
            this.capacity = capacity;
            // Places beyond what the writes may take, so that STOP and the snapshot's journal jobs always fit.
            this.queue = new java.util.concurrent.LinkedBlockingQueue<>(capacity + 8);
            // Explicit transactions: the driver then opens a deferred BEGIN after each commit (it takes no lock
            // until the next batch's first write) and skips its per-statement autocommit check.
            connection.setAutoCommit(false);
            this.connection = connection;
            this.statements = new Statements(connection);
            this.file = file;
            this.checkpointer = checkpointer;
            this.journal = journal;
            this.thread = new Thread(this, "sipreg-store-writer");
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void submit(Task task) {
            if (stopping) {
                task.failed(new StoreException("store is closed"));
                return;
            }
            if (queue.size() >= capacity || !queue.offer(task)) {
                task.failed(StoreException.busy(file + ": " + capacity + " writes waiting; disk too slow"));
                return;
            }
            // close() may have drained the queue between our check and our offer; then nobody else will run it.
            if (stopping && queue.remove(task)) {
                task.failed(new StoreException("store is closed"));
            }
        }

        /** Runs {@code action} on the journal between two commits; the future completes with what it returns. */
        CompletableFuture<Long> onJournal(JournalAction action) {
            var done = new CompletableFuture<Long>();
            if (stopping) {
                done.completeExceptionally(new StoreException("store is closed"));
                return done;
            }
            // Past the bound of ordinary writes: a snapshot must not be refused because REGISTERs fill the queue.
            try {
                queue.put(new JournalJob(action, done));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done.completeExceptionally(new StoreException("interrupted", e));
            }
            return done;
        }

        void stop() {
            stopping = true;
            queue.offer(STOP);
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            var left = new ArrayList<Task>();
            queue.drainTo(left);
            for (Task t : left) {
                t.failed(new StoreException("store is closed"));
            }
            closeQuietly(connection);
            if (journal != null) {
                try {
                    journal.close();
                } catch (IOException e) {
                    log.debug("{}: {}", file, e.toString());
                }
            }
        }

        @Override
        public void run() {
            var batch = new ArrayList<Task>(MAX_BATCH);
            long batchStarted = System.nanoTime() - BATCH_CADENCE_NANOS;
            while (true) {
                try {
                    batch.add(queue.take());
                } catch (InterruptedException e) {
                    return;
                }
                long wait = batchStarted + BATCH_CADENCE_NANOS - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                batchStarted = System.nanoTime();
                queue.drainTo(batch, MAX_BATCH - 1);
                int stop = batch.indexOf(STOP);
                if (stop >= 0) {
                    commit(new ArrayList<>(batch.subList(0, stop)));
                    for (Task t : batch.subList(stop + 1, batch.size())) {
                        t.failed(new StoreException("store is closed"));
                    }
                    return;
                }
                commit(batch);
                batch.clear();
            }
        }

        /**
         * Appends the batch's binding changes to the journal and syncs it once, completing them; then writes the
         * rest in one transaction; then runs the journal jobs, which thus fall between commits.
         */
        private void commit(List<Task> batch) {
            List<BindingWrite> changes = new ArrayList<>();
            List<StatementTask> statements = new ArrayList<>();
            List<JournalJob> jobs = new ArrayList<>();
            for (Task t : batch) {
                if (t instanceof BindingWrite change) {
                    changes.add(change);
                } else if (t instanceof JournalJob job) {
                    jobs.add(job);
                } else {
                    statements.add((StatementTask) t);
                }
            }
            if (!changes.isEmpty()) {
                commitChanges(changes);
            }
            if (!statements.isEmpty()) {
                commitStatements(statements);
            }
            for (JournalJob job : jobs) {
                try {
                    if (journal == null) {
                        throw new IOException("this process does not write the bindings");
                    }
                    job.done().complete(job.action().run(journal));
                } catch (IOException | RuntimeException e) {
                    job.done().completeExceptionally(new StoreException(file + ": journal: " + e.getMessage(), e));
                }
            }
        }

        private void commitChanges(List<BindingWrite> changes) {
            long start = System.nanoTime();
            try {
                if (journal == null) {
                    throw new IOException("this process does not write the bindings");
                }
                for (BindingWrite w : changes) {
                    journal.add(w.aor(), w.change());
                }
                journal.commit();
            } catch (IOException | RuntimeException e) {
                if (journal != null) {
                    journal.discard();
                }
                log.warn("{}: journal write of {} changes failed: {}", file, changes.size(), e.toString());
                failAll(changes, new StoreException(file + ": journal write failed: " + e.getMessage(), e));
                return;
            }
            completeCommitted(changes, System.nanoTime() - start);
        }

        /** The batch's futures complete, its 200 OKs go to the event loops together (one wake-up, not one each). */
        private void completeCommitted(List<? extends Task> done, long nanos) {
            try {
                listener.committed(done.size(), nanos);
            } catch (RuntimeException e) {
                log.warn("commit listener failed: {}", e.toString());
            }
            GatheredSends.during(() -> {
                for (Task t : done) {
                    try {
                        t.committed();
                    } catch (RuntimeException e) {
                        log.error("{}: completing a committed write failed", file, e);
                    }
                }
            });
        }

        /** Writes {@code batch} in one transaction. A task whose statements fail is failed alone; the rest retry. */
        private void commitStatements(List<StatementTask> batch) {
            while (!batch.isEmpty()) {
                StatementTask culprit = null;
                long start = System.nanoTime();
                try {
                    for (StatementTask t : batch) {
                        culprit = t;
                        t.write(statements);
                    }
                    culprit = null;
                    connection.commit();
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(connection);
                    var error = new StoreException(file + ": write failed: " + e.getMessage(), e);
                    if (culprit == null || !isAboutTheData(e)) {
                        // The database failed (lock timeout, disk full, I/O), not one write: nothing in the batch is
                        // durable, and retrying each write alone would only repeat the wait.
                        log.warn("{}: transaction of {} writes failed: {}", file, batch.size(), e.getMessage());
                        failAll(batch, error);
                        return;
                    }
                    log.warn("{}: one write failed and was dropped: {}", file, e.getMessage());
                    culprit.failed(error);
                    batch = new ArrayList<>(batch);
                    batch.remove(culprit);
                    continue;
                }
                completeCommitted(batch, System.nanoTime() - start);
                checkpointer.committed();
                if (checkpointer.finishDue()) {
                    // After the 200 OKs have gone: what this costs falls on the next batch only.
                    WalCheckpointer.finish(connection, file);
                }
                return;
            }
        }

        /** A constraint, size or type error: the fault of the write that caused it, not of the database. */
        private static boolean isAboutTheData(Exception e) {
            if (!(e instanceof org.sqlite.SQLiteException se)) {
                return false;
            }
            int primary = se.getResultCode().code & 0xff;
            return primary == 18 /* TOOBIG */ || primary == 19 /* CONSTRAINT */ || primary == 20 /* MISMATCH */
                    || primary == 25 /* RANGE */;
        }

        private static void failAll(List<? extends Task> batch, StoreException error) {
            for (Task t : batch) {
                try {
                    t.failed(error);
                } catch (RuntimeException e) {
                    log.error("failing a write", e);
                }
            }
        }
    }
}
