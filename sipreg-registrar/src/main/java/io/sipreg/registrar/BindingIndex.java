package io.sipreg.registrar;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The bindings of every AOR in memory, so that processing a REGISTER never reads from disk, plus the per-AOR
 * ordering of updates. Both stores use it; they differ in how a change is made durable ({@link Persister}).
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

    private final ConcurrentHashMap<String, List<Binding>> byAor = new ConcurrentHashMap<>();
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
        byAor.merge(binding.aor(), List.of(binding), (a, b) -> {
            var merged = new ArrayList<Binding>(a.size() + b.size());
            merged.addAll(a);
            merged.addAll(b);
            return List.copyOf(merged);
        });
    }

    /** Unexpired bindings of {@code aor}, highest q first. */
    List<Binding> current(String aor) {
        return unexpired(byAor.get(aor), nowMillis.getAsLong());
    }

    List<Binding> all() {
        long now = nowMillis.getAsLong();
        var aors = new ArrayList<>(byAor.keySet());
        aors.sort(null);
        var result = new ArrayList<Binding>();
        for (String aor : aors) {
            result.addAll(unexpired(byAor.get(aor), now));
        }
        return result;
    }

    int size() {
        int n = 0;
        for (List<Binding> list : byAor.values()) {
            n += list.size();
        }
        return n;
    }

    /** Unexpired bindings now, and how many of them are behind NAT; one pass over memory, no lock. */
    BindingCount count() {
        long now = nowMillis.getAsLong();
        int bindings = 0;
        int nat = 0;
        for (List<Binding> list : byAor.values()) {
            for (Binding b : list) {
                if (!b.isExpiredAt(now)) {
                    bindings++;
                    if (b.nat()) {
                        nat++;
                    }
                }
            }
        }
        return new BindingCount(bindings, nat);
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
        byAor.compute(aor, (key, old) -> {
            var next = new ArrayList<Binding>((old == null ? 0 : old.size()) + change.put().size());
            if (old != null) {
                for (Binding b : old) {
                    if (!containsKey(change.remove(), b) && !containsKey(change.put(), b)) {
                        next.add(b);
                    }
                }
            }
            next.addAll(change.put());
            return next.isEmpty() ? null : List.copyOf(next);
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
        int[] removed = {0};
        for (var entry : byAor.entrySet()) {
            if (boundAndAnyExpired(entry.getValue(), nowMillis)) {
                byAor.computeIfPresent(entry.getKey(), (key, list) -> {
                    var kept = new ArrayList<Binding>(list.size());
                    for (Binding b : list) {
                        if (!b.isExpiredAt(nowMillis)) {
                            kept.add(b);
                        }
                    }
                    removed[0] += list.size() - kept.size();
                    return kept.isEmpty() ? null : List.copyOf(kept);
                });
            }
        }
        if (removed[0] > 0) {
            version.incrementAndGet();
        }
        return removed[0];
    }

    /** Lowers the expiry bound to the unexpired bindings of {@code list}; whether any of them has expired. */
    private boolean boundAndAnyExpired(List<Binding> list, long nowMillis) {
        boolean expired = false;
        for (Binding b : list) {
            if (b.isExpiredAt(nowMillis)) {
                expired = true;
            } else {
                earliestExpiry.accumulate(b.expiresAt());
            }
        }
        return expired;
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
