package io.sipreg.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CompletedTransactionsTest {
    private static final long TIMER_J = TimeUnit.SECONDS.toNanos(32);
    private static final long MIB = 1 << 20;

    private static byte[] key(int n) {
        return CompletedTransactions.keyBytes(new TransactionKey("z9hG4bK" + n, "10.0.0.5:5060", "REGISTER"));
    }

    private static byte[] response(int n, int size) {
        byte[] bytes = new byte[size];
        byte[] label = ("SIP/2.0 200 OK\r\nCSeq: " + n + " REGISTER\r\n").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(label, 0, bytes, 0, Math.min(label.length, size));
        return bytes;
    }

    @Test // RFC 3261 §17.2.2: the very bytes sent, until Timer J and not a nanosecond after
    void answersWithTheStoredResponseUntilTimerJ() {
        var completed = new CompletedTransactions(64 * MIB);
        byte[] sent = response(1, 480);
        completed.add(key(1), sent, TIMER_J, 0);

        assertThat(completed.response(key(1), TIMER_J - 1)).hasValueSatisfying(r -> assertThat(r).isEqualTo(sent));
        assertThat(completed.response(key(2), 0)).isEmpty();
        assertThat(completed.response(key(1), TIMER_J)).isEmpty();
        assertThat(completed.size(TIMER_J)).isZero();
    }

    @Test // the index doubles and segments follow one another: every key of a storm is still found
    void findsEveryKeyAcrossSegmentsAndIndexGrowth() {
        var completed = new CompletedTransactions(512 * MIB);
        Map<Integer, byte[]> sent = new HashMap<>();
        for (int n = 0; n < 50_000; n++) {
            byte[] r = response(n, 400 + n % 300);
            sent.put(n, r);
            completed.add(key(n), r, TIMER_J + n, n);
        }

        assertThat(completed.size(50_000)).isEqualTo(50_000);
        for (int n = 0; n < 50_000; n++) {
            int k = n;
            assertThat(completed.response(key(n), 50_000)).hasValueSatisfying(r -> assertThat(r).isEqualTo(sent.get(k)));
        }
    }

    @Test // FIFO: segments are released whole once their last transaction reached Timer J
    void releasesSegmentsInOrderAsTheyExpire() {
        var completed = new CompletedTransactions(512 * MIB);
        int perSecond = 5_000;
        for (int second = 0; second < 10; second++) {
            for (int i = 0; i < perSecond; i++) {
                long now = TimeUnit.SECONDS.toNanos(second) + i;
                completed.add(key(second * perSecond + i), response(i, 500), now + TIMER_J, now);
            }
        }
        long fiveSecondsAfterTimerJ = TimeUnit.SECONDS.toNanos(5) + TIMER_J;

        assertThat(completed.size(fiveSecondsAfterTimerJ)).isBetween(5 * perSecond - 1, 5 * perSecond + 2_000);
        assertThat(completed.response(key(0), fiveSecondsAfterTimerJ)).isEmpty();
        assertThat(completed.response(key(9 * perSecond), fiveSecondsAfterTimerJ)).isPresent();
        assertThat(completed.size(TimeUnit.SECONDS.toNanos(10) + TIMER_J)).isZero();
    }

    @Test // bounded: when full, the oldest transactions end early instead of the heap running out
    void dropsTheOldestSegmentWhenFull() {
        var completed = new CompletedTransactions(4 * MIB);
        int n = 0;
        while (completed.droppedEarly() == 0) {
            completed.add(key(n), response(n, 1_000), TIMER_J, 0);
            n++;
        }

        assertThat(n).isGreaterThan(3_000);
        assertThat(completed.response(key(0), 0)).isEmpty();
        assertThat(completed.response(key(n - 1), 0)).isPresent();
        assertThat(completed.size(0)).isLessThanOrEqualTo(4 * 1_040);
    }

    @Test
    void refusesAResponseLargerThanASegment() {
        var completed = new CompletedTransactions(4 * MIB);

        assertThat(completed.add(key(1), new byte[CompletedTransactions.SEGMENT_BYTES], TIMER_J, 0)).isFalse();
        assertThat(completed.size(0)).isZero();
    }
}
