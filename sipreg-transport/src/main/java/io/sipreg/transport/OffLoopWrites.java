package io.sipreg.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.util.AttributeKey;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Datagrams written to a UDP socket from outside its event loop, gathered so that a batch costs the loop one wake-up
 * and one flush. Most 200 OKs are sent this way: a registration is answered once its binding is committed, on the
 * store's writer thread, which completes a whole group commit at once. Netty would make each write a task of its own,
 * and on a virtual machine every wake-up of the loop (an eventfd write, an epoll return) costs more than the send.
 * Writes keep their order; each still completes its own promise. A thread that sends many at once can gather them
 * further ({@link GatheredSends}): then they cost one wake-up in all.
 */
final class OffLoopWrites {
    private static final AttributeKey<OffLoopWrites> KEY = AttributeKey.valueOf(OffLoopWrites.class, "writes");

    private record Pending(Object message, ChannelPromise promise) {
    }

    private final Channel channel;
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    private OffLoopWrites(Channel channel) {
        this.channel = channel;
    }

    /** The gatherer of {@code channel}, made on first use. */
    static OffLoopWrites of(Channel channel) {
        OffLoopWrites writes = channel.attr(KEY).get();
        if (writes == null) {
            OffLoopWrites made = new OffLoopWrites(channel);
            writes = channel.attr(KEY).setIfAbsent(made);
            if (writes == null) {
                writes = made;
            }
        }
        return writes;
    }

    /** Writes and flushes {@code message} on the channel's loop, with the others handed over meanwhile. */
    void write(Object message, ChannelPromise promise) {
        pending.add(new Pending(message, promise));
        if (!GatheredSends.defer(this)) {
            scheduleDrain();
        }
    }

    /** Has the loop send what is pending, unless a drain is already on its way. */
    void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                channel.eventLoop().execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The loop's queue is full (overload) or the loop has stopped: what waits here is not sent.
                drainScheduled.set(false);
                fail(e);
            }
        }
    }

    private void drain() {
        // Cleared first: a write that comes after the last poll schedules a drain of its own.
        drainScheduled.set(false);
        int written = 0;
        for (Pending p; (p = pending.poll()) != null; ) {
            channel.write(p.message(), p.promise());
            written++;
        }
        if (written > 0) {
            channel.flush();
        }
    }

    private void fail(Throwable cause) {
        for (Pending p; (p = pending.poll()) != null; ) {
            io.netty.util.ReferenceCountUtil.release(p.message());
            p.promise().tryFailure(cause);
        }
    }
}
