package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.SipResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * 100,000 NAT bindings on one schedule: every one is pinged once per interval, and the cost of scheduling and the
 * memory per binding are measured and printed (never asserted: timings belong in bench/, not in a test).
 */
class KeepaliveScaleTest {
    private static final int BINDINGS = 100_000;
    private static final Duration INTERVAL = Duration.ofSeconds(30);

    @Test
    void schedules100kNatBindingsAndPingsEachOncePerInterval() {
        var f = new KeepaliveFixture();
        var store = new InMemoryLocationStore(f.clock);
        var sent = new AtomicLong();
        KeepaliveSender phones = (request, flow, timeout, retransmissions) -> {
            sent.incrementAndGet();
            return CompletableFuture.completedFuture(SipResponse.to(request, 200, "OK"));
        };
        var bindings = new ArrayList<Binding>(BINDINGS);
        for (int i = 0; i < BINDINGS; i++) {
            bindings.add(f.binding("u" + i, "UDP", "203.0.113." + (i % 250 + 1) + ":" + (1024 + i % 60_000), 0,
                    true, 86_400));
        }
        long heapBefore = usedHeap();
        var scheduler = new KeepaliveScheduler(new KeepalivePolicy(KeepaliveMode.NAT, INTERVAL, 3), store, phones,
                f.timers, f.clock, new Random(1), "example.com");
        long started = System.nanoTime();
        scheduler.start(bindings);
        long scheduleNanos = System.nanoTime() - started;
        long heapAfter = usedHeap();

        long firing = System.nanoTime();
        f.advance(INTERVAL);
        long intervalNanos = System.nanoTime() - firing;
        f.advance(INTERVAL);

        assertThat(scheduler.pinged()).isEqualTo(BINDINGS);
        assertThat(sent.get()).isBetween(2L * BINDINGS - BINDINGS / 10, 2L * BINDINGS);
        assertThat(scheduler.counts().answered()).isEqualTo(sent.get());
        System.out.printf("keepalive scale: %,d bindings scheduled in %d ms (%.2f us each); one interval's %,d OPTIONS"
                        + " built and handed over in %d ms (%.2f us each); about %,d bytes of schedule per binding%n",
                BINDINGS, scheduleNanos / 1_000_000, scheduleNanos / 1e3 / BINDINGS, BINDINGS,
                intervalNanos / 1_000_000, intervalNanos / 1e3 / BINDINGS, (heapAfter - heapBefore) / BINDINGS);
        scheduler.close();
        f.close();
        List.of(bindings).size();
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 5; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
