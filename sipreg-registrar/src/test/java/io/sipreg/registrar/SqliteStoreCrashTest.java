package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "200 means stored": a binding whose update completed survives kill -9 of the process. (Power loss cannot be
 * simulated here; {@code synchronous=FULL} is what covers it, see {@link SqliteStore}.)
 */
class SqliteStoreCrashTest {
    @TempDir
    Path data;

    @Test
    void completedUpdatesSurviveKillMinus9() throws Exception {
        Process child = startWriter("500");
        try {
            var out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            while (line != null && !line.startsWith("committed")) {
                line = out.readLine();
            }
            assertThat(line).isEqualTo("committed 500");
        } finally {
            child.destroyForcibly(); // SIGKILL on POSIX: no shutdown hooks, no close()
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        try (SqliteStore store = SqliteStore.open(data)) {
            assertThat(store.all()).hasSize(500);
            assertThat(store.bindings("sip:user499@example.com")).singleElement()
                    .satisfies(b -> assertThat(b.callId()).isEqualTo("crash-499"));
        }
    }

    @Test // the kill falls among group commits and the checkpoints beside them (WalCheckpointer)
    void completedUpdatesSurviveKillMinus9DuringCheckpoints() throws Exception {
        // Past a few checkpoint passes (one every DEFAULT_INTERVAL while writes come).
        int committed = committedBeforeKill("stream", 3 * WalCheckpointer.DEFAULT_INTERVAL.toMillis() + 500);
        assertThat(committed).isGreaterThan(0);

        int last = committed - 1;
        try (SqliteStore store = SqliteStore.open(data)) {
            assertThat(store.all()).hasSizeGreaterThanOrEqualTo(committed);
            assertThat(store.bindings("sip:user" + last + "@example.com")).singleElement()
                    .satisfies(b -> assertThat(b.callId()).isEqualTo("stream-" + last));
        }
    }

    @Test // the kill falls among group commits and snapshots of the table (BindingSnapshotter), one after another
    void completedUpdatesSurviveKillMinus9DuringSnapshots() throws Exception {
        int committed = committedBeforeKill("snapshots", 3_000);
        assertThat(committed).isGreaterThan(1_000);

        assertEveryCompletedUpdateIsBack(committed);
        // Snapshots were completed, and the files they cover are gone (the last one perhaps half written).
        try (var c = SqliteStore.connect(data.resolve(SqliteStore.FILE_NAME));
             var rs = c.createStatement().executeQuery("SELECT value FROM meta WHERE key = 'journal-from'")) {
            assertThat(rs.next()).isTrue();
            long from = rs.getLong(1);
            assertThat(from).isGreaterThan(1);
            assertThat(java.util.Arrays.stream(BindingJournal.generations(data))).allSatisfy(
                    g -> assertThat(g).isGreaterThanOrEqualTo(from));
        }
    }

    @Test // Durability.WRITE: answered before the fdatasync, still in the kernel's hands when the process dies
    void inWriteDurabilityCompletedUpdatesSurviveKillMinus9DuringSnapshots() throws Exception {
        int committed = committedBeforeKill("snapshots", 3_000, "write");
        assertThat(committed).isGreaterThan(1_000);

        assertEveryCompletedUpdateIsBack(committed);
    }

    /** Reopened, the store holds the binding of each of the first {@code committed} updates, as written. */
    private void assertEveryCompletedUpdateIsBack(int committed) {
        try (SqliteStore store = SqliteStore.open(data)) {
            assertThat(store.all()).hasSizeGreaterThanOrEqualTo(committed);
            for (int i = 0; i < committed; i++) {
                String aor = "sip:user" + i + "@example.com";
                String callId = "stream-" + i;
                assertThat(store.bindings(aor)).as(aor).singleElement()
                        .satisfies(b -> assertThat(b.callId()).isEqualTo(callId));
            }
        }
    }

    private int committedBeforeKill(String mode, long millis) throws Exception {
        return committedBeforeKill(mode, millis, "fsync");
    }

    /**
     * Runs {@link CrashingWriter} in {@code mode} with {@code durability} for {@code millis}, then kills it with
     * SIGKILL; returns how many updates it had reported complete (what the registrar would have answered 200 for).
     */
    private int committedBeforeKill(String mode, long millis, String durability) throws Exception {
        Process child = startWriter(mode, durability);
        int committed = 0;
        try {
            var out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            for (String line = out.readLine(); line != null && System.nanoTime() < until; line = out.readLine()) {
                if (line.startsWith("committed ")) {
                    committed = Integer.parseInt(line.substring("committed ".length()));
                }
            }
        } finally {
            child.destroyForcibly(); // SIGKILL on POSIX: no shutdown hooks, no close()
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        return committed;
    }

    /** {@link CrashingWriter} in a JVM of its own, writing into {@link #data}. */
    private Process startWriter(String mode) throws java.io.IOException {
        return startWriter(mode, "fsync");
    }

    private Process startWriter(String mode, String durability) throws java.io.IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CrashingWriter.class.getName(), data.toString(), mode,
                durability)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }
}
