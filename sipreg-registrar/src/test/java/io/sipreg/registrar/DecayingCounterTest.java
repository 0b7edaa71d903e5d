package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DecayingCounterTest {
    private final DecayingCounter counter = new DecayingCounter(120_000);

    @Test
    void eventsAddUpAndHalveEveryHalfLife() {
        counter.add(0);
        counter.add(0);
        counter.add(0);
        counter.add(0);

        assertThat(counter.value(0)).isEqualTo(4.0);
        assertThat(counter.value(120_000)).isCloseTo(2.0, within(1e-9));
        assertThat(counter.value(240_000)).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void oneEventAMinuteSettlesBelowFiveWithATwoMinuteHalfLife() {
        double value = 0;
        for (int minute = 0; minute < 600; minute++) {
            value = counter.add(minute * 60_000L);
        }
        // 1 / (1 - 2^-0.5): a phone retrying once a minute with a stale password never reaches 5.
        assertThat(value).isCloseTo(3.414, within(0.001));
    }

    @Test
    void aClockThatGoesBackDecaysNothing() {
        counter.add(100_000);
        assertThat(counter.value(50_000)).isEqualTo(1.0);
    }

    @Test
    void resetForgetsEverything() {
        counter.add(0);
        counter.reset();
        assertThat(counter.value(0)).isZero();
        assertThat(counter.add(10)).isEqualTo(1.0);
    }
}
