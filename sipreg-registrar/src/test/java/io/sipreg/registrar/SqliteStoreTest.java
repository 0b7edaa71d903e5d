package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store: the contract, plus its file, its in-memory index and the upgrade of an old file. */
class SqliteStoreTest extends LocationStoreContract {
    @TempDir
    Path data;

    private SqliteStore serving;

    /** The first instance serves (writes bindings); one opened while it is open is the CLI beside it. */
    @Override
    RegistrationStore newInstance() {
        if (serving == null || serving.isClosed()) {
            serving = SqliteStore.open(data, clock);
            return serving;
        }
        return SqliteStore.open(data, clock, SqliteStore.DEFAULT_MAX_PENDING_WRITES, false);
    }

    /** It looks at most every 100 ms (SqliteStore.USERS_CHECK_INTERVAL_NANOS). */
    @Override
    void awaitUsersChangedElsewhere() {
        try {
            Thread.sleep(150);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    SqliteStore openSqlite() {
        return (SqliteStore) open();
    }

    @Test // startup reads the users table whole; a user added later still counts once the store has looked
    void usersAreReadAtStartupAndAnUnknownUserIsKnownToBeUnknownWithoutAQuery() {
        SqliteStore cli = openSqlite();
        cli.putAll(java.util.List.of(User.withPassword("alice", "example.com", "a"),
                User.withPassword("bob", "example.com", "b")));
        SqliteStore serve = openSqlite();
        cli.put(User.withPassword("carol", "example.com", "c"));

        assertThat(serve.find("alice", "example.com")).isPresent();
        assertThat(serve.find("bob", "example.com")).isPresent();
        assertThat(serve.find("dave", "example.com")).isEmpty();
        awaitUsersChangedElsewhere();
        assertThat(serve.find("carol", "example.com")).isPresent();
    }

    @Test
    void openCreatesTheDirectoryAndTheDatabaseFile() {
        Path dir = data.resolve("new/sub");

        try (SqliteStore store = SqliteStore.open(dir, clock)) {
            assertThat(store.file()).isEqualTo(dir.resolve("sipreg.db"));
            assertThat(dir.resolve("sipreg.db")).exists();
        }
    }

    @Test // the in-memory index drops expired bindings with the rows
    void removeExpiredAlsoEmptiesTheIndex() {
        SqliteStore store = openSqlite();
        write(store, binding("sip:alice@10.0.0.5:5060", 60, 1), binding("sip:alice@10.0.0.6:5060", 3600, 1));
        clock.advance(Duration.ofSeconds(60));

        assertThat(store.bindings(AOR)).extracting(Binding::contactUri).containsExactly("sip:alice@10.0.0.6:5060");
        assertThat(store.indexedBindings()).isEqualTo(2);
        assertThat(store.removeExpired(clock.instant())).isEqualTo(1);
        assertThat(store.indexedBindings()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(-60));
        assertThat(open().bindings(AOR)).extracting(Binding::contactUri).containsExactly("sip:alice@10.0.0.6:5060");
    }

    @Test // the index skips its pass over every AOR until something can have expired, and never misses one
    void purgesEachBindingOnceItsExpiryHasPassedWhateverWasAddedBetweenPurges() {
        SqliteStore store = openSqlite();
        write(store, binding("sip:alice@10.0.0.5:5060", 60, 1));
        clock.advance(Duration.ofSeconds(30));
        assertThat(store.removeExpired(clock.instant())).isZero();
        write(store, binding("sip:alice@10.0.0.6:5060", 10, 1));   // expires at 40 s, before the first one

        clock.advance(Duration.ofSeconds(15));
        assertThat(store.removeExpired(clock.instant())).isEqualTo(1);
        assertThat(store.indexedBindings()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(14));
        assertThat(store.removeExpired(clock.instant())).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(store.removeExpired(clock.instant())).isEqualTo(1);
        assertThat(store.indexedBindings()).isZero();
    }

    @Test // a sipreg.db of the first release (schema 1) opens, gains the nat column, and its bindings are judged
    void upgradesASchemaOneDatabaseAndMarksItsNatBindings() throws Exception {
        long expires = clock.millis() + 3_600_000;
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + data.resolve(SqliteStore.FILE_NAME));
             var s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE bindings (
                        aor TEXT NOT NULL, contact_uri TEXT NOT NULL, contact TEXT NOT NULL,
                        expires_at INTEGER NOT NULL, q INTEGER NOT NULL, call_id TEXT NOT NULL, cseq INTEGER NOT NULL,
                        source TEXT NOT NULL, transport TEXT NOT NULL, local_socket TEXT NOT NULL,
                        connection_id INTEGER NOT NULL, user_agent TEXT NOT NULL, instance_id TEXT NOT NULL,
                        reg_id INTEGER NOT NULL, path TEXT NOT NULL, registered_at INTEGER NOT NULL,
                        last_updated INTEGER NOT NULL, PRIMARY KEY (aor, contact_uri)) WITHOUT ROWID""");
            s.execute("PRAGMA user_version = 1");
            for (String[] row : new String[][] {
                {"sip:alice@192.168.1.10:5060", "203.0.113.5:40211"},
                {"sip:alice@198.51.100.7:5060", "198.51.100.7:5060"}}) {
                s.execute("INSERT INTO bindings VALUES ('" + AOR + "', '" + row[0] + "', '<" + row[0] + ">', "
                        + expires + ", -1, 'c@h', 1, '" + row[1] + "', 'UDP', '192.0.2.1:5060', 0, '', '', 0, '', "
                        + clock.millis() + ", " + clock.millis() + ")");
            }
        }

        RegistrationStore store = open();

        assertThat(store.bindings(AOR)).extracting(Binding::contactUri, Binding::nat).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("sip:alice@192.168.1.10:5060", true),
                org.assertj.core.groups.Tuple.tuple("sip:alice@198.51.100.7:5060", false));
        Binding refreshed = binding("sip:alice@10.0.0.9:5060", 600, 2);
        write(store, refreshed);
        assertThat(open().bindings(AOR)).contains(refreshed);
    }
}
