package io.sipreg.registrar;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The bindings of every AOR in memory, so that processing a REGISTER never reads from disk, plus the per-AOR
 * ordering of updates. They are held packed ({@link PackedBindings}), out of the young collections' way. Both stores
 * use it; they differ in how a change is made durable ({@link Persister}).
 *
 * <p>The index only ever holds committed state: a change is applied after its persister completes. Updates of one
 * AOR run one after another: each update takes the AOR's "turn" (the tail of a chain of futures) and the next one
 * starts when the previous one has been persisted and applied. Different AORs never wait for each other. No thread
 * blocks: a queued update runs on whichever thread completes the previous one.
 */
final class BindingIndex {

    /** Makes a non-empty change durable; the stage completes after the commit, or fails. */
    interface Persister {
        CompletionStage<Void> persist(String aor, BindingChange<?> change);
    }

    private final PackedBindings byAor = new PackedBindings();
    private final ConcurrentHashMap<String, CompletableFuture<Void>> turns = new ConcurrentHashMap<>();
    private final LongSupplier nowMillis;
    /** Moves on every applied change and purge, so a reader can tell whether anything changed since it looked. */
    private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();
    /**
     * No binding expires before this (a lower bound: it may be earlier than the earliest expiry, never later), so a
     * purge before it has nothing to do and skips the pass over every AOR, which the store runs each second.
     */
    private final LongAccumulator earliestExpiry = new LongAccumulator(Math::min, Long.MAX_VALUE);

    BindingIndex(LongSupplier nowMillis) {
        this.nowMillis = nowMillis;
    }

    /** Adds a binding read from disk at startup. */
    void load(Binding binding) {
        earliestExpiry.accumulate(binding.expiresAt());
        byAor.update(binding.aor(), stored -> {
            if (stored == null) {
                return List.of(binding);
            }
            var merged = new ArrayList<Binding>(stored.size() + 1);
            merged.addAll(stored);
            merged.add(binding);
            return merged;
        });
    }

    /** Unexpired bindings of {@code aor}, highest q first. */
    List<Binding> current(String aor) {
        return unexpired(byAor.get(aor), nowMillis.getAsLong());
    }

    List<Binding> all() {
        long now = nowMillis.getAsLong();
        record Stored(String aor, List<Binding> bindings) {
        }
        var stored = new ArrayList<Stored>();
        for (List<Binding> list : byAor.all()) {
            stored.add(new Stored(list.get(0).aor(), list));
        }
        stored.sort(Comparator.comparing(Stored::aor));
        var result = new ArrayList<Binding>();
        for (Stored s : stored) {
            result.addAll(unexpired(s.bindings(), now));
        }
        return result;
    }

    int size() {
        return byAor.size();
    }

    /** Every AOR holding bindings (expired ones too, until purged), in no particular order. */
    List<String> aors() {
        return byAor.aors();
    }

    /** Unexpired bindings now, and how many of them are behind NAT; one pass over the packed records. */
    BindingCount count() {
        return byAor.count(nowMillis.getAsLong());
    }

    long version() {
        return version.get();
    }

    <R> CompletionStage<R> update(String aor, Function<List<Binding>, BindingChange<R>> decision,
                                  Persister persister) {
        var result = new CompletableFuture<R>();
        var turn = new CompletableFuture<Void>();
        CompletableFuture<Void> previous = turns.put(aor, turn);
        if (previous == null) {
            run(aor, decision, persister, result, turn);
        } else {
            previous.whenComplete((ignored, error) -> run(aor, decision, persister, result, turn));
        }
        return result;
    }

    private <R> void run(String aor, Function<List<Binding>, BindingChange<R>> decision, Persister persister,
                         CompletableFuture<R> result, CompletableFuture<Void> turn) {
        BindingChange<R> change;
        CompletionStage<Void> persisted;
        try {
            change = decision.apply(current(aor));
            if (change.isEmpty()) {
                result.complete(change.result());
                release(aor, turn);
                return;
            }
            persisted = persister.persist(aor, change);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            release(aor, turn);
            return;
        }
        persisted.whenComplete((ignored, error) -> {
            try {
                if (error == null) {
                    apply(aor, change);
                    result.complete(change.result());
                } else {
                    result.completeExceptionally(error);
                }
            } finally {
                release(aor, turn);
            }
        });
    }

    private void release(String aor, CompletableFuture<Void> turn) {
        // Only the tail of the chain is in the map; if another update queued behind us, it stays there.
        turns.remove(aor, turn);
        turn.complete(null);
    }

    /** Applies a committed change: drop removed and replaced keys, add the new bindings. */
    void apply(String aor, BindingChange<?> change) {
        byAor.update(aor, old -> {
            var next = new ArrayList<Binding>((old == null ? 0 : old.size()) + change.put().size());
            if (old != null) {
                for (Binding b : old) {
                    if (!containsKey(change.remove(), b) && !containsKey(change.put(), b)) {
                        next.add(b);
                    }
                }
            }
            next.addAll(change.put());
            return next;
        });
        // After the change is in the map: a purge that reset the bound either sees it there or hears of it here.
        for (Binding b : change.put()) {
            earliestExpiry.accumulate(b.expiresAt());
        }
        version.incrementAndGet();
    }

    /** Drops bindings that expired at or before {@code nowMillis}; returns how many. */
    int purgeExpired(long nowMillis) {
        if (nowMillis < earliestExpiry.get()) {
            return 0;
        }
        // Recomputed from what stays; changes applied meanwhile add their own expiries, so the bound holds.
        earliestExpiry.reset();
        int removed = byAor.purgeExpired(nowMillis, earliestExpiry::accumulate);
        if (removed > 0) {
            version.incrementAndGet();
        }
        return removed;
    }

    private static boolean containsKey(List<Binding> list, Binding binding) {
        for (Binding b : list) {
            if (b.sameKey(binding)) {
                return true;
            }
        }
        return false;
    }

    static List<Binding> unexpired(List<Binding> list, long nowMillis) {
        if (list == null || list.isEmpty()) {
            return List.of();
        }
        if (list.size() == 1) {
            return list.get(0).isExpiredAt(nowMillis) ? List.of() : list;
        }
        var live = new ArrayList<Binding>(list.size());
        for (Binding b : list) {
            if (!b.isExpiredAt(nowMillis)) {
                live.add(b);
            }
        }
        live.sort(Binding.PREFERENCE);
        return List.copyOf(live);
    }
}
