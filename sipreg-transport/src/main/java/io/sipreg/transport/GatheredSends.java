package io.sipreg.transport;

import java.util.ArrayList;
import java.util.List;

/**
 * Sends made by one thread over a stretch of work, handed to the event loops together at its end. The store's
 * writer completes a whole group commit at once, answering each registration in it; handed over one by one, each
 * 200 OK could find the loop asleep again after the previous one and cost a wake-up of its own (a system call on
 * this thread and an epoll return on the loop's), which at low rates made one wake-up per registration.
 */
public final class GatheredSends {
    private static final ThreadLocal<List<OffLoopWrites>> OPEN = new ThreadLocal<>();

    private GatheredSends() {
    }

    /** Runs {@code work}; the UDP sends it makes from off the event loops leave when it ends, in their order. */
    public static void during(Runnable work) {
        if (OPEN.get() != null) {
            work.run();
            return;
        }
        var touched = new ArrayList<OffLoopWrites>(2);
        OPEN.set(touched);
        try {
            work.run();
        } finally {
            OPEN.remove();
            for (OffLoopWrites writes : touched) {
                writes.scheduleDrain();
            }
        }
    }

    /** Whether a gathering is open on this thread; if so {@code writes} is drained when it ends. */
    static boolean defer(OffLoopWrites writes) {
        List<OffLoopWrites> touched = OPEN.get();
        if (touched == null) {
            return false;
        }
        if (!touched.contains(writes)) {
            touched.add(writes);
        }
        return true;
    }
}
