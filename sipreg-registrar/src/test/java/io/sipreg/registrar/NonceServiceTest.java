package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** RFC 7616 §3.3, §3.4, §5.5: stateless nonces, staleness and nonce-count replay. */
class NonceServiceTest {
    final ManualClock clock = ManualClock.at("2025-03-01T10:00:00Z");
    final byte[] secret = "an-ample-secret-of-32-bytes-here".getBytes(StandardCharsets.US_ASCII);
    final NonceService nonces = NonceService.create(secret, Duration.ofSeconds(300), clock);

    @Test // RFC 7616 §3.3
    void anIssuedNonceIsFreshForItsRealm() {
        String nonce = nonces.issue("example.com");

        NonceService.Check check = nonces.check(nonce, "example.com");

        assertThat(check.verdict()).isEqualTo(NonceService.Verdict.FRESH);
        assertThat(check.issuedAtMillis()).isEqualTo(clock.millis());
        assertThat(nonce).matches("[A-Za-z0-9_-]{43}");
    }

    @Test // RFC 7616 §3.3
    void everyNonceIsDifferent() {
        assertThat(nonces.issue("example.com")).isNotEqualTo(nonces.issue("example.com"));
    }

    @Test // RFC 7616 §3.3: stale once older than the lifetime
    void aNonceBecomesStaleAfterItsLifetime() {
        String nonce = nonces.issue("example.com");
        clock.advance(Duration.ofSeconds(300));
        assertThat(nonces.check(nonce, "example.com").verdict()).isEqualTo(NonceService.Verdict.FRESH);

        clock.advance(Duration.ofMillis(1));

        assertThat(nonces.check(nonce, "example.com").verdict()).isEqualTo(NonceService.Verdict.STALE);
    }

    @Test // the MAC covers the realm
    void aNonceIsUnknownInAnotherRealm() {
        assertThat(nonces.check(nonces.issue("example.com"), "example.org").verdict())
                .isEqualTo(NonceService.Verdict.UNKNOWN);
    }

    @Test
    void aTamperedOrGarbageNonceIsUnknown() {
        String nonce = nonces.issue("example.com");
        char last = nonce.charAt(5);
        String tampered = nonce.substring(0, 5) + (last == 'A' ? 'B' : 'A') + nonce.substring(6);

        assertThat(nonces.check(tampered, "example.com").verdict()).isEqualTo(NonceService.Verdict.UNKNOWN);
        assertThat(nonces.check("abc", "example.com").verdict()).isEqualTo(NonceService.Verdict.UNKNOWN);
        assertThat(nonces.check("!".repeat(43), "example.com").verdict()).isEqualTo(NonceService.Verdict.UNKNOWN);
    }

    @Test // the secret is what makes a nonce ours; the same secret after a restart still knows it
    void onlyTheSameSecretRecognisesANonce() {
        String nonce = nonces.issue("example.com");

        var restarted = NonceService.create(secret.clone(), Duration.ofSeconds(300), clock);
        var stranger = NonceService.withRandomSecret(Duration.ofSeconds(300), clock);

        assertThat(restarted.check(nonce, "example.com").verdict()).isEqualTo(NonceService.Verdict.FRESH);
        assertThat(stranger.check(nonce, "example.com").verdict()).isEqualTo(NonceService.Verdict.UNKNOWN);
    }

    @Test // RFC 7616 §3.4: nc must increase for each use of a nonce
    void aNonceCountMustIncrease() {
        String nonce = nonces.issue("example.com");
        long issued = nonces.check(nonce, "example.com").issuedAtMillis();

        assertThat(nonces.acceptCount(nonce, "example.com", issued, 1)).isTrue();
        assertThat(nonces.acceptCount(nonce, "example.com", issued, 1)).isFalse();
        assertThat(nonces.acceptCount(nonce, "example.com", issued, 3)).isTrue();
        assertThat(nonces.acceptCount(nonce, "example.com", issued, 2)).isFalse();
        assertThat(nonces.acceptCount(nonces.issue("example.com"), "example.com", issued, 1)).isTrue();
    }

    @Test // the count map is bounded; a nonce whose count was forgotten early is refused, never trusted
    void whenFullTheOldestCountsAreForgottenAndTheirNoncesRefused() {
        var small = NonceService.withCapacity(secret, Duration.ofSeconds(300), clock, 4);
        String old = small.issue("example.com");
        long oldIssued = small.check(old, "example.com").issuedAtMillis();
        small.acceptCount(old, "example.com", oldIssued, 1);
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            String n = small.issue("example.com");
            small.acceptCount(n, "example.com", small.check(n, "example.com").issuedAtMillis(), 1);
        }

        assertThat(small.trackedNonces()).isLessThanOrEqualTo(4);
        assertThat(small.acceptCount(old, "example.com", oldIssued, 2)).isFalse();
        String fresh = small.issue("example.com");
        assertThat(small.acceptCount(fresh, "example.com", small.check(fresh, "example.com").issuedAtMillis(), 1)).isTrue();
    }

    @Test // a count survives its generation's retirement: a replay is still refused, a higher count still taken
    void aCountInTheRetiredGenerationStillRefusesAReplay() {
        var small = NonceService.withCapacity(secret, Duration.ofSeconds(300), clock, 4);
        String first = small.issue("example.com");
        long issued = small.check(first, "example.com").issuedAtMillis();
        assertThat(small.acceptCount(first, "example.com", issued, 1)).isTrue();
        for (int i = 0; i < 2; i++) {   // the second fills the generation; the next count retires it
            String n = small.issue("example.com");
            small.acceptCount(n, "example.com", small.check(n, "example.com").issuedAtMillis(), 1);
        }

        assertThat(small.acceptCount(first, "example.com", issued, 1)).isFalse();
        assertThat(small.acceptCount(first, "example.com", issued, 2)).isTrue();
        assertThat(small.trackedNonces()).isEqualTo(3);
    }

    @Test // a tracked nonce skips the MAC check, but still ages and still belongs to one realm
    void aTrackedNonceStillGoesStaleAndStaysInItsRealm() {
        String nonce = nonces.issue("example.com");
        nonces.acceptCount(nonce, "example.com", nonces.check(nonce, "example.com").issuedAtMillis(), 1);

        assertThat(nonces.check(nonce, "example.org").verdict()).isEqualTo(NonceService.Verdict.UNKNOWN);
        clock.advance(Duration.ofSeconds(301));
        assertThat(nonces.check(nonce, "example.com").verdict()).isEqualTo(NonceService.Verdict.STALE);
    }

    @Test // counts of expired nonces are dropped first
    void countsOfExpiredNoncesAreDroppedWhenFull() {
        var small = NonceService.withCapacity(secret, Duration.ofSeconds(300), clock, 4);
        for (int i = 0; i < 4; i++) {
            String n = small.issue("example.com");
            small.acceptCount(n, "example.com", small.check(n, "example.com").issuedAtMillis(), 1);
        }
        clock.advance(Duration.ofSeconds(301));
        String n = small.issue("example.com");

        assertThat(small.acceptCount(n, "example.com", small.check(n, "example.com").issuedAtMillis(), 1)).isTrue();
        assertThat(small.trackedNonces()).isEqualTo(1);
    }
}
