package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binding journal: what is committed is replayed whole, in order; a torn or damaged tail is where it stops. */
class BindingJournalTest {
    @TempDir
    Path dir;

    record Replay(List<String> aors, List<BindingChange<Boolean>> changes, List<Long> purges,
                  BindingJournal.Replayed result) {
    }

    static Binding binding(String user, String contactHost, long expiresAt, String... path) {
        String aor = "sip:" + user + "@example.com";
        String contactUri = "sip:" + user + "@" + contactHost;
        return new Binding(aor, contactUri, "<" + contactUri + ">;expires=60", expiresAt, 700, "call-" + user + "@h",
                42, "198.51.100.7:40211", "TLS", "192.0.2.1:5061", 9, true, "Zoiper ünïcode",
                "<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>", 2, List.of(path), 1_000, 2_000);
    }

    Replay replay(long generation) throws IOException {
        var aors = new ArrayList<String>();
        var changes = new ArrayList<BindingChange<Boolean>>();
        var purges = new ArrayList<Long>();
        var result = BindingJournal.replay(dir, generation, (aor, change) -> {
            aors.add(aor);
            changes.add(change);
        }, purges::add);
        return new Replay(aors, changes, purges, result);
    }

    @Test
    void committedChangesComeBackWholeAndInOrder() throws IOException {
        Binding alice = binding("alice", "10.0.0.5:5060", 90_000, "<sip:edge.example.com;lr>", "<sip:p2;lr>");
        Binding alice2 = binding("alice", "10.0.0.6:5060", 95_000);
        Binding bob = binding("bob", "10.0.0.7:5060", 99_000);
        try (var journal = BindingJournal.create(dir, 5)) {
            journal.add(alice.aor(), new BindingChange<>(List.of(alice), List.of(), "x"));
            journal.add(bob.aor(), new BindingChange<>(List.of(bob), List.of(), "x"));
            journal.commit();
            journal.add(alice.aor(), new BindingChange<>(List.of(alice2), List.of(alice), "x"));
            journal.addPurge(91_000);
            journal.commit();
            journal.add(bob.aor(), new BindingChange<>(List.of(), List.of(bob), "x"));
            // never committed: a crash before the fdatasync
        }

        var replay = replay(5);

        assertThat(replay.aors()).containsExactly(alice.aor(), bob.aor(), alice.aor());
        assertThat(replay.changes().get(0).put()).containsExactly(alice);
        assertThat(replay.changes().get(0).put().get(0).path()).containsExactly("<sip:edge.example.com;lr>",
                "<sip:p2;lr>");
        assertThat(replay.changes().get(2).put()).containsExactly(alice2);
        assertThat(replay.changes().get(2).remove()).containsExactly(alice);
        assertThat(replay.purges()).containsExactly(91_000L);
        assertThat(replay.result().damage()).isNull();
        assertThat(replay.result().bytes()).isEqualTo(Files.size(BindingJournal.file(dir, 5)));
        assertThat(BindingJournal.generations(dir)).containsExactly(5);
    }

    @Test // a crash in the middle of an append leaves part of a record: replay stops before it and says where
    void aTornTailIsWhereReplayStops() throws IOException {
        Binding alice = binding("alice", "10.0.0.5:5060", 90_000);
        long whole;
        try (var journal = BindingJournal.create(dir, 1)) {
            journal.add(alice.aor(), new BindingChange<>(List.of(alice), List.of(), "x"));
            journal.commit();
            whole = Files.size(BindingJournal.file(dir, 1));
            journal.add(alice.aor(), new BindingChange<>(List.of(), List.of(alice), "x"));
            journal.commit();
        }
        try (var file = new RandomAccessFile(BindingJournal.file(dir, 1).toFile(), "rw")) {
            file.setLength(file.length() - 3);
        }

        var replay = replay(1);

        assertThat(replay.changes()).hasSize(1);
        assertThat(replay.result().bytes()).isEqualTo(whole);
        assertThat(replay.result().damage()).contains("offset " + whole).contains("cut short");
    }

    @Test // a flipped bit fails the checksum: nothing from that record on is believed
    void aDamagedRecordFailsItsChecksum() throws IOException {
        Binding alice = binding("alice", "10.0.0.5:5060", 90_000);
        Binding bob = binding("bob", "10.0.0.7:5060", 99_000);
        long first;
        try (var journal = BindingJournal.create(dir, 1)) {
            journal.add(alice.aor(), new BindingChange<>(List.of(alice), List.of(), "x"));
            journal.commit();
            first = Files.size(BindingJournal.file(dir, 1));
            journal.add(bob.aor(), new BindingChange<>(List.of(bob), List.of(), "x"));
            journal.commit();
        }
        try (var file = new RandomAccessFile(BindingJournal.file(dir, 1).toFile(), "rw")) {
            file.seek(first + 20);
            int b = file.read();
            file.seek(first + 20);
            file.write(b ^ 0x10);
        }

        var replay = replay(1);

        assertThat(replay.aors()).containsExactly(alice.aor());
        assertThat(replay.result().damage()).contains("offset " + first).contains("checksum");
    }

    @Test // a new file per rotation; a snapshot's generation retires the older files and their bytes
    void rotationStartsANewFileAndASnapshotRetiresTheOldOnes() throws IOException {
        Binding alice = binding("alice", "10.0.0.5:5060", 90_000);
        try (var journal = BindingJournal.create(dir, 3)) {
            journal.add(alice.aor(), new BindingChange<>(List.of(alice), List.of(), "x"));
            journal.commit();
            long written = journal.bytesSinceSnapshot();
            assertThat(written).isPositive();

            long next = journal.rotate();
            assertThat(next).isEqualTo(4);
            journal.add(alice.aor(), new BindingChange<>(List.of(alice), List.of(), "x"));
            journal.commit();
            assertThat(BindingJournal.generations(dir)).containsExactly(3, 4);
            assertThat(journal.bytesSinceSnapshot()).isEqualTo(2 * written);

            journal.snapshotTaken(next);
            assertThat(BindingJournal.generations(dir)).containsExactly(4);
            assertThat(journal.bytesSinceSnapshot()).isEqualTo(written);
        }
    }

    @Test // every start begins a file; the empty ones a restart left behind go at the next start
    void emptyFilesOfEarlierStartsGo() throws IOException {
        Binding alice = binding("alice", "10.0.0.5:5060", 90_000);
        try (var first = BindingJournal.create(dir, 1)) {
            first.add(alice.aor(), new BindingChange<>(List.of(alice), List.of(), "x"));
            first.commit();
        }
        BindingJournal.create(dir, 2).close();   // started and stopped, nothing written
        try (var third = BindingJournal.create(dir, 3)) {
            third.snapshotTaken(0);
            assertThat(BindingJournal.generations(dir)).containsExactly(1, 3);
            assertThat(third.bytesSinceSnapshot()).isEqualTo(Files.size(BindingJournal.file(dir, 1)));
        }
    }

    /** A disk whose flushes stall until {@link #recover}, remembering the file size each finished flush covered. */
    static final class StalledDisk implements JournalFlusher.Flush {
        final CountDownLatch recovered = new CountDownLatch(1);
        final AtomicLong flushedSize = new AtomicLong(-1);

        @Override
        public void flush(FileChannel channel) throws IOException {
            try {
                recovered.await();
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            channel.force(false);
            flushedSize.set(channel.size());
        }

        void recover() {
            recovered.countDown();
        }
    }

    @Test // Durability.WRITE: the commit (and so the 200 OK) does not wait for a stalled disk; the flush follows
    void inWriteDurabilityACommitReturnsWhileTheDiskStalls() throws Exception {
        Binding alice = binding("alice", "10.0.0.5:5060", 90_000);
        var disk = new StalledDisk();
        try (var journal = BindingJournal.create(dir, 1, Durability.WRITE, disk)) {
            journal.add(alice.aor(), new BindingChange<>(List.of(alice), List.of(), "x"));
            assertTimeoutPreemptively(Duration.ofSeconds(5), journal::commit);

            // In the file already (the kernel's page cache): what a killed process leaves behind.
            assertThat(replay(1).aors()).containsExactly(alice.aor());
            assertThat(journal.flushedAll()).isFalse();
            assertThat(disk.flushedSize).hasValue(-1);

            disk.recover();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!journal.flushedAll() && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertThat(journal.flushedAll()).isTrue();
            assertThat(disk.flushedSize).hasValue(Files.size(BindingJournal.file(dir, 1)));
        }
    }

    @Test // Durability.WRITE: a rotation (before a snapshot retires the file) waits until the old file is flushed
    void inWriteDurabilityARotationWaitsForTheOldFileToBeFlushed() throws Exception {
        Binding alice = binding("alice", "10.0.0.5:5060", 90_000);
        var disk = new StalledDisk();
        try (var journal = BindingJournal.create(dir, 1, Durability.WRITE, disk)) {
            journal.add(alice.aor(), new BindingChange<>(List.of(alice), List.of(), "x"));
            journal.commit();
            var rotated = CompletableFuture.supplyAsync(() -> {
                try {
                    return journal.rotate();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(200);
            assertThat(rotated).isNotDone();

            disk.recover();
            assertThat(rotated.get(5, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(disk.flushedSize).hasValue(Files.size(BindingJournal.file(dir, 1)));
        }
    }

    @Test // Durability.WRITE: a storm of commits gets a flush at most every FLUSH_INTERVAL_NANOS, not one per commit
    void inWriteDurabilityFlushesArePaced() throws Exception {
        var flushes = new java.util.concurrent.atomic.AtomicInteger();
        JournalFlusher.Flush counting = channel -> {
            if (Thread.currentThread().getName().equals("sipreg-journal-flush")) {
                flushes.incrementAndGet();
            }
        };
        long millis;
        try (var journal = BindingJournal.create(dir, 1, Durability.WRITE, counting)) {
            long start = System.nanoTime();
            for (int i = 0; i < 1_000; i++) {
                Binding binding = binding("u" + i, "10.0.0.5:5060", 90_000);
                journal.add(binding.aor(), new BindingChange<>(List.of(binding), List.of(), "x"));
                journal.commit();
                Thread.sleep(0, 200_000);
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!journal.flushedAll() && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(journal.flushedAll()).isTrue();
        }
        // A commit every 0.2-0.3 ms; unpaced, a flush would follow nearly each of them.
        long interval = TimeUnit.NANOSECONDS.toMillis(JournalFlusher.FLUSH_INTERVAL_NANOS);
        assertThat(flushes.get()).isPositive().isLessThanOrEqualTo((int) (millis / interval) + 1);
    }

    @Test // Durability.WRITE: a clean stop flushes what the flusher had not reached yet
    void inWriteDurabilityCloseFlushesWhatIsLeft() throws Exception {
        Binding alice = binding("alice", "10.0.0.5:5060", 90_000);
        Binding bob = binding("bob", "10.0.0.6:5060", 90_000);
        var flushedSize = new AtomicLong();
        JournalFlusher.Flush recording = channel -> {
            // Only the flush of close() itself counts: the flusher's thread may or may not get there first.
            if (!Thread.currentThread().getName().equals("sipreg-journal-flush")) {
                channel.force(false);
                flushedSize.set(channel.size());
            }
        };
        try (var journal = BindingJournal.create(dir, 1, Durability.WRITE, recording)) {
            journal.add(alice.aor(), new BindingChange<>(List.of(alice), List.of(), "x"));
            journal.add(bob.aor(), new BindingChange<>(List.of(bob), List.of(), "x"));
            journal.commit();
        }
        assertThat(flushedSize).hasValue(Files.size(BindingJournal.file(dir, 1)));
        assertThat(replay(1).aors()).containsExactly(alice.aor(), bob.aor());
    }
}
