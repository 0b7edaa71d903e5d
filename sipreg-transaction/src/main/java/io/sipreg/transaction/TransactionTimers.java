package io.sipreg.transaction;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
        Logger log = LoggerFactory.getLogger(TransactionTimers.class);
        return new TransactionTimers() {
            @Override
            public Timer schedule(Duration delay, Runnable task) {
                ScheduledFuture<?> future = scheduler.schedule(() -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        // A throwing task would otherwise vanish silently inside its ScheduledFuture.
                        log.warn("transaction timer failed", e);
                    }
                }, delay.toNanos(), TimeUnit.NANOSECONDS);
                return () -> future.cancel(false);
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }
        };
    }
}
