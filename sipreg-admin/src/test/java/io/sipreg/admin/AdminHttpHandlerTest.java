package io.sipreg.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Without a token only requests addressed to an IP address or localhost are served (DNS rebinding). */
class AdminHttpHandlerTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:8080", "127.0.0.1"})
    void acceptsAnAddressOrLocalhost(String host) {
        assertThat(AdminHttpHandler.isLocalHost(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.example:8080", "attacker.example", "127.0.0.1.nip.example"})
    void refusesANameThatCouldPointAnywhere(String host) {
        assertThat(AdminHttpHandler.isLocalHost(host)).isFalse();
    }
}
