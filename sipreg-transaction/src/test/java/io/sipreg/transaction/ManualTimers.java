package io.sipreg.transaction;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * Transaction timers on a clock that moves only when the test says so; due timers fire in deadline order. Shared
 * with the registrar's tests through this module's test-jar.
 */
public final class ManualTimers implements TransactionTimers {
    private static final class Pending implements Comparable<Pending> {
        final long due;
        final long order;
        final Runnable task;
        boolean cancelled;

        Pending(long due, long order, Runnable task) {
            this.due = due;
            this.order = order;
            this.task = task;
        }

        @Override
        public int compareTo(Pending other) {
            int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(order, other.order);
        }
    }

    private final PriorityQueue<Pending> queue = new PriorityQueue<>();
    private long now;
    private long scheduled;

    @Override
    public synchronized Timer schedule(Duration delay, Runnable task) {
        var pending = new Pending(now + delay.toNanos(), scheduled++, task);
        queue.add(pending);
        return () -> {
            synchronized (ManualTimers.this) {
                pending.cancelled = true;
            }
        };
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    /** Moves the clock forward, firing every timer that falls due on the way. */
    public void advance(Duration by) {
        long target;
        synchronized (this) {
            target = now + by.toNanos();
        }
        while (true) {
            Pending next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due > target) {
                    now = target;
                    return;
                }
                queue.poll();
                now = next.due;
                if (next.cancelled) {
                    continue;
                }
            }
            next.task.run();
        }
    }

    /** Timers scheduled and neither fired nor cancelled. */
    public synchronized long pending() {
        return queue.stream().filter(p -> !p.cancelled).count();
    }
}
