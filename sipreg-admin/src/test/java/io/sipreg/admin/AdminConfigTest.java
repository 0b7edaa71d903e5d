package io.sipreg.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The rule: a token is optional on loopback, required everywhere else, and made up when nobody gave one. */
class AdminConfigTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.0.0.2", "127.255.255.254", "::1"})
    void loopbackAddressesNeedNoToken(String address) throws Exception {
        assertThat(AdminConfig.requiresToken(InetAddress.getByName(address))).isFalse();
        AdminConfig config = AdminConfig.of(new InetSocketAddress(InetAddress.getByName(address), 8080), "",
                () -> "generated");
        assertThat(config.requiresAuthentication()).isFalse();
        assertThat(config.tokenGenerated()).isFalse();
    }

    @ParameterizedTest // the wildcard reaches every interface, so the network too
    @ValueSource(strings = {"0.0.0.0", "::", "192.0.2.10", "10.1.2.3", "2001:db8::1"})
    void everyOtherAddressRequiresOne(String address) throws Exception {
        assertThat(AdminConfig.requiresToken(InetAddress.getByName(address))).isTrue();
    }

    @Test
    void aTokenIsGeneratedWhenNoneWasGivenForTheNetwork() throws Exception {
        AdminConfig config = AdminConfig.of(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 8080), "",
                () -> "made-up-token-for-the-test");

        assertThat(config.token()).isEqualTo("made-up-token-for-the-test");
        assertThat(config.tokenGenerated()).isTrue();
        assertThat(config.requiresAuthentication()).isTrue();
    }

    @Test
    void aGivenTokenIsKeptAndEnforcedOnLoopbackToo() throws Exception {
        AdminConfig config = AdminConfig.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0),
                "operator-chosen-token", () -> "generated");

        assertThat(config.token()).isEqualTo("operator-chosen-token");
        assertThat(config.tokenGenerated()).isFalse();
        assertThat(config.requiresAuthentication()).isTrue();
    }

    @Test
    void noConfigurationReachesTheNetworkWithoutAToken() throws Exception {
        var listen = new InetSocketAddress(InetAddress.getByName("192.0.2.10"), 8080);
        assertThatThrownBy(() -> new AdminConfig(listen, "", false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a token");
    }

    @Test
    void generatedTokensAreLongAndDiffer() {
        String a = AdminConfig.randomToken();
        assertThat(a).hasSize(32).matches("[A-Za-z0-9_-]+");
        assertThat(AdminConfig.randomToken()).isNotEqualTo(a);
    }
}
