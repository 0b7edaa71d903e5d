package io.sipreg.registrar;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs the updates of one address-of-record one after another, in the order they were asked for, while updates of
 * different AORs run side by side. Each update takes the AOR's "turn" (the tail of a chain of futures) and the next
 * one starts when the previous one has completed; no thread blocks: a queued update starts on whichever thread
 * completes the previous one. (The same chain {@link BindingIndex} keeps for the embedded stores.)
 */
final class AorTurns {
    private final ConcurrentHashMap<String, CompletableFuture<Void>> turns = new ConcurrentHashMap<>();

    /** Starts {@code work} once every earlier update of {@code aor} has completed; completes as it does. */
    <R> CompletionStage<R> run(String aor, Supplier<CompletionStage<R>> work) {
        var result = new CompletableFuture<R>();
        var turn = new CompletableFuture<Void>();
        CompletableFuture<Void> previous = turns.put(aor, turn);
        if (previous == null) {
            start(aor, work, result, turn);
        } else {
            previous.whenComplete((ignored, error) -> start(aor, work, result, turn));
        }
        return result;
    }

    private <R> void start(String aor, Supplier<CompletionStage<R>> work, CompletableFuture<R> result,
                           CompletableFuture<Void> turn) {
        CompletionStage<R> running;
        try {
            running = work.get();
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            release(aor, turn);
            return;
        }
        running.whenComplete((value, error) -> {
            try {
                if (error == null) {
                    result.complete(value);
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
}
