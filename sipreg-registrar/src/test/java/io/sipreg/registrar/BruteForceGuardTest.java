package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The block policy with a manual clock: what is counted, when a block starts and ends, and how it grows. */
class BruteForceGuardTest {
    static final String OFFICE = "203.0.113.5";
    static final String ELSEWHERE = "198.51.100.7";

    final ManualClock clock = ManualClock.at("2025-03-01T10:00:00Z");
    final MapBlockStore store = new MapBlockStore();
    final SecurityPolicy policy = new SecurityPolicy(5, 12, Duration.ofSeconds(120), Duration.ofSeconds(60),
            Duration.ofSeconds(300), Duration.ofHours(24), Refusal.ANSWER, 0, 1, Refusal.ANSWER);
    final BruteForceGuard guard = new BruteForceGuard(policy, store, clock);

    void fail(String source, String user, int times) {
        for (int i = 0; i < times; i++) {
            guard.failed(source, user);
            clock.advance(Duration.ofSeconds(1));
        }
    }

    @Test
    void fiveFailuresBlockThatUserFromThatSourceOnly() {
        fail(OFFICE, "alice", 4);
        assertThat(guard.blocking(OFFICE, "alice")).isEqualTo(BruteForceGuard.Scope.NONE);

        fail(OFFICE, "alice", 1);

        assertThat(guard.blocking(OFFICE, "alice")).isEqualTo(BruteForceGuard.Scope.USER);
        assertThat(guard.blocking(OFFICE, "bob")).as("another user behind the same NAT")
                .isEqualTo(BruteForceGuard.Scope.NONE);
        assertThat(guard.blocking(ELSEWHERE, "alice")).as("the same user elsewhere")
                .isEqualTo(BruteForceGuard.Scope.NONE);
        Block stored = store.row(OFFICE, "alice");
        assertThat(stored.offence()).isEqualTo(1);
        assertThat(stored.failures()).isEqualTo(5);
        assertThat(stored.until() - stored.startedAt()).isEqualTo(60_000);
    }

    @Test
    void aPhoneRetryingOnceAMinuteWithAStalePasswordIsNeverBlocked() {
        for (int minute = 0; minute < 120; minute++) {
            guard.failed(OFFICE, "alice");
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(guard.blocking(OFFICE, "alice")).isEqualTo(BruteForceGuard.Scope.NONE);
        assertThat(store.rows).isEmpty();
    }

    @Test
    void aSuccessForgivesEarlierTypos() {
        fail(OFFICE, "alice", 4);
        guard.succeeded(OFFICE, "alice");
        fail(OFFICE, "alice", 4);

        assertThat(guard.blocking(OFFICE, "alice")).isEqualTo(BruteForceGuard.Scope.NONE);
    }

    @Test
    void attemptsDuringABlockAreCountedAsRefusedAndNotAgainstTheSource() {
        fail(OFFICE, "alice", 5);
        fail(OFFICE, "alice", 50);

        assertThat(guard.blocking(OFFICE, "bob")).as("hammering one user never blocks the whole office")
                .isEqualTo(BruteForceGuard.Scope.NONE);
        guard.sync();
        assertThat(store.row(OFFICE, "alice").refused()).isEqualTo(50);
    }

    @Test
    void guessingManyUsersBlocksTheSource() {
        for (int user = 100; user < 111; user++) {
            fail(OFFICE, Integer.toString(user), 1);
        }
        assertThat(guard.blocking(OFFICE, "alice")).isEqualTo(BruteForceGuard.Scope.NONE);

        fail(OFFICE, "111", 1);

        assertThat(guard.blocking(OFFICE, "alice")).isEqualTo(BruteForceGuard.Scope.SOURCE);
        assertThat(guard.blocking(ELSEWHERE, "alice")).isEqualTo(BruteForceGuard.Scope.NONE);
        assertThat(store.row(OFFICE, "").coversEveryUser()).isTrue();
    }

    @Test
    void aBlockEndsOnTimeAndARepeatOffenceDoublesUpToTheMaximum() {
        fail(OFFICE, "alice", 5);
        clock.advance(Duration.ofSeconds(60));
        guard.sync();
        assertThat(guard.blocking(OFFICE, "alice")).isEqualTo(BruteForceGuard.Scope.NONE);
        assertThat(store.rows).as("an ended block is deleted").isEmpty();

        long[] lengths = new long[4];
        for (int offence = 0; offence < 4; offence++) {
            fail(OFFICE, "alice", 5);
            Block b = store.row(OFFICE, "alice");
            lengths[offence] = (b.until() - b.startedAt()) / 1000;
            clock.advance(Duration.ofMillis(b.until() - clock.millis()));
            guard.sync();
        }
        assertThat(lengths).containsExactly(120, 240, 300, 300);
    }

    @Test
    void anOffenceLongAfterTheLastBlockIsAFirstOffenceAgain() {
        fail(OFFICE, "alice", 5);
        clock.advance(Duration.ofSeconds(60));
        guard.sync();
        clock.advance(Duration.ofHours(25));

        fail(OFFICE, "alice", 5);

        assertThat(store.row(OFFICE, "alice").offence()).isEqualTo(1);
    }

    @Test
    void aBlockRemovedFromTheStoreIsLiftedAtTheNextSyncAndForgiven() {
        fail(OFFICE, "alice", 5);
        guard.sync();

        assertThat(store.removeBlocksOfUser("alice")).isEqualTo(1);
        assertThat(guard.blocking(OFFICE, "alice")).as("until the next sync").isEqualTo(BruteForceGuard.Scope.USER);
        guard.sync();

        assertThat(guard.blocking(OFFICE, "alice")).isEqualTo(BruteForceGuard.Scope.NONE);
        fail(OFFICE, "alice", 5);
        assertThat(store.row(OFFICE, "alice").offence()).as("forgiven: a first offence again").isEqualTo(1);
    }

    @Test
    void aRestartedServerAdoptsTheStoredBlocks() {
        fail(OFFICE, "alice", 5);

        var restarted = new BruteForceGuard(policy, store, clock);
        restarted.sync();

        assertThat(restarted.blocking(OFFICE, "alice")).isEqualTo(BruteForceGuard.Scope.USER);
        assertThat(restarted.active()).hasSize(1);
    }

    @Test
    void idleCountersAreForgotten() {
        fail(OFFICE, "alice", 2);
        assertThat(guard.tracked()).isEqualTo(2);

        clock.advance(Duration.ofHours(1));
        guard.sync();

        assertThat(guard.tracked()).isZero();
    }

    @Test
    void thresholdsOfZeroCountNothing() {
        var off = new BruteForceGuard(SecurityPolicy.OFF, store, clock);
        for (int i = 0; i < 100; i++) {
            off.failed(OFFICE, "alice");
        }
        assertThat(off.blocking(OFFICE, "alice")).isEqualTo(BruteForceGuard.Scope.NONE);
        assertThat(store.rows).isEmpty();
    }
}
