package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store's table is a snapshot; the journal holds what came since; together they are every binding. */
class BindingSnapshotTest {
    @TempDir
    Path data;

    final ManualClock clock = ManualClock.at("2025-03-01T10:00:00Z");

    Binding binding(int user, String host, int expiresInSeconds) {
        long now = clock.millis();
        String aor = "sip:u" + user + "@example.com";
        return new Binding(aor, "sip:u" + user + "@" + host, "<sip:u" + user + "@" + host + ">",
                now + expiresInSeconds * 1000L, Binding.Q_ABSENT, "call-" + user + "-" + host, 1, "198.51.100.7:5060",
                "UDP", "192.0.2.1:5060", 0, false, "", "", 0, List.of(), now, now);
    }

    static void put(SqliteStore store, Binding b) {
        store.update(b.aor(), current -> new BindingChange<>(List.of(b), List.of(), "ok")).toCompletableFuture().join();
    }

    static void remove(SqliteStore store, Binding b) {
        store.update(b.aor(), current -> new BindingChange<>(List.of(), List.of(b), "ok")).toCompletableFuture().join();
    }

    long rows(String query) throws Exception {
        try (Connection c = SqliteStore.connect(data.resolve(SqliteStore.FILE_NAME));
             ResultSet rs = c.createStatement().executeQuery(query)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    @Test
    void theTableHoldsTheSnapshotAndTheJournalTheRest() throws Exception {
        try (SqliteStore store = SqliteStore.open(data, clock)) {
            for (int i = 0; i < 500; i++) {
                put(store, binding(i, "10.0.0.1:5060", 3600));
            }
            remove(store, binding(7, "10.0.0.1:5060", 3600));
            put(store, binding(8, "10.0.0.2:5060", 3600));   // a second contact for u8
            put(store, binding(9, "10.0.0.1:5060", 60));     // u9 refreshed to a short expiry
            assertThat(rows("SELECT count(*) FROM bindings")).isZero();

            store.snapshot();

            assertThat(rows("SELECT count(*) FROM bindings")).isEqualTo(500);
            assertThat(rows("SELECT count(*) FROM bindings WHERE aor = 'sip:u7@example.com'")).isZero();
            assertThat(rows("SELECT count(*) FROM bindings WHERE aor = 'sip:u8@example.com'")).isEqualTo(2);
            long from = rows("SELECT value FROM meta WHERE key = 'journal-from'");
            assertThat(BindingJournal.generations(data)).containsExactly(from);

            put(store, binding(1000, "10.0.0.1:5060", 3600));   // after the snapshot: in the journal only
            remove(store, binding(8, "10.0.0.1:5060", 3600));
        }
        clock.advance(Duration.ofSeconds(61));   // u9's binding has expired
        try (SqliteStore reopened = SqliteStore.open(data, clock)) {
            assertThat(reopened.all()).hasSize(499);
            assertThat(reopened.bindings("sip:u1000@example.com")).hasSize(1);
            assertThat(reopened.bindings("sip:u8@example.com")).extracting(Binding::contactUri)
                    .containsExactly("sip:u8@10.0.0.2:5060");
            assertThat(reopened.bindings("sip:u7@example.com")).isEmpty();
            assertThat(reopened.bindings("sip:u9@example.com")).isEmpty();

            reopened.snapshot();   // a snapshot leaves the expired out
            assertThat(rows("SELECT count(*) FROM bindings")).isEqualTo(499);
        }
    }

    @Test // a snapshot half written when the process died is dropped; the journal since the previous one is kept
    void aHalfWrittenSnapshotIsIgnored() throws Exception {
        try (SqliteStore store = SqliteStore.open(data, clock)) {
            for (int i = 0; i < 50; i++) {
                put(store, binding(i, "10.0.0.1:5060", 3600));
            }
        }
        try (Connection c = SqliteStore.connect(data.resolve(SqliteStore.FILE_NAME))) {
            c.createStatement().execute(SqliteStore.BINDINGS_TABLE.formatted("bindings_next"));
            c.createStatement().execute("INSERT INTO bindings_next SELECT * FROM bindings");
        }
        try (SqliteStore reopened = SqliteStore.open(data, clock)) {
            assertThat(reopened.all()).hasSize(50);
            reopened.snapshot();
            assertThat(reopened.all()).hasSize(50);
        }
        assertThat(rows("SELECT count(*) FROM bindings")).isEqualTo(50);
    }

    @Test // two journals would each lose the other's changes
    void onlyOneProcessServesADataDirectory() {
        try (SqliteStore serving = SqliteStore.open(data, clock)) {
            put(serving, binding(1, "10.0.0.1:5060", 3600));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SqliteStore.open(data, clock))
                    .isInstanceOf(StoreException.class).hasMessageContaining("already open");
            try (SqliteStore beside = SqliteStore.open(data, clock, SqliteStore.DEFAULT_MAX_PENDING_WRITES, false)) {
                assertThat(beside.all()).hasSize(1);
                assertThat(beside.update("sip:u2@example.com", current -> new BindingChange<>(
                        List.of(binding(2, "10.0.0.1:5060", 3600)), List.of(), "ok")).toCompletableFuture())
                        .isCompletedExceptionally();
                put(serving, binding(3, "10.0.0.1:5060", 3600));
                assertThat(beside.all()).hasSize(2);   // what the serving process wrote since
            }
        }
    }

    @Test // a storm is no time for compaction; a steady load, or a storm that lasts too long, gets its snapshot
    void aSnapshotWaitsForABurstOfRegistrationsToPass() {
        long mb = 1L << 20;
        long bindings = 100_000;   // due at 20,000,000 bytes of journal (19.07 MB)
        assertThat(BindingSnapshotter.snapshotNow(19 * mb, mb, 19, bindings)).isFalse();   // not due
        assertThat(BindingSnapshotter.snapshotNow(21 * mb, mb, 21, bindings)).isTrue();    // steady: 1 MB/s for 21 s
        // quiet for a minute, then a storm of 4 MB/s: it waits...
        assertThat(BindingSnapshotter.snapshotNow(21 * mb, 4 * mb, 65, bindings)).isFalse();
        // ...until the storm passes...
        assertThat(BindingSnapshotter.snapshotNow(25 * mb, mb / 10, 66, bindings)).isTrue();
        // ...or the journal reaches four times its due size, storm or not
        assertThat(BindingSnapshotter.snapshotNow(76 * mb, 4 * mb, 80, bindings)).isFalse();
        assertThat(BindingSnapshotter.snapshotNow(77 * mb, 4 * mb, 81, bindings)).isTrue();
        // a small table waits for 16 MB
        assertThat(BindingSnapshotter.snapshotNow(15 * mb, 0, 100, 10)).isFalse();
        assertThat(BindingSnapshotter.snapshotNow(16 * mb, 0, 100, 10)).isTrue();
    }
}
