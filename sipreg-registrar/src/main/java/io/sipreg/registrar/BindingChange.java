package io.sipreg.registrar;

import java.util.List;
import java.util.Objects;

/**
 * What the registrar decided to do to one address-of-record, given its current bindings: bindings to write (added
 * or replaced, keyed by AOR and contact URI), bindings to remove, and the answer to give once that is durable.
 * This is the seam between protocol and storage (cf. reSIProcate's RegistrationPersistenceManager): the registrar
 * decides, the {@link LocationStore} persists.
 *
 * @param put    bindings to insert or replace
 * @param remove bindings to delete
 * @param result what {@link LocationStore#update} completes with after the change is durable
 */
public record BindingChange<R>(List<Binding> put, List<Binding> remove, R result) {
    public BindingChange {
        put = List.copyOf(put);
        remove = List.copyOf(remove);
        Objects.requireNonNull(result, "result");
    }

    /** No change: the store completes with {@code result} at once, without writing. */
    public static <R> BindingChange<R> none(R result) {
        return new BindingChange<>(List.of(), List.of(), result);
    }

    public boolean isEmpty() {
        return put.isEmpty() && remove.isEmpty();
    }
}
