package io.sipreg.registrar;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A token bucket per source ({@link SourceKey}): {@code rate} requests a second on average, {@code burst} at once.
 * An office NAT's phones fit easily under it; a flood from one address does not, and then costs us one lookup per
 * request instead of a transaction, a nonce and a digest. One line is logged when a source starts being limited
 * and one when it is back under the limit. Thread-safe.
 */
public final class RateLimiter {
    private static final Logger log = LoggerFactory.getLogger("security");
    /** Buckets beyond this many (a flood from spoofed addresses) are not kept: such sources pass unlimited. */
    static final int MAX_SOURCES = 100_000;

    private final int rate;
    private final int burst;
    private final String refusal;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final LongAdder refused = new LongAdder();

    /**
     * @param rate     tokens a second; 0 turns the limit off
     * @param burst    the bucket's size
     * @param refusal  what the log says happens to the excess ("answered 503", "dropped")
     * @param nanoTime {@link System#nanoTime} or a test's clock
     */
    public RateLimiter(int rate, int burst, String refusal, LongSupplier nanoTime) {
        if (rate < 0 || burst < 1) {
            throw new IllegalArgumentException("rate must be >= 0 and burst >= 1, were " + rate + " and " + burst);
        }
        this.rate = rate;
        this.burst = burst;
        this.refusal = refusal;
        this.nanoTime = nanoTime;
    }

    public boolean enabled() {
        return rate > 0;
    }

    /** Whether one more request from {@code source} is within its limit; takes a token if so. */
    public boolean tryAcquire(InetAddress source) {
        if (rate == 0) {
            return true;
        }
        String key = SourceKey.of(source);
        Bucket bucket = buckets.get(key);
        if (bucket == null) {
            if (buckets.size() >= MAX_SOURCES) {
                return true;
            }
            bucket = buckets.computeIfAbsent(key, k -> new Bucket(burst, nanoTime.getAsLong()));
        }
        boolean first;
        synchronized (bucket) {
            if (bucket.take(nanoTime.getAsLong(), rate, burst)) {
                return true;
            }
            first = bucket.refused++ == 0;
        }
        refused.increment();
        if (first) {
            log.info("rate limit: source {} over {} requests/s (burst {}); the excess is {}", key, rate, burst,
                    refusal);
        }
        return false;
    }

    /** Once a second: forgets sources whose bucket is full again, logging the end of each one's limiting. */
    public void sweep() {
        long now = nanoTime.getAsLong();
        for (var entry : buckets.entrySet()) {
            Bucket bucket = entry.getValue();
            long ended;
            synchronized (bucket) {
                if (!bucket.isFull(now, rate, burst)) {
                    continue;
                }
                ended = bucket.refused;
                buckets.remove(entry.getKey(), bucket);
            }
            if (ended > 0) {
                log.info("rate limit: source {} back under {} requests/s; {} requests were {}", entry.getKey(), rate,
                        ended, refusal);
            }
        }
    }

    /** Requests refused since start. */
    public long refused() {
        return refused.sum();
    }

    int sources() {
        return buckets.size();
    }

    private static final class Bucket {
        private double tokens;
        private long refilledAt;
        long refused;

        Bucket(int burst, long now) {
            this.tokens = burst;
            this.refilledAt = now;
        }

        boolean take(long now, int rate, int burst) {
            refill(now, rate, burst);
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }

        boolean isFull(long now, int rate, int burst) {
            refill(now, rate, burst);
            return tokens >= burst;
        }

        private void refill(long now, int rate, int burst) {
            long elapsed = now - refilledAt;
            if (elapsed > 0) {
                tokens = Math.min(burst, tokens + elapsed * (rate / 1e9));
                refilledAt = now;
            }
        }
    }
}
