package io.sipreg.transaction;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler and clock the transactions run on. Production wraps a {@link ScheduledExecutorService}; tests
 * use a manual implementation that fires timers when told, so no test sleeps.
 */
public interface TransactionTimers {
    /** A pending timer. Cancelling is idempotent and harmless after it fired. */
    @FunctionalInterface
    interface Timer {
        void cancel();
    }

    /** Runs {@code task} once after {@code delay}, on the scheduler's thread. */
    Timer schedule(Duration delay, Runnable task);

    /** Monotonic time in nanoseconds, for measuring how long a transaction took. */
    long nanoTime();

    /**
     * Timers on {@code scheduler}, which the caller owns and shuts down. A
     * {@link java.util.concurrent.ScheduledThreadPoolExecutor} with one thread and
     * {@code setRemoveOnCancelPolicy(true)} suits: tasks are short, and cancelled ones then leave the queue at
     * once instead of waiting out their delay.
     */
    static TransactionTimers of(ScheduledExecutorService scheduler) {
        Objects.requireNonNull(scheduler, "scheduler");
        return of(() -> scheduler);
    }

    /**
     * Timers on whichever scheduler {@code schedulers} gives at the moment of scheduling, such as the event loop
     * the caller runs on ({@link io.sipreg.transport.SipTransport#scheduler()}): a timer set and cancelled on
     * the thread that runs it costs no lock and no wake-up. A scheduler that is shutting down is not an error:
     * the timer just never fires.
     */
    static TransactionTimers of(Supplier<ScheduledExecutorService> schedulers) {
        Objects.requireNonNull(schedulers, "schedulers");
        Logger log = LoggerFactory.getLogger(TransactionTimers.class);
        return new TransactionTimers() {
            @Override
            public Timer schedule(Duration delay, Runnable task) {
                ScheduledFuture<?> future;
                try {
                    future = schedulers.get().schedule(() -> {
                        try {
                            task.run();
                        } catch (RuntimeException e) {
                            // A throwing task would otherwise vanish silently inside its ScheduledFuture.
                            log.warn("transaction timer failed", e);
                        }
                    }, delay.toNanos(), TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    return () -> { };
                }
                return () -> future.cancel(false);
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }
        };
    }
}
