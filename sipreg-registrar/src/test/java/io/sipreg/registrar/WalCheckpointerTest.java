package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalCheckpointerTest {
    private static final int TRANSACTIONS = 2_000;
    private static final int ROWS = 20;

    @TempDir
    Path dir;

    /** What one run of the writer left behind. */
    private record Run(long logBytes, int finishes, int rows) {
    }

    @Test // https://sqlite.org/wal.html: the log starts again only after a checkpoint that reached its end
    void theLogStartsAgainUnderASteadyStreamOfCommits() throws Exception {
        Run unfinished = write(dir.resolve("unfinished.db"), false);
        Run finished = write(dir.resolve("finished.db"), true);

        assertThat(finished.finishes()).isGreaterThanOrEqualTo(2);
        // Without the writer's part the passes copy pages, but the log keeps every frame ever appended.
        assertThat(finished.logBytes()).isLessThan(unfinished.logBytes() / 4);
        assertThat(finished.rows()).isEqualTo(unfinished.rows()).isGreaterThan(TRANSACTIONS * ROWS * 9 / 10);
    }

    /** A writer committing without pause beside a checkpointer; it finishes the passes when asked if {@code finish}. */
    private static Run write(Path file, boolean finish) throws Exception {
        int finishes = 0;
        try (Connection writer = SqliteStore.connect(file)) {
            try (Statement s = writer.createStatement()) {
                s.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID");
                s.execute("PRAGMA wal_autocheckpoint = 0");
            }
            writer.setAutoCommit(false);
            try (var checkpointer = new WalCheckpointer(SqliteStore.connect(file), file, Duration.ofMillis(50));
                 var insert = writer.prepareStatement("INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)")) {
                checkpointer.start();
                var random = new Random(7);
                for (int i = 0; i < TRANSACTIONS; i++) {
                    // Random keys, as devices register in no order: each transaction dirties pages all over the tree.
                    for (int r = 0; r < ROWS; r++) {
                        insert.setString(1, "sip:user" + random.nextInt(1_000_000) + "@example.com");
                        insert.setString(2, "<sip:device@10.0.0.1:5060>;expires=3600;call-id=" + i);
                        insert.executeUpdate();
                    }
                    writer.commit();
                    checkpointer.committed();
                    if (checkpointer.finishDue() && finish) {
                        WalCheckpointer.finish(writer, file);
                        finishes++;
                    }
                }
            }
            long logBytes = Files.size(Path.of(file + "-wal"));
            writer.commit();
            try (Statement s = writer.createStatement(); ResultSet rows = s.executeQuery("SELECT count(*) FROM t")) {
                rows.next();
                return new Run(logBytes, finishes, rows.getInt(1));
            }
        }
    }
}
