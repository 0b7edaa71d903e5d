package io.sipreg.registrar;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A location store that forgets everything when the process ends: for tests and benchmarks, and for a registrar
 * where devices re-registering after a restart is acceptable. Changes are "durable" as soon as they are in memory.
 */
public final class InMemoryLocationStore implements LocationStore {
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    private final BindingIndex index;
    private volatile boolean closed;

    public InMemoryLocationStore(Clock clock) {
        this.index = new BindingIndex(clock::millis);
    }

    public InMemoryLocationStore() {
        this(Clock.systemUTC());
    }

    @Override
    public List<Binding> bindings(String aor) {
        return index.current(aor);
    }

    @Override
    public List<Binding> all() {
        return index.all();
    }

    @Override
    public <R> CompletionStage<R> update(String aor, Function<List<Binding>, BindingChange<R>> decision) {
        if (closed) {
            return CompletableFuture.failedFuture(new StoreException("location store is closed"));
        }
        return index.update(aor, decision, (key, change) -> DONE);
    }

    @Override
    public int removeExpired(Instant now) {
        return index.purgeExpired(now.toEpochMilli());
    }

    @Override
    public void close() {
        closed = true;
    }
}
