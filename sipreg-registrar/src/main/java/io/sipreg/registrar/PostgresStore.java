package io.sipreg.registrar;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.sipreg.message.Fnv1a;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bindings, users (HA1 only), the nonce secret and the registrar nodes' leases in one PostgreSQL database, shared by
 * every {@code serve} node that points at it.
 *
 * <p><b>Serialized per AOR across nodes.</b> An update runs in one transaction that first takes a transaction-scoped
 * advisory lock on a 64-bit hash of the AOR ({@code pg_advisory_xact_lock}), then reads the AOR's rows, runs the
 * registrar's decision and writes its change. Another node updating the same AOR waits for the lock, so it decides on
 * the committed result; the lock goes with the commit or rollback, and with the connection when a node dies. Within
 * one node the updates of an AOR are also queued in order ({@link AorTurns}), so they never wait for each other in
 * the database.
 *
 * <p><b>200 after commit; group commit.</b> Writer threads each take every update waiting in the queue (up to
 * {@value #MAX_BATCH}), lock their AORs in ascending key order (so two nodes' batches cannot deadlock), read all
 * their rows in one query, write all changes in two batched statements and commit once; only then do the updates
 * complete. PostgreSQL's {@code synchronous_commit} (on by default) makes the commit durable before it returns.
 *
 * <p><b>Never an expired binding.</b> Every read filters on {@code expires_at}, with this process's clock; the
 * periodic {@link #removeExpired} deletes them.
 *
 * <p><b>Owning node.</b> Each row names the node that wrote it last ({@code node}): the one that received the
 * REGISTER over the device's flow, and so the one that sends its keepalives. When a write takes a binding from another
 * node (the device registered again elsewhere, or unregistered there), the transaction notifies that node on channel
 * {@value #CHANNEL} so it stops its keepalives at once. The lease table and the hand-over of a dead node's flows are
 * used by {@link ClusterNode}.
 */
public final class PostgresStore implements RegistrationStore {
    /** The channel of LISTEN/NOTIFY on which a node hears that some of its bindings were taken by another. */
    static final String CHANNEL = "sipreg_bindings";
    /** The channel on which every change of the users table is announced, so that user caches are emptied. */
    static final String USERS_CHANNEL = "sipreg_users";
    /** 1: the first release. */
    private static final int SCHEMA_VERSION = 1;
    private static final int MAX_BATCH = 512;
    private static final int WRITERS = 2;
    private static final int MAX_PENDING_WRITES = 100_000;
    private static final int ATTEMPTS = 3;
    private static final int NONCE_SECRET_BYTES = 32;
    /** The advisory lock key held while the schema is created or migrated, so two nodes starting at once take turns. */
    private static final long MIGRATION_LOCK = 0x7369_7072_6567_0001L;

    private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);

    private static final List<String> SCHEMA = List.of(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL)",
            "CREATE TABLE IF NOT EXISTS bindings (" + Columns.ddl() + ", PRIMARY KEY (aor, contact_uri))",
            "CREATE INDEX IF NOT EXISTS bindings_by_expiry ON bindings (expires_at)",
            "CREATE INDEX IF NOT EXISTS bindings_by_node ON bindings (node)",
            """
            CREATE TABLE IF NOT EXISTS users (
                username TEXT NOT NULL,
                domain TEXT NOT NULL,
                ha1_md5 TEXT NOT NULL,
                ha1_sha256 TEXT NOT NULL,
                PRIMARY KEY (username, domain))""",
            """
            CREATE TABLE IF NOT EXISTS nodes (
                node TEXT PRIMARY KEY,
                instance TEXT NOT NULL,
                lease_until BIGINT NOT NULL,
                started_at BIGINT NOT NULL)""",
            """
            CREATE OR REPLACE FUNCTION sipreg_users_changed() RETURNS TRIGGER AS $$
            BEGIN
                PERFORM pg_notify('sipreg_users', '');
                RETURN NULL;
            END $$ LANGUAGE plpgsql""",
            "DROP TRIGGER IF EXISTS users_changed ON users",
            """
            CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
            FOR EACH STATEMENT EXECUTE FUNCTION sipreg_users_changed()""",
            // Locks every key of a batch in the order given (ascending), in one round trip.
            """
            CREATE OR REPLACE FUNCTION sipreg_lock_aors(keys BIGINT[]) RETURNS VOID AS $$
            DECLARE k BIGINT;
            BEGIN
                FOREACH k IN ARRAY keys LOOP
                    PERFORM pg_advisory_xact_lock(k);
                END LOOP;
            END $$ LANGUAGE plpgsql""");

    private final PostgresSettings settings;
    private final HikariDataSource pool;
    private final Clock clock;
    private final String node;
    private final byte[] nonceSecret;
    private final AorTurns turns = new AorTurns();
    private final LinkedBlockingQueue<Update<?>> queue = new LinkedBlockingQueue<>(MAX_PENDING_WRITES);
    private final List<Thread> writers = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Every user, by "username\ndomain", while a listener hears {@value #USERS_CHANNEL}; else null. */
    private volatile Map<String, User> allUsers;

    private PostgresStore(PostgresSettings settings, HikariDataSource pool, Clock clock, String node,
                          byte[] nonceSecret) {
        this.settings = settings;
        this.pool = pool;
        this.clock = clock;
        this.node = node;
        this.nonceSecret = nonceSecret;
    }

    /**
     * Connects, creates or migrates the schema, and starts the writers.
     *
     * @param node the name of this registrar node, written into every binding it stores; "" for a process that only
     *             reads bindings and manages users (the CLI)
     */
    public static PostgresStore open(PostgresSettings settings, String node, Clock clock) {
        List<String> problems = settings.validate();
        if (!problems.isEmpty()) {
            throw new StoreException("invalid database settings: " + String.join("; ", problems));
        }
        var config = new HikariConfig();
        config.setJdbcUrl(settings.url());
        if (!settings.user().isEmpty()) {
            config.setUsername(settings.user());
        }
        if (!settings.password().isEmpty()) {
            config.setPassword(settings.password());
        }
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(Math.min(settings.poolSize(), WRITERS + 1));
        config.setPoolName("sipreg-postgres");
        config.setConnectionTimeout(10_000);
        // Fail at once with the database's own reason (unknown host, wrong password) rather than after a timeout.
        config.setInitializationFailTimeout(1);
        config.addDataSourceProperty("ApplicationName", node.isEmpty() ? "sipreg" : "sipreg " + node);
        config.addDataSourceProperty("tcpKeepAlive", "true");
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreException(settings.redacted() + ": cannot connect: " + rootMessage(e), e);
        }
        try {
            byte[] secret;
            try (Connection c = pool.getConnection()) {
                migrate(c);
                secret = nonceSecret(c);
            }
            var store = new PostgresStore(settings, pool, clock, node, secret);
            store.startWriters();
            return store;
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw new StoreException(settings.redacted() + ": cannot open database: " + rootMessage(e), e);
        }
    }

    @Override
    public String location() {
        return settings.redacted();
    }

    @Override
    public byte[] nonceSecret() {
        return nonceSecret.clone();
    }

    /** The node name written into the bindings this process stores. */
    public String node() {
        return node;
    }

    // ---- LocationStore ----

    @Override
    public List<Binding> bindings(String aor) {
        return query("SELECT " + Columns.LIST + " FROM bindings WHERE aor = ? AND expires_at > ?", st -> {
            st.setString(1, aor);
            st.setLong(2, clock.millis());
        }, rs -> Columns.read(rs)).stream().sorted(Binding.PREFERENCE).toList();
    }

    @Override
    public List<Binding> all() {
        return placed(Optional.empty()).stream().map(Placed::binding).toList();
    }

    @Override
    public BindingCount countBindings() {
        return query("SELECT count(*), count(*) FILTER (WHERE nat) FROM bindings WHERE expires_at > ?",
                st -> st.setLong(1, clock.millis()), rs -> new BindingCount(rs.getInt(1), rs.getInt(2))).get(0);
    }

    /** Any node's change moves the row count or the latest refresh time; one aggregate, not the bindings. */
    @Override
    public long bindingsVersion() {
        return query("SELECT count(*), coalesce(max(last_updated), 0) FROM bindings", st -> { },
                rs -> rs.getLong(1) * 1_000_003L ^ rs.getLong(2)).get(0);
    }

    @Override
    public int pendingWrites() {
        return queue.size();
    }

    /** A binding with the node that owns its flow. */
    public record Placed(Binding binding, String node) {
    }

    /** Every unexpired binding (or those of {@code aor}) with its owning node, grouped by AOR, highest q first. */
    public List<Placed> placed(Optional<String> aor) {
        String where = aor.isPresent() ? "aor = ? AND expires_at > ?" : "expires_at > ?";
        List<Placed> rows = query("SELECT " + Columns.LIST + ", node FROM bindings WHERE " + where + " ORDER BY aor",
                st -> {
                    int i = 1;
                    if (aor.isPresent()) {
                        st.setString(i++, aor.get());
                    }
                    st.setLong(i, clock.millis());
                }, rs -> new Placed(Columns.read(rs), rs.getString(Columns.COUNT + 1)));
        var result = new ArrayList<>(rows);
        int start = 0;
        for (int i = 1; i <= result.size(); i++) {
            if (i == result.size() || !result.get(i).binding().aor().equals(result.get(start).binding().aor())) {
                result.subList(start, i).sort((a, b) -> Binding.PREFERENCE.compare(a.binding(), b.binding()));
                start = i;
            }
        }
        return result;
    }

    /** The unexpired bindings whose flows {@code owner} holds. */
    public List<Binding> ownedBy(String owner) {
        return query("SELECT " + Columns.LIST + " FROM bindings WHERE node = ? AND expires_at > ?", st -> {
            st.setString(1, owner);
            st.setLong(2, clock.millis());
        }, rs -> Columns.read(rs));
    }

    @Override
    public <R> CompletionStage<R> update(String aor, Function<List<Binding>, BindingChange<R>> decision) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new StoreException("location store is closed"));
        }
        return turns.run(aor, () -> {
            var update = new Update<>(aor, decision);
            if (closed.get()) {
                update.done.completeExceptionally(new StoreException("location store is closed"));
            } else if (!queue.offer(update)) {
                update.done.completeExceptionally(new StoreException(
                        settings.redacted() + ": " + MAX_PENDING_WRITES + " writes waiting; database too slow"));
            }
            return update.done;
        });
    }

    @Override
    public int removeExpired(Instant now) {
        return execute("DELETE FROM bindings WHERE expires_at <= ?", st -> st.setLong(1, now.toEpochMilli()));
    }

    // ---- UserStore ----

    @Override
    public void put(User user) {
        putAll(List.of(user));
    }

    @Override
    public void putAll(java.util.Collection<User> users) {
        inTransaction(c -> {
            try (PreparedStatement st = c.prepareStatement("""
                    INSERT INTO users (username, domain, ha1_md5, ha1_sha256) VALUES (?, ?, ?, ?)
                    ON CONFLICT (username, domain) DO UPDATE
                    SET ha1_md5 = EXCLUDED.ha1_md5, ha1_sha256 = EXCLUDED.ha1_sha256""")) {
                for (User u : users) {
                    st.setString(1, u.username());
                    st.setString(2, u.domain());
                    st.setString(3, u.ha1Md5());
                    st.setString(4, u.ha1Sha256());
                    st.addBatch();
                }
                st.executeBatch();
            }
            return null;
        });
    }

    @Override
    public boolean remove(String username, String domain) {
        return execute("DELETE FROM users WHERE username = ? AND domain = ?", st -> {
            st.setString(1, username);
            st.setString(2, domain.toLowerCase(Locale.ROOT));
        }) > 0;
    }

    /**
     * Served from memory while a listener ({@link ClusterNode}) hears every change of the users table: the node holds
     * all users (HA1 only), and a trigger announces each change on {@value #USERS_CHANNEL} when it commits, upon
     * which the listener reads them again. A user added at another node or by the CLI is therefore found once the
     * notice has arrived and the table been read (milliseconds). Without a listener (the CLI, or while its connection
     * is down) every lookup asks the database. Authentication runs on the transport's event loop, which must not
     * wait for a round trip to the database per REGISTER; a known and an unknown user cost the same lookup.
     */
    @Override
    public Optional<User> find(String username, String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        Map<String, User> users = allUsers;
        if (users == null) {
            return load(username, d);
        }
        return Optional.ofNullable(users.get(username + '\n' + d));
    }

    /**
     * The listener heard {@value #USERS_CHANNEL}, or has just started listening ({@code listening}): read every user
     * again; or it stopped listening: ask the database on every lookup until it listens again.
     */
    void usersChanged(boolean listening) {
        if (!listening) {
            allUsers = null;
            return;
        }
        var users = new HashMap<String, User>();
        for (User u : list()) {
            users.put(u.username() + '\n' + u.domain(), u);
        }
        allUsers = users;
    }

    private Optional<User> load(String username, String d) {
        return query("SELECT ha1_md5, ha1_sha256 FROM users WHERE username = ? AND domain = ?", st -> {
            st.setString(1, username);
            st.setString(2, d);
        }, rs -> new User(username, d, rs.getString(1), rs.getString(2))).stream().findFirst();
    }

    @Override
    public List<User> list() {
        return query("SELECT username, domain, ha1_md5, ha1_sha256 FROM users ORDER BY domain, username", st -> {
        }, rs -> new User(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
    }

    // ---- node leases (for ClusterNode) ----

    /** A node's row: who holds the name, and until when. */
    record Lease(String node, String instance, long leaseUntil) {
    }

    /**
     * Takes the name {@code owner} for this process ({@code instance}) until {@code leaseUntil}, unless another
     * instance holds it with a lease that has not expired at {@code nowMillis}; returns the holder then.
     */
    Optional<Lease> claimName(String owner, String instance, long leaseUntil, long nowMillis) {
        return inTransaction(c -> {
            try (PreparedStatement st = c.prepareStatement("""
                    INSERT INTO nodes (node, instance, lease_until, started_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (node) DO UPDATE
                    SET instance = EXCLUDED.instance, lease_until = EXCLUDED.lease_until,
                        started_at = EXCLUDED.started_at
                    WHERE nodes.lease_until < ? OR nodes.instance = EXCLUDED.instance""")) {
                st.setString(1, owner);
                st.setString(2, instance);
                st.setLong(3, leaseUntil);
                st.setLong(4, nowMillis);
                st.setLong(5, nowMillis);
                if (st.executeUpdate() == 1) {
                    return Optional.empty();
                }
            }
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT node, instance, lease_until FROM nodes WHERE node = ?")) {
                st.setString(1, owner);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(new Lease(rs.getString(1), rs.getString(2), rs.getLong(3)))
                            : Optional.empty();
                }
            }
        });
    }

    /** Extends this instance's lease; false when the row is gone or another instance holds the name. */
    boolean renewLease(String owner, String instance, long leaseUntil) {
        return execute("UPDATE nodes SET lease_until = ? WHERE node = ? AND instance = ?", st -> {
            st.setLong(1, leaseUntil);
            st.setString(2, owner);
            st.setString(3, instance);
        }) == 1;
    }

    /** Gives the name up at a clean stop, so another node takes over its flows without waiting for the lease. */
    void releaseName(String owner, String instance) {
        execute("UPDATE nodes SET lease_until = 0 WHERE node = ? AND instance = ?", st -> {
            st.setString(1, owner);
            st.setString(2, instance);
        });
    }

    /** Nodes other than {@code self} whose lease ran out before {@code nowMillis}. */
    List<Lease> expiredLeases(String self, long nowMillis) {
        return query("SELECT node, instance, lease_until FROM nodes WHERE lease_until < ? AND node <> ? ORDER BY node",
                st -> {
                    st.setLong(1, nowMillis);
                    st.setString(2, self);
                }, rs -> new Lease(rs.getString(1), rs.getString(2), rs.getLong(3)));
    }

    /**
     * Hands every binding of {@code dead} (whose lease must still be expired at {@code nowMillis}) to {@code heir}, in
     * one transaction: the node's row is locked and deleted, so of two survivors only one takes over. Each binding
     * gets the local socket {@code relocate} gives it (the heir's own listener; a flow's socket cannot move between
     * machines). Returns the bindings as now stored, empty when another node took them first or the lease was renewed.
     */
    List<Binding> takeOver(String dead, String heir, long nowMillis, Function<Binding, String> relocate) {
        return inTransaction(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT node FROM nodes WHERE node = ? AND lease_until < ? FOR UPDATE SKIP LOCKED")) {
                st.setString(1, dead);
                st.setLong(2, nowMillis);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return List.<Binding>of();
                    }
                }
            }
            var moved = new ArrayList<Binding>();
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT " + Columns.LIST + " FROM bindings WHERE node = ? FOR UPDATE")) {
                st.setString(1, dead);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        moved.add(Columns.read(rs));
                    }
                }
            }
            var result = new ArrayList<Binding>(moved.size());
            try (PreparedStatement st = c.prepareStatement(
                    "UPDATE bindings SET node = ?, local_socket = ? WHERE aor = ? AND contact_uri = ?")) {
                for (Binding b : moved) {
                    Binding relocated = Columns.withLocalSocket(b, relocate.apply(b));
                    st.setString(1, heir);
                    st.setString(2, relocated.localSocket());
                    st.setString(3, b.aor());
                    st.setString(4, b.contactUri());
                    st.addBatch();
                    result.add(relocated);
                }
                st.executeBatch();
            }
            try (PreparedStatement st = c.prepareStatement("DELETE FROM nodes WHERE node = ?")) {
                st.setString(1, dead);
                st.executeUpdate();
            }
            // Should the "dead" node only have stalled, it hears that its flows are gone.
            notify(c, List.of(Notice.all(dead)));
            return result;
        });
    }

    /** A dedicated connection that LISTENs on {@value #CHANNEL}; the caller owns it. */
    Connection listen() throws SQLException {
        var properties = new Properties();
        if (!settings.user().isEmpty()) {
            properties.setProperty("user", settings.user());
        }
        if (!settings.password().isEmpty()) {
            properties.setProperty("password", settings.password());
        }
        properties.setProperty("ApplicationName", "sipreg " + node + " listener");
        properties.setProperty("tcpKeepAlive", "true");
        Connection c = DriverManager.getConnection(settings.url(), properties);
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
            s.execute("LISTEN " + USERS_CHANNEL);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * What a notification on {@value #CHANNEL} says: {@code node}'s binding {@code aor}/{@code contactUri} was taken
     * by another node, or, with {@code aor} empty, all of its bindings were (its lease had expired).
     */
    record Notice(String node, String aor, String contactUri) {
        static Notice all(String node) {
            return new Notice(node, "", "");
        }

        boolean isAll() {
            return aor.isEmpty();
        }

        String payload() {
            return node + '\t' + aor + '\t' + contactUri;
        }

        static Optional<Notice> parse(String payload) {
            String[] parts = payload.split("\t", -1);
            return parts.length == 3 ? Optional.of(new Notice(parts[0], parts[1], parts[2])) : Optional.empty();
        }
    }

    /**
     * Finishes the updates already queued, then closes the pool. Not needed for durability: every update that
     * completed is committed.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (int i = 0; i < writers.size(); i++) {
            queue.offer(Update.STOP);
        }
        for (Thread t : writers) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        var left = new ArrayList<Update<?>>();
        queue.drainTo(left);
        for (Update<?> u : left) {
            u.done.completeExceptionally(new StoreException("location store is closed"));
        }
        pool.close();
    }

    // ---- the binding columns: the one place that maps Binding to SQL ----

    /**
     * Every field of {@link Binding} as a column, in one list: the DDL, the column list, the write and the read all
     * follow from it. A new field is one more constant here plus its line in {@link #write} and {@link #read}, and
     * {@link #migrate} adds the column to an existing table ({@code ADD COLUMN IF NOT EXISTS} with the default).
     */
    private enum Columns {
        AOR("TEXT NOT NULL"),
        CONTACT_URI("TEXT NOT NULL"),
        CONTACT("TEXT NOT NULL"),
        EXPIRES_AT("BIGINT NOT NULL"),
        Q("INTEGER NOT NULL"),
        CALL_ID("TEXT NOT NULL"),
        CSEQ("BIGINT NOT NULL"),
        SOURCE("TEXT NOT NULL"),
        TRANSPORT("TEXT NOT NULL"),
        LOCAL_SOCKET("TEXT NOT NULL"),
        CONNECTION_ID("BIGINT NOT NULL"),
        NAT("BOOLEAN NOT NULL DEFAULT FALSE"),
        USER_AGENT("TEXT NOT NULL DEFAULT ''"),
        INSTANCE_ID("TEXT NOT NULL"),
        REG_ID("INTEGER NOT NULL"),
        PATH("TEXT NOT NULL DEFAULT ''"),
        REGISTERED_AT("BIGINT NOT NULL"),
        LAST_UPDATED("BIGINT NOT NULL");

        static final int COUNT = values().length;
        /** {@code aor, contact_uri, ...} in declaration order. */
        static final String LIST = String.join(", ", Arrays.stream(values()).map(Columns::column).toList());

        private final String type;

        Columns(String type) {
            this.type = type;
        }

        String column() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The bindings table's columns, ending with the owning node, which is not a field of Binding. */
        static String ddl() {
            var sb = new StringBuilder();
            for (Columns c : values()) {
                sb.append(c.column()).append(' ').append(c.type).append(", ");
            }
            return sb.append("node TEXT NOT NULL DEFAULT ''").toString();
        }

        /** Binds {@code b} to parameters {@code first} .. {@code first + COUNT - 1}, in column order. */
        static void write(PreparedStatement st, int first, Binding b) throws SQLException {
            int i = first;
            st.setString(i++, b.aor());
            st.setString(i++, b.contactUri());
            st.setString(i++, b.contact());
            st.setLong(i++, b.expiresAt());
            st.setInt(i++, b.q());
            st.setString(i++, b.callId());
            st.setLong(i++, b.cseq());
            st.setString(i++, b.source());
            st.setString(i++, b.transport());
            st.setString(i++, b.localSocket());
            st.setLong(i++, b.connectionId());
            st.setBoolean(i++, b.nat());
            st.setString(i++, b.userAgent());
            st.setString(i++, b.instanceId());
            st.setInt(i++, b.regId());
            // Path values are header values, which never contain a line break once unfolded.
            st.setString(i++, String.join("\n", b.path()));
            st.setLong(i++, b.registeredAt());
            st.setLong(i, b.lastUpdated());
        }

        /** The binding in columns 1 .. COUNT of the current row. */
        static Binding read(ResultSet rs) throws SQLException {
            String path = rs.getString(PATH.ordinal() + 1);
            return new Binding(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getInt(5),
                    rs.getString(6), rs.getLong(7), rs.getString(8), rs.getString(9), rs.getString(10),
                    rs.getLong(11), rs.getBoolean(12), rs.getString(13), rs.getString(14), rs.getInt(15),
                    path.isEmpty() ? List.of() : List.of(path.split("\n")), rs.getLong(17), rs.getLong(18));
        }

        static Binding withLocalSocket(Binding b, String localSocket) {
            return new Binding(b.aor(), b.contactUri(), b.contact(), b.expiresAt(), b.q(), b.callId(), b.cseq(),
                    b.source(), b.transport(), localSocket, b.connectionId(), b.nat(), b.userAgent(), b.instanceId(),
                    b.regId(), b.path(), b.registeredAt(), b.lastUpdated());
        }

        /** {@code INSERT ... ON CONFLICT DO UPDATE} of every column and the node. */
        static String upsert() {
            var set = new StringBuilder();
            for (Columns c : values()) {
                if (c != AOR && c != CONTACT_URI) {
                    set.append(c.column()).append(" = EXCLUDED.").append(c.column()).append(", ");
                }
            }
            set.append("node = EXCLUDED.node");
            return "INSERT INTO bindings (" + LIST + ", node) VALUES (" + "?, ".repeat(COUNT) + "?) "
                    + "ON CONFLICT (aor, contact_uri) DO UPDATE SET " + set;
        }

        /** The columns a table made by an earlier version lacks are added with their default. */
        static List<String> additions() {
            var list = new ArrayList<String>();
            for (Columns c : values()) {
                if (c.type.contains("DEFAULT")) {
                    list.add("ALTER TABLE bindings ADD COLUMN IF NOT EXISTS " + c.column() + " " + c.type);
                }
            }
            return list;
        }
    }

    // ---- writes: group commit ----

    /** One queued update of one AOR: its decision and the future that completes after the commit. */
    private static final class Update<R> {
        static final Update<Void> STOP = new Update<>("", current -> BindingChange.none(null));

        final String aor;
        final Function<List<Binding>, BindingChange<R>> decision;
        final CompletableFuture<R> done = new CompletableFuture<>();
        BindingChange<R> change;

        Update(String aor, Function<List<Binding>, BindingChange<R>> decision) {
            this.aor = aor;
            this.decision = decision;
        }

        /** Runs the decision; a decision that throws fails its own update and writes nothing. */
        boolean decide(List<Binding> current) {
            try {
                change = decision.apply(current);
                return true;
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                return false;
            }
        }

        void committed() {
            done.complete(change.result());
        }
    }

    private void startWriters() {
        for (int i = 0; i < WRITERS; i++) {
            var t = new Thread(this::writeLoop, "sipreg-postgres-writer-" + i);
            t.setDaemon(true);
            writers.add(t);
            t.start();
        }
    }

    private void writeLoop() {
        var batch = new ArrayList<Update<?>>(MAX_BATCH);
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            int stop = batch.indexOf(Update.STOP);
            if (stop >= 0) {
                // Another writer may still be running: what follows our stop marker, its marker too, goes back.
                for (Update<?> u : batch.subList(stop + 1, batch.size())) {
                    queue.offer(u);
                }
                commit(new ArrayList<>(batch.subList(0, stop)));
                return;
            }
            commit(batch);
            batch.clear();
        }
    }

    /** Writes {@code batch} in one transaction, retrying it whole when PostgreSQL reports a deadlock. */
    private void commit(List<Update<?>> batch) {
        if (batch.isEmpty()) {
            return;
        }
        SQLException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            List<Update<?>> decided;
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                try {
                    decided = writeBatch(c, batch);
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(c);
                    throw e;
                }
            } catch (SQLException e) {
                last = e;
                // 40P01 deadlock_detected, 40001 serialization_failure: nothing was written, the batch may run again.
                if ("40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState())) {
                    log.debug("{}: batch of {} updates retried: {}", settings.redacted(), batch.size(), e.getMessage());
                    continue;
                }
                break;
            } catch (RuntimeException e) {
                failAll(batch, new StoreException(settings.redacted() + ": write failed: " + e, e));
                return;
            }
            for (Update<?> u : decided) {
                try {
                    u.committed();
                } catch (RuntimeException e) {
                    log.error("{}: completing a committed update failed", settings.redacted(), e);
                }
            }
            return;
        }
        log.warn("{}: transaction of {} updates failed: {}", settings.redacted(), batch.size(),
                last == null ? "?" : last.getMessage());
        failAll(batch, new StoreException(settings.redacted() + ": write failed: "
                + (last == null ? "?" : last.getMessage()), last));
    }

    /**
     * Locks the batch's AORs, reads their rows, runs each decision on what the previous ones left, and writes the
     * changes. Returns the updates that decided (the others have failed already).
     */
    private List<Update<?>> writeBatch(Connection c, List<Update<?>> batch) throws SQLException {
        var aors = new LinkedHashMap<String, Long>();
        for (Update<?> u : batch) {
            aors.computeIfAbsent(u.aor, PostgresStore::lockKey);
        }
        long[] keys = aors.values().stream().mapToLong(Long::longValue).distinct().sorted().toArray();
        try (PreparedStatement st = c.prepareStatement("SELECT sipreg_lock_aors(?)")) {
            st.setArray(1, c.createArrayOf("bigint", Arrays.stream(keys).boxed().toArray()));
            st.executeQuery().close();
        }
        // Every row of these AORs, expired or not: a put may replace an expired row, and a notice names its node.
        var rows = new HashMap<String, List<Binding>>();
        var owners = new HashMap<BindingKey, String>();
        try (PreparedStatement st = c.prepareStatement(
                "SELECT " + Columns.LIST + ", node FROM bindings WHERE aor = ANY(?)")) {
            st.setArray(1, c.createArrayOf("text", aors.keySet().toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Binding b = Columns.read(rs);
                    rows.computeIfAbsent(b.aor(), k -> new ArrayList<>()).add(b);
                    owners.put(BindingKey.of(b), rs.getString(Columns.COUNT + 1));
                }
            }
        }
        long now = clock.millis();
        var decided = new ArrayList<Update<?>>(batch.size());
        var notices = new ArrayList<Notice>();
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM bindings WHERE aor = ? AND contact_uri = ?");
             PreparedStatement upsert = c.prepareStatement(Columns.upsert())) {
            int deletes = 0;
            int upserts = 0;
            for (Update<?> u : batch) {
                List<Binding> stored = rows.getOrDefault(u.aor, List.of());
                if (!u.decide(BindingIndex.unexpired(stored, now))) {
                    continue;
                }
                decided.add(u);
                BindingChange<?> change = u.change;
                for (Binding b : change.remove()) {
                    delete.setString(1, b.aor());
                    delete.setString(2, b.contactUri());
                    delete.addBatch();
                    deletes++;
                    noticeIfTaken(owners, BindingKey.of(b), notices);
                }
                for (Binding b : change.put()) {
                    Columns.write(upsert, 1, b);
                    upsert.setString(Columns.COUNT + 1, node);
                    upsert.addBatch();
                    upserts++;
                    noticeIfTaken(owners, BindingKey.of(b), notices);
                    owners.put(BindingKey.of(b), node);
                }
                rows.put(u.aor, applied(stored, change));
            }
            // Deletes first: a change may remove a key and another in the batch put it again.
            if (deletes > 0) {
                delete.executeBatch();
            }
            if (upserts > 0) {
                upsert.executeBatch();
            }
        }
        notify(c, notices);
        return decided;
    }

    private void noticeIfTaken(Map<BindingKey, String> owners, BindingKey key, List<Notice> notices) {
        String previous = owners.get(key);
        if (previous != null && !previous.isEmpty() && !previous.equals(node)) {
            notices.add(new Notice(previous, key.aor(), key.contactUri()));
        }
    }

    private static void notify(Connection c, List<Notice> notices) throws SQLException {
        if (notices.isEmpty()) {
            return;
        }
        try (PreparedStatement st = c.prepareStatement("SELECT pg_notify(?, p) FROM unnest(?::text[]) AS p")) {
            st.setString(1, CHANNEL);
            st.setArray(2, c.createArrayOf("text", notices.stream().map(Notice::payload).toArray()));
            st.executeQuery().close();
        }
    }

    /** The rows of one AOR after {@code change}: removed and replaced keys dropped, new bindings added. */
    private static List<Binding> applied(List<Binding> stored, BindingChange<?> change) {
        var next = new ArrayList<Binding>(stored.size() + change.put().size());
        for (Binding b : stored) {
            if (change.remove().stream().noneMatch(b::sameKey) && change.put().stream().noneMatch(b::sameKey)) {
                next.add(b);
            }
        }
        next.addAll(change.put());
        return next;
    }

    /**
     * A 64-bit FNV-1a hash of the AOR: the key of its advisory lock. Every node computes the same; two AORs sharing a
     * key only wait for each other.
     */
    static long lockKey(String aor) {
        return Fnv1a.hash(Fnv1a.OFFSET_BASIS, aor.getBytes(StandardCharsets.UTF_8));
    }

    private static void failAll(List<Update<?>> batch, StoreException error) {
        for (Update<?> u : batch) {
            u.done.completeExceptionally(error);
        }
    }

    // ---- schema ----

    private static void migrate(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
            s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL)");
            int version = 0;
            try (ResultSet rs = s.executeQuery("SELECT convert_from(value, 'UTF8') FROM meta WHERE key = 'schema'")) {
                if (rs.next()) {
                    version = Integer.parseInt(rs.getString(1));
                }
            }
            if (version > SCHEMA_VERSION) {
                throw new SQLException("the database was written by a newer sipreg (schema " + version + ")");
            }
            for (String ddl : SCHEMA) {
                s.execute(ddl);
            }
            for (String ddl : Columns.additions()) {
                s.execute(ddl);
            }
            s.execute("INSERT INTO meta (key, value) VALUES ('schema', convert_to('" + SCHEMA_VERSION + "', 'UTF8')) "
                    + "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value");
            c.commit();
            if (version == 0) {
                log.info("created the sipreg schema (version {})", SCHEMA_VERSION);
            }
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static byte[] nonceSecret(Connection c) throws SQLException {
        byte[] fresh = new byte[NONCE_SECRET_BYTES];
        new SecureRandom().nextBytes(fresh);
        // Insert if absent, then read back: two nodes opening a new database at once end up with the same secret.
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO meta (key, value) VALUES ('nonce-secret', ?) ON CONFLICT (key) DO NOTHING")) {
            insert.setBytes(1, fresh);
            insert.executeUpdate();
        }
        Arrays.fill(fresh, (byte) 0);
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = 'nonce-secret'")) {
            if (!rs.next()) {
                throw new SQLException("nonce secret missing after insert");
            }
            return rs.getBytes(1);
        }
    }

    // ---- plumbing ----

    private interface Parameters {
        void set(PreparedStatement st) throws SQLException;
    }

    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> List<T> query(String sql, Parameters parameters, Row<T> row) {
        checkOpen();
        try (Connection c = pool.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            parameters.set(st);
            var result = new ArrayList<T>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    result.add(row.read(rs));
                }
            }
            return result;
        } catch (SQLException e) {
            throw new StoreException(settings.redacted() + ": read failed: " + e.getMessage(), e);
        }
    }

    private int execute(String sql, Parameters parameters) {
        checkOpen();
        try (Connection c = pool.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            parameters.set(st);
            return st.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException(settings.redacted() + ": write failed: " + e.getMessage(), e);
        }
    }

    private <T> T inTransaction(Work<T> work) {
        checkOpen();
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException(settings.redacted() + ": write failed: " + e.getMessage(), e);
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new StoreException("store is closed");
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // The transaction is gone with the failure; nothing left to undo.
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
