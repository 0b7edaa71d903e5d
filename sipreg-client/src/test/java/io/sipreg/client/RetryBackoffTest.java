package io.sipreg.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {
    private final RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(30), Duration.ofSeconds(1800),
            new SplittableRandom(7));

    @Test // RFC 5626 §4.5: min(max-time, base-time * 2^consecutive-failures)
    void doublesFromTheBaseUpToTheMaximum() {
        assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofSeconds(60));
        assertThat(backoff.ceiling(2)).isEqualTo(Duration.ofSeconds(120));
        assertThat(backoff.ceiling(5)).isEqualTo(Duration.ofSeconds(960));
        assertThat(backoff.ceiling(6)).isEqualTo(Duration.ofSeconds(1800));
        assertThat(backoff.ceiling(1000)).isEqualTo(Duration.ofSeconds(1800));
    }

    @Test // ... then a random wait between 50 % and 100 % of it, so devices do not return in step
    void waitsBetweenHalfTheCeilingAndTheCeiling() {
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 10_000; i++) {
            long wait = backoff.next(2).toMillis();
            min = Math.min(min, wait);
            max = Math.max(max, wait);
        }
        assertThat(min).isBetween(60_000L, 61_000L);
        assertThat(max).isBetween(119_000L, 120_000L);
    }

    @Test
    void rejectsABaseAboveTheMaximum() {
        assertThatThrownBy(() -> new RetryBackoff(Duration.ofSeconds(60), Duration.ofSeconds(30),
                new SplittableRandom()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
