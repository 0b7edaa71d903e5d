package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ladder's time and frame columns, written out by hand, read exactly as String.format wrote them. */
class LadderPrinterTest {
    @Test
    void thePrefixIsWhatFormatWouldWrite() {
        long[] edges = {0, 1, 499_999, 500_000, 500_001, 999_999, 1_000_000, 1_500_000, 12_345_500_000L,
            9_999_999_500_000L, 123_456_789_012_345L, -1, -500_000, -500_001, -1_500_000};
        for (long nanos : edges) {
            assertThat(LadderPrinter.prefix(nanos, 7)).as("%d ns", nanos)
                    .isEqualTo(String.format(Locale.ROOT, "%10.3f %7d", nanos / 1e9, 7L));
        }
        var random = new Random(20261127);
        for (int i = 0; i < 100_000; i++) {
            // microsecond and nanosecond timestamps, half-milliseconds included, seconds to days apart
            long nanos = random.nextBoolean() ? (random.nextLong() % 100_000_000_000L) * 1000 + 500_000
                    : random.nextLong() % 100_000_000_000_000L;
            long frame = Math.abs(random.nextLong() % 1_000_000_000L);
            assertThat(LadderPrinter.prefix(nanos, frame)).as("%d ns, frame %d", nanos, frame)
                    .isEqualTo(String.format(Locale.ROOT, "%10.3f %7d", nanos / 1e9, frame));
        }
    }
}
