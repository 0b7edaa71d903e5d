package io.sipreg.analyzer;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Frames whose time is earlier than the frame before them. A capture is written in time order; a file that goes
 * back joins captures out of order ({@code mergecap -a}, files concatenated) or was taken while the clock was
 * stepped. Timings, linger times and retransmission counts across such a point are wrong, so it is said once for
 * the file. A few milliseconds back is tolerated: a capture of several interfaces may interleave them so.
 */
final class ClockOrder {
    static final long TOLERANCE_NANOS = 10_000_000L;

    private long previous = Long.MIN_VALUE;
    private long jumps;
    private long firstFrame;
    private long firstBackNanos;

    void frame(long frame, long timeNanos) {
        if (previous != Long.MIN_VALUE && timeNanos < previous - TOLERANCE_NANOS && jumps++ == 0) {
            firstFrame = frame;
            firstBackNanos = previous - timeNanos;
        }
        previous = timeNanos;
    }

    void conclude(Consumer<Finding> out) {
        if (jumps == 0) {
            return;
        }
        out.accept(new Finding("capture-out-of-order", Severity.WARNING, "The capture's time goes back "
                + (jumps == 1 ? "once" : jumps + " times") + " (the first: frame " + firstFrame + " is "
                + String.format(Locale.ROOT, "%.3f", firstBackNanos / 1e9) + " s earlier than frame " + (firstFrame - 1)
                + "): the file joins captures out of order (mergecap -a, files put together) or the clock was set"
                + " back while capturing. Durations, retransmissions and keepalive intervals across that point are"
                + " wrong; reordercap sorts the file by time.", List.of(firstFrame - 1, firstFrame)));
    }
}
