package io.sipreg.registrar;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * The log of binding changes that makes a 200 OK durable in {@link SqliteStore}: each group commit appends its
 * changes here and fdatasyncs once (in {@link Durability#WRITE} a {@link JournalFlusher} does, beside the
 * writer). A binding costs the log its own few hundred bytes; written into SQLite's table at each commit it cost a
 * whole page, twice (log and checkpoint), since with devices coming back in any order nearly every new binding
 * falls on a page of its own: 12-19 KB written per registration at 8,000/s, which took the kernel's CPU and the
 * disk's queue and made the 200s' tail. The table is rewritten from memory now and then
 * ({@link SqliteStore}'s snapshot), in key order, and the log files it covers are deleted.
 *
 * <p>Files are {@code bindings-<generation>.journal}, generations counting up; a process that writes starts a new
 * one, so a file left with a torn tail by a crash is never appended to. A record is its payload's length, the
 * payload's CRC-32C and the payload: one {@link BindingChange} of one AOR, its bindings put and removed, each
 * binding whole. Replaying records in order over an older state gives the newer one: a put replaces its key, a
 * remove drops it, so replaying a change the state already holds changes nothing.
 *
 * <p>Not thread-safe: one writer thread appends; replay is static.
 */
final class BindingJournal implements AutoCloseable {
    private static final String PREFIX = "bindings-";
    private static final String SUFFIX = ".journal";
    private static final int HEADER = 8;
    /** A record: one change of an AOR's bindings. */
    private static final byte CHANGE = 1;
    /** A record: every binding that expired by this time (epoch ms) was purged. */
    private static final byte PURGE = 2;
    /** No change of one AOR comes near this; a longer length is a torn or corrupt record. */
    private static final int MAX_RECORD = 16 << 20;
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final Path directory;
    private FileChannel channel;
    private long generation;
    private long fileSize;
    /**
     * Bytes in this and earlier files since the table was last written (what a snapshot would make obsolete).
     * Written by the writer thread, read by the snapshot thread.
     */
    private volatile long bytesSinceSnapshot;
    private byte[] pending = new byte[64 * 1024];
    private int pendingLength;
    private final CRC32C crc = new CRC32C();
    private final JournalFlusher.Flush flush;
    /** Null in {@link Durability#FSYNC}, where {@link #commit} flushes itself. */
    private final JournalFlusher flusher;

    private BindingJournal(Path directory, long generation, Durability durability, JournalFlusher.Flush flush)
            throws IOException {
        this.directory = directory;
        this.flush = flush;
        open(generation);
        this.flusher = durability == Durability.WRITE ? new JournalFlusher(directory.toString(), channel, flush) : null;
    }

    /** Starts generation {@code generation} for writing; then {@link #snapshotTaken} counts what older files hold. */
    static BindingJournal create(Path directory, long generation) throws IOException {
        return create(directory, generation, Durability.FSYNC);
    }

    /** As {@link #create(Path, long)}; {@code durability} says whether {@link #commit} waits for the disk. */
    static BindingJournal create(Path directory, long generation, Durability durability) throws IOException {
        return create(directory, generation, durability, JournalFlusher.Flush.FDATASYNC);
    }

    /** As {@link #create(Path, long, Durability)}, flushing with {@code flush} (tests: a disk that stalls). */
    static BindingJournal create(Path directory, long generation, Durability durability, JournalFlusher.Flush flush)
            throws IOException {
        return new BindingJournal(directory, generation, durability, flush);
    }

    private void open(long next) throws IOException {
        Path file = file(directory, next);
        SqliteStore.createPrivateFile(file);
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        generation = next;
        fileSize = 0;
        // The new name must survive a power loss before anything in it is relied on.
        syncDirectory(directory);
    }

    long bytesSinceSnapshot() {
        return bytesSinceSnapshot;
    }

    /** Adds {@code change} of {@code aor} to what the next {@link #commit} writes. */
    void add(String aor, BindingChange<?> change) {
        int start = begin(CHANGE);
        putString(aor);
        putBindings(change.put());
        putBindings(change.remove());
        seal(start);
    }

    /** Adds the mark that bindings expired by {@code nowMillis} were purged. */
    void addPurge(long nowMillis) {
        int start = begin(PURGE);
        putLong(nowMillis);
        seal(start);
    }

    /** Leaves room for a record's header and writes its kind; returns where the record starts. */
    private int begin(byte kind) {
        int start = pendingLength;
        reserve(HEADER);
        pendingLength += HEADER;
        putByte(kind);
        return start;
    }

    /** Fills in the header of the record that starts at {@code start}: its length and checksum. */
    private void seal(int start) {
        int length = pendingLength - start - HEADER;
        crc.reset();
        crc.update(pending, start + HEADER, length);
        INTS.set(pending, start, length);
        INTS.set(pending, start + 4, (int) crc.getValue());
    }

    /**
     * Writes what was added since the last commit and, in {@link Durability#FSYNC}, waits until the disk has it
     * (fdatasync); in {@link Durability#WRITE} the {@link JournalFlusher} flushes it soon after.
     */
    void commit() throws IOException {
        if (pendingLength == 0) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.wrap(pending, 0, pendingLength);
        long at = fileSize;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
        if (flusher == null) {
            flush.flush(channel);
        } else {
            flusher.appended();
        }
        fileSize += pendingLength;
        bytesSinceSnapshot += pendingLength;
        pendingLength = 0;
        if (pending.length > 1 << 20) {
            pending = new byte[64 * 1024];
        }
    }

    /** In {@link Durability#WRITE}: told how long each fdatasync of the {@link JournalFlusher} took. */
    void onFlush(java.util.function.LongConsumer listener) {
        if (flusher != null) {
            flusher.onFlush(listener);
        }
    }

    /** Whether everything committed is on the disk (always so in {@link Durability#FSYNC}). */
    boolean flushedAll() {
        return flusher == null || flusher.caughtUp();
    }

    /** Drops what was added since the last commit (its transaction failed). */
    void discard() {
        pendingLength = 0;
    }

    /**
     * Closes this generation and starts the next one, which it returns: a snapshot of the bindings taken from now on
     * holds everything in the older files. Called between two commits.
     */
    long rotate() throws IOException {
        FileChannel old = channel;
        open(generation + 1);
        if (flusher != null) {
            // What was answered from the old file must be on the disk before a snapshot may retire it.
            flusher.moveTo(channel);
        }
        old.close();
        return generation;
    }

    /**
     * A snapshot covering everything before generation {@code from} is durable: older files go, and so do empty
     * ones (each start begins a file, and a server restarted often between snapshots would gather them).
     */
    void snapshotTaken(long from) {
        long kept = 0;
        for (long g : generations(directory)) {
            if (g == generation) {
                continue;
            }
            long size = sizeOf(file(directory, g));
            if (g < from || size == 0) {
                deleteQuietly(file(directory, g));
            } else {
                kept += size;
            }
        }
        bytesSinceSnapshot = kept + fileSize;
    }

    @Override
    public void close() throws IOException {
        try {
            if (flusher != null) {
                flusher.close();
            }
        } finally {
            channel.close();
        }
    }

    // ---- reading

    /** Generations present in {@code directory}, oldest first. */
    static long[] generations(Path directory) {
        var found = new ArrayList<Long>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String digits = name.substring(PREFIX.length(), name.length() - SUFFIX.length());
                try {
                    found.add(Long.parseLong(digits, 16));
                } catch (NumberFormatException e) {
                    // Not one of ours.
                }
            }
        } catch (IOException e) {
            throw new StoreException(directory + ": cannot list binding journals: " + e.getMessage(), e);
        }
        long[] result = found.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(result);
        return result;
    }

    static Path file(Path directory, long generation) {
        return directory.resolve(PREFIX + String.format("%016x", generation) + SUFFIX);
    }

    /** What {@link #replay} found in one file. */
    record Replayed(int changes, long bytes, String damage) {
    }

    /**
     * Hands every whole record of generation {@code generation} to {@code apply}, in order. Reading stops at the first
     * record that is cut short or fails its checksum: the tail of a write that a crash interrupted, which was never
     * acknowledged (a 200 OK follows the fdatasync); {@link Replayed#damage} says where.
     *
     * @throws NoSuchFileException when the file is gone (a snapshot deleted it meanwhile)
     */
    static Replayed replay(Path directory, long generation, BiConsumer<String, BindingChange<Boolean>> apply,
                           LongConsumer purged) throws IOException {
        Path file = file(directory, generation);
        // Read a record at a time: a whole file read at once would leave the JDK a direct buffer of its size.
        try (var in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            var crc = new CRC32C();
            byte[] header = new byte[HEADER];
            byte[] payload = new byte[4096];
            long at = 0;
            int changes = 0;
            while (true) {
                int got = in.readNBytes(header, 0, HEADER);
                if (got == 0) {
                    return new Replayed(changes, at, null);
                }
                if (got < HEADER) {
                    return new Replayed(changes, at, file + ": " + got + " bytes at offset " + at
                            + " are not a whole record header");
                }
                int length = (int) INTS.get(header, 0);
                if (length <= 0 || length > MAX_RECORD) {
                    return new Replayed(changes, at, file + ": record at offset " + at + " is cut short (length "
                            + length + ")");
                }
                if (payload.length < length) {
                    payload = new byte[Math.max(length, 2 * payload.length)];
                }
                int read = in.readNBytes(payload, 0, length);
                if (read < length) {
                    return new Replayed(changes, at, file + ": record at offset " + at + " is cut short (length "
                            + length + ", " + read + " bytes left)");
                }
                crc.reset();
                crc.update(payload, 0, length);
                if ((int) crc.getValue() != (int) INTS.get(header, 4)) {
                    return new Replayed(changes, at, file + ": record at offset " + at + " fails its checksum");
                }
                var reader = new RecordReader(payload, 0, length);
                String aor;
                BindingChange<Boolean> change;
                try {
                    int kind = reader.readByte();
                    if (kind == PURGE) {
                        purged.accept(reader.readLong());
                        at += HEADER + length;
                        continue;
                    }
                    if (kind != CHANGE) {
                        return new Replayed(changes, at, file + ": record at offset " + at + " is of unknown kind "
                                + kind);
                    }
                    aor = reader.readString();
                    List<Binding> put = reader.readBindings(aor);
                    List<Binding> remove = reader.readBindings(aor);
                    change = new BindingChange<>(put, remove, Boolean.TRUE);
                } catch (RuntimeException e) {
                    return new Replayed(changes, at, file + ": record at offset " + at + " does not decode: " + e);
                }
                apply.accept(aor, change);
                changes++;
                at += HEADER + length;
            }
        }
    }

    // ---- the payload

    private void reserve(int n) {
        if (pendingLength + n > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + n));
        }
    }

    private void putByte(int v) {
        reserve(1);
        pending[pendingLength++] = (byte) v;
    }

    private void putInt(int v) {
        reserve(4);
        INTS.set(pending, pendingLength, v);
        pendingLength += 4;
    }

    private void putLong(long v) {
        reserve(8);
        LONGS.set(pending, pendingLength, v);
        pendingLength += 8;
    }

    private void putString(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        putInt(utf8.length);
        reserve(utf8.length);
        System.arraycopy(utf8, 0, pending, pendingLength, utf8.length);
        pendingLength += utf8.length;
    }

    private void putBindings(List<Binding> bindings) {
        putInt(bindings.size());
        for (Binding b : bindings) {
            putString(b.contactUri());
            putString(b.contact());
            putLong(b.expiresAt());
            putInt(b.q());
            putString(b.callId());
            putLong(b.cseq());
            putString(b.source());
            putString(b.transport());
            putString(b.localSocket());
            putLong(b.connectionId());
            putByte(b.nat() ? 1 : 0);
            putString(b.userAgent());
            putString(b.instanceId());
            putInt(b.regId());
            putInt(b.path().size());
            for (String hop : b.path()) {
                putString(hop);
            }
            putLong(b.registeredAt());
            putLong(b.lastUpdated());
        }
    }

    private static final class RecordReader {
        private final byte[] bytes;
        private int at;
        private final int end;

        RecordReader(byte[] bytes, int at, int end) {
            this.bytes = bytes;
            this.at = at;
            this.end = end;
        }

        private void need(int n) {
            if (n < 0 || end - at < n) {
                throw new IllegalStateException("record ends early");
            }
        }

        int readByte() {
            need(1);
            return bytes[at++];
        }

        int readInt() {
            need(4);
            int v = (int) INTS.get(bytes, at);
            at += 4;
            return v;
        }

        long readLong() {
            need(8);
            long v = (long) LONGS.get(bytes, at);
            at += 8;
            return v;
        }

        String readString() {
            int n = readInt();
            need(n);
            String s = new String(bytes, at, n, StandardCharsets.UTF_8);
            at += n;
            return s;
        }

        List<Binding> readBindings(String aor) {
            int n = readInt();
            need(n);
            var result = new ArrayList<Binding>(n);
            for (int i = 0; i < n; i++) {
                String contactUri = readString();
                String contact = readString();
                long expiresAt = readLong();
                int q = readInt();
                String callId = readString();
                long cseq = readLong();
                String source = readString();
                String transport = readString();
                String localSocket = readString();
                long connectionId = readLong();
                boolean nat = readByte() != 0;
                String userAgent = readString();
                String instanceId = readString();
                int regId = readInt();
                int hops = readInt();
                need(hops);
                var path = new ArrayList<String>(hops);
                for (int h = 0; h < hops; h++) {
                    path.add(readString());
                }
                long registeredAt = readLong();
                long lastUpdated = readLong();
                result.add(new Binding(aor, contactUri, contact, expiresAt, q, callId, cseq, source, transport,
                        localSocket, connectionId, nat, userAgent, instanceId, regId, path, registeredAt,
                        lastUpdated));
            }
            return result;
        }
    }

    // ---- files

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // Left for the next snapshot or start, which deletes files older than the table.
        }
    }

    /** Makes a file created or deleted in {@code directory} durable (fsync of the directory, POSIX). */
    static void syncDirectory(Path directory) {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Not every file system lets a directory be opened or synced; the file's own fsync still holds.
        }
    }
}
