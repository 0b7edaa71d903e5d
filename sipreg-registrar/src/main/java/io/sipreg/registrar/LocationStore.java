package io.sipreg.registrar;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The location service (RFC 3261 §10): bindings per address-of-record. Reads never return expired bindings.
 *
 * <p>Updates to one AOR are serialized: {@link #update} hands the decision function the AOR's current bindings,
 * and no other update of that AOR starts until this one is durable (or failed), so two concurrent REGISTERs for
 * one AOR cannot lose either change.
 */
public interface LocationStore extends AutoCloseable {

    /** The unexpired bindings of {@code aor}, highest q first. */
    List<Binding> bindings(String aor);

    /**
     * The unexpired bindings of {@code aor} as this process last committed them, from memory where the store keeps
     * them; for decisions on the request path. By default {@link #bindings}.
     */
    default List<Binding> current(String aor) {
        return bindings(aor);
    }

    /** Every unexpired binding, grouped by AOR (in AOR order), highest q first within an AOR. */
    List<Binding> all();

    /**
     * Reads the unexpired bindings of {@code aor}, applies {@code decision} to them (a pure function, which may run
     * on the store's own thread), persists the change it returns and only then completes with its result. An empty
     * change completes at once without writing. Fails with {@link StoreException} when the change could not be
     * made durable, in which case nothing of it is visible.
     */
    <R> CompletionStage<R> update(String aor, Function<List<Binding>, BindingChange<R>> decision);

    /** Deletes bindings that expired at or before {@code now}; returns how many went. Blocks until durable. */
    int removeExpired(Instant now);

    @Override
    void close();
}
