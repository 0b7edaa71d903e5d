package io.sipreg.bench;

import io.sipreg.registrar.Binding;
import io.sipreg.registrar.BindingChange;
import io.sipreg.registrar.InMemoryLocationStore;
import io.sipreg.registrar.LocationStore;
import io.sipreg.registrar.RegistrarSamples;
import io.sipreg.registrar.SqliteStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@code LocationStore.update} of a new binding per operation (a new AOR each time, as in a registration storm
 * after a restart), until the change is durable. {@code outstanding} updates are in flight at once, as when the
 * event loop hands the store many REGISTERs while an fsync runs: with SqliteStore they share one append to the
 * bindings' journal and one fdatasync (group commit), so ops/s grows with it while a single outstanding update
 * pays a whole fdatasync. InMemoryLocationStore is the anchor: the same bookkeeping (BindingIndex, per-AOR
 * ordering) without the disk.
 *
 * <p>The SQLite file goes in {@code -Djava.io.tmpdir} (or {@code -p dir=...}): put it on the disk the server would
 * use, since fsync is most of the cost. Scores are per binding written (@OperationsPerInvocation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LocationStoreWrite {
    private static final int MAX_OUTSTANDING = 256;

    @Param({"sqlite", "memory"})
    public String store;

    /** Directory for the SQLite file; empty means java.io.tmpdir. */
    @Param({""})
    public String dir;

    private LocationStore locationStore;
    private Path data;
    private long sequence;

    @Setup(Level.Trial)
    public void open() throws IOException {
        if (store.equals("sqlite")) {
            Path parent = Path.of(dir.isEmpty() ? System.getProperty("java.io.tmpdir") : dir);
            data = Files.createTempDirectory(parent, "sipreg-bench-");
            locationStore = SqliteStore.open(data);
        } else {
            locationStore = new InMemoryLocationStore();
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        locationStore.close();
        if (data != null) {
            try (Stream<Path> files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public Object outstanding1() {
        return update(1);
    }

    @Benchmark
    @OperationsPerInvocation(16)
    public Object outstanding16() {
        return update(16);
    }

    @Benchmark
    @OperationsPerInvocation(MAX_OUTSTANDING)
    public Object outstanding256() {
        return update(MAX_OUTSTANDING);
    }

    private Object update(int outstanding) {
        var futures = new CompletableFuture<?>[outstanding];
        for (int k = 0; k < outstanding; k++) {
            long n = sequence++;
            String aor = "sip:user" + n + "@example.com";
            String contactUri = "sip:user" + n + "@127.0.0.1:" + (1024 + n % 60_000) + ";transport=udp";
            Binding binding = RegistrarSamples.binding(aor, contactUri, "<" + contactUri + ">", "call-" + n,
                    System.currentTimeMillis(), 3600);
            futures[k] = locationStore.update(aor, current ->
                    new BindingChange<>(List.of(binding), List.of(), Boolean.TRUE)).toCompletableFuture();
        }
        CompletableFuture.allOf(futures).join();
        return futures;
    }
}
