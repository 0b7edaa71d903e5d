package io.sipreg.registrar;

import java.util.List;

/**
 * Hears about every change of bindings the registrar has made durable: the seam through which the keepalive schedule
 * follows registrations, refreshes and removals without the registrar knowing about it.
 */
@FunctionalInterface
public interface BindingObserver {
    BindingObserver NONE = (put, removed) -> { };

    /**
     * Called after the commit, on the store's writer thread; must not block.
     *
     * @param put     bindings added or refreshed (a refresh replaces the binding with the same AOR and contact URI)
     * @param removed bindings deleted
     */
    void committed(List<Binding> put, List<Binding> removed);
}
