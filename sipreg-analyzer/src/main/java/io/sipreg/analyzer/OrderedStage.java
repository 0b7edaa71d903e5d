package io.sipreg.analyzer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One stage of the analysis: items are gathered in batches, each batch is worked on by a worker thread while the
 * calling thread goes on, and the results are handed on strictly in the order the items came, on the calling
 * thread. At most {@code inFlight} batches are pending, so memory stays bounded. Without workers, each batch is
 * worked on where it fills, which gives the very same results in the very same order.
 *
 * <p>When the calling thread has to wait for the oldest batch, it works on pending batches no worker has started
 * rather than sleep: on a machine with as many cores as threads the work then splits itself between the calling
 * thread and the workers, whichever stage is the heavier one.
 */
final class OrderedStage<I, O> {
    private final ExecutorService workers;
    private final int batchSize;
    private final int inFlight;
    private final Function<I, O> work;
    private final Consumer<O> out;
    private final ArrayDeque<FutureTask<List<O>>> pending = new ArrayDeque<>();
    private List<I> batch;

    /** {@code workers} null works on the calling thread. */
    OrderedStage(ExecutorService workers, int batchSize, int inFlight, Function<I, O> work, Consumer<O> out) {
        this.workers = workers;
        this.batchSize = batchSize;
        this.inFlight = inFlight;
        this.work = work;
        this.out = out;
        this.batch = new ArrayList<>(batchSize);
    }

    void add(I item) {
        batch.add(item);
        if (batch.size() == batchSize) {
            submit();
            while (pending.size() > inFlight || (!pending.isEmpty() && pending.peek().isDone())) {
                deliver(pending.poll());
            }
        }
    }

    /** Hands on everything, the partial batch included, in order. */
    void flush() {
        submit();
        while (!pending.isEmpty()) {
            deliver(pending.poll());
        }
    }

    private void submit() {
        if (batch.isEmpty()) {
            return;
        }
        List<I> items = batch;
        batch = new ArrayList<>(batchSize);
        if (workers == null) {
            workAll(items).forEach(out);
        } else {
            var task = new FutureTask<>(() -> workAll(items));
            pending.add(task);
            workers.execute(task);
        }
    }

    private List<O> workAll(List<I> items) {
        var results = new ArrayList<O>(items.size());
        for (I item : items) {
            results.add(work.apply(item));
        }
        return results;
    }

    private void deliver(FutureTask<List<O>> done) {
        // Help before waiting: run what no worker has taken yet, this batch first. run() returns at once on a task
        // a worker runs or ran, and a task run here is a no-op when a worker dequeues it later.
        done.run();
        for (var it = pending.iterator(); !done.isDone() && it.hasNext(); ) {
            it.next().run();
        }
        List<O> results;
        try {
            results = done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while analyzing", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("analysis stage failed", e.getCause());
        }
        for (O o : results) {
            out.accept(o);
        }
    }
}
