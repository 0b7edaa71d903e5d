package io.sipreg.cli;

import java.util.concurrent.CountDownLatch;

/** Ctrl-C and SIGTERM as a latch, so a command can finish its work (unregister) and exit 0 instead of dying. */
final class StopSignals {
    private StopSignals() {
    }

    /** A latch counted down by the first SIGINT or SIGTERM. */
    static CountDownLatch latch() {
        var stop = new CountDownLatch(1);
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.countDown());
            } catch (IllegalArgumentException e) {
                // Not available here; the default handling ends the process, skipping the clean-up.
            }
        }
        return stop;
    }
}
