package io.sipreg.registrar;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Run in a child JVM by {@link SqliteStoreCrashTest}: writes bindings, says so once every update has completed, then
 * waits to be killed with SIGKILL; or writes without end ({@code stream}), while snapshots of the bindings table
 * are taken one after another ({@code snapshots}); a third argument names the {@link Durability} (default fsync).
 * Nothing is closed: the process never gets the chance.
 */
final class CrashingWriter {
    private CrashingWriter() {
    }

    public static void main(String[] args) throws Exception {
        Durability durability = args.length > 2 ? Durability.fromConfigName(args[2]).orElseThrow() : Durability.FSYNC;
        SqliteStore store = SqliteStore.open(Path.of(args[0]), Clock.systemUTC(),
                SqliteStore.DEFAULT_MAX_PENDING_WRITES, true, durability);
        if (args[1].equals("stream")) {
            stream(store);
            return;
        }
        if (args[1].equals("snapshots")) {
            var snapshots = new Thread(() -> {
                while (true) {
                    try {
                        store.snapshot();
                    } catch (Exception e) {
                        e.printStackTrace();
                    }
                }
            });
            snapshots.setDaemon(true);
            snapshots.start();
            stream(store);
            return;
        }
        int count = Integer.parseInt(args[1]);
        long now = System.currentTimeMillis();
        var futures = new ArrayList<CompletableFuture<String>>();
        for (int i = 0; i < count; i++) {
            futures.add(write(store, i, "crash-", now));
        }
        futures.forEach(CompletableFuture::join);
        // Only now would the registrar send 200 OK for these.
        System.out.println("committed " + count);
        System.out.flush();
        Thread.sleep(60_000);
    }

    /**
     * Writes without end, 20 bindings at a time, and prints {@code committed N} once the first N have completed:
     * the kill then falls among writes and the checkpoints that run beside them.
     */
    private static void stream(SqliteStore store) {
        long now = System.currentTimeMillis();
        for (int done = 0; ; done += 20) {
            var batch = new ArrayList<CompletableFuture<String>>();
            for (int i = done; i < done + 20; i++) {
                batch.add(write(store, i, "stream-", now));
            }
            batch.forEach(CompletableFuture::join);
            System.out.println("committed " + (done + 20));
            System.out.flush();
        }
    }

    /** The binding of user {@code i}, its Call-ID {@code callIdPrefix + i}. */
    private static CompletableFuture<String> write(SqliteStore store, int i, String callIdPrefix, long now) {
        String aor = "sip:user" + i + "@example.com";
        var b = new Binding(aor, "sip:user" + i + "@10.0.0.1:5060", "<sip:user" + i + "@10.0.0.1:5060>",
                now + 3_600_000, Binding.Q_ABSENT, callIdPrefix + i, 1, "198.51.100.7:5060", "UDP", "192.0.2.1:5060",
                0, false, "", "", 0, List.of(), now, now);
        return store.update(aor, current -> new BindingChange<>(List.of(b), List.of(), "ok")).toCompletableFuture();
    }
}
