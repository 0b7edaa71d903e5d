package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipreg.message.digest.DigestAlgorithm;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistrarConfigTest {

    @Test
    void theDefaultsAreValid() {
        RegistrarConfig config = RegistrarConfig.defaults("Example.COM");

        assertThat(config.validate()).isEmpty();
        assertThat(config.domain()).isEqualTo("example.com");
        assertThat(config.challenge()).isEqualTo(Challenge.WWW_401);
        assertThat(config.minExpires()).isEqualTo(60);
        assertThat(config.maxExpires()).isEqualTo(3600);
        assertThat(config.defaultExpires()).isEqualTo(3600);
        assertThat(config.algorithms()).containsExactly(DigestAlgorithm.MD5);
        assertThat(config.nonceLifetime()).isEqualTo(Duration.ofSeconds(300));
        assertThat(config.flowTimer()).isEqualTo(30);
    }

    @Test // RFC 5626 §4.4.1: a keepalive interval of zero seconds means nothing
    void theFlowTimerIsAtLeastOneSecond() {
        assertThat(RegistrarConfig.defaults("example.com").withFlowTimer(0).validate())
                .containsExactly("flowTimer must be >= 1 second, was 0");
    }

    @Test
    void everyProblemIsReportedAndNamesItsField() {
        var config = new RegistrarConfig("", Challenge.PROXY_407, 0, -1, 10, List.of(), Duration.ZERO);

        assertThat(RegistrarConfig.validate(config)).containsExactly(
                "domain must not be empty",
                "minExpires must be >= 1, was 0",
                "maxExpires must be >= minExpires (0), was -1",
                "defaultExpires must be between minExpires (0) and maxExpires (-1), was 10",
                "algorithms must name at least one digest algorithm",
                "nonceLifetime must be at least 1 second, was 0 s");
    }

    @Test
    void theDefaultMustLieBetweenMinAndMax() {
        var config = new RegistrarConfig("example.com", Challenge.WWW_401, 60, 3600, 30, List.of(DigestAlgorithm.MD5),
                Duration.ofSeconds(300));

        assertThat(config.validate()).containsExactly(
                "defaultExpires must be between minExpires (60) and maxExpires (3600), was 30");
    }

    @Test // RFC 3261 §10.3 step 7: 423 only for intervals under one hour
    void theMinimumMayNotExceedAnHour() {
        var config = new RegistrarConfig("example.com", Challenge.WWW_401, 7200, 7200, 7200,
                List.of(DigestAlgorithm.MD5), Duration.ofSeconds(300));

        assertThat(config.validate()).containsExactly("minExpires must be <= 3600, was 7200");
    }

    @Test // RFC 8760 §2.4
    void sha256IsOfferedBeforeMd5WhateverTheConfiguredOrder() {
        var config = new RegistrarConfig("example.com", Challenge.WWW_401, 60, 3600, 3600,
                List.of(DigestAlgorithm.MD5, DigestAlgorithm.SHA_256), Duration.ofSeconds(300));

        assertThat(config.offeredAlgorithms()).containsExactly(DigestAlgorithm.SHA_256, DigestAlgorithm.MD5);
    }

    @Test
    void theRegistrarRefusesAnInvalidConfiguration() {
        var config = new RegistrarConfig("example.com", Challenge.WWW_401, 60, 30, 3600, List.of(DigestAlgorithm.MD5),
                Duration.ofSeconds(300));

        assertThatThrownBy(() -> new Registrar(config, new InMemoryLocationStore(), new MapUserStore(),
                NonceService.withRandomSecret(Duration.ofSeconds(300), java.time.Clock.systemUTC()),
                java.time.Clock.systemUTC(), Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxExpires must be >= minExpires (60), was 30");
    }
}
