package io.sipreg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The [admin] and [log] settings of serve: off by default, loopback by default, a token wherever the network is. */
class OperationsSettingsTest {
    @TempDir
    Path dir;

    private static final OperationsSettings.Flags NO_FLAGS = new OperationsSettings.Flags(null, null, null);
    private static final ServeSettings.Flags NO_SERVE_FLAGS =
            new ServeSettings.Flags(null, null, null, null, null, null, null, null, null);

    @Test
    void theAdminServerIsOffAndLogsAreTextByDefault() {
        var settings = OperationsSettings.resolve(Optional.empty(), NO_FLAGS);

        assertThat(settings.admin()).isEmpty();
        assertThat(settings.logFormat()).isEqualTo(LogFormat.TEXT);
    }

    @Test
    void aPortAloneListensOnLoopbackWithoutToken() {
        var settings = OperationsSettings.resolve(Optional.empty(), new OperationsSettings.Flags("8080", null, null));

        assertThat(settings.admin()).hasValueSatisfying(a -> {
            assertThat(a.listen()).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
            assertThat(a.requiresAuthentication()).isFalse();
        });
    }

    @Test
    void anyOtherAddressGetsAGeneratedTokenWhenNoneIsGiven() {
        var settings = OperationsSettings.resolve(Optional.empty(),
                new OperationsSettings.Flags("0.0.0.0:8080", null, null));

        assertThat(settings.admin()).hasValueSatisfying(a -> {
            assertThat(a.requiresAuthentication()).isTrue();
            assertThat(a.tokenGenerated()).isTrue();
            assertThat(a.token()).hasSizeGreaterThanOrEqualTo(32);
        });
    }

    @Test
    void theFileSetsTheAdminServerAndTheLogFormatAndFlagsOverrideIt() throws IOException {
        Path file = write("sipreg.toml", """
                domain = "example.com"

                [admin]
                listen = "[::1]:9100"
                token = "file-token-0123456789"

                [log]
                format = "json"
                """);
        var config = Optional.of(ConfigFile.read(file));

        var fromFile = OperationsSettings.resolve(config, NO_FLAGS);
        assertThat(fromFile.admin()).hasValueSatisfying(a -> {
            assertThat(a.listen()).isEqualTo(new InetSocketAddress("::1", 9100));
            assertThat(a.token()).isEqualTo("file-token-0123456789");
        });
        assertThat(fromFile.logFormat()).isEqualTo(LogFormat.JSON);
        var overridden = OperationsSettings.resolve(config,
                new OperationsSettings.Flags("127.0.0.1:9200", "flag-token-0123456789", "text"));
        assertThat(overridden.admin()).hasValueSatisfying(a -> {
            assertThat(a.listen().getPort()).isEqualTo(9200);
            assertThat(a.token()).isEqualTo("flag-token-0123456789");
        });
        assertThat(overridden.logFormat()).isEqualTo(LogFormat.TEXT);
        // The registrar's own settings leave these keys alone.
        assertThat(ServeSettings.resolve(config, NO_SERVE_FLAGS).domain()).isEqualTo("example.com");
    }

    @Test
    void complaintsNameTheFileAndLine() throws IOException {
        Path file = write("sipreg.yaml", """
                admin:
                  listen: 127.0.0.1:8080
                  tokn: typo
                """);

        assertThatThrownBy(() -> OperationsSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS))
                .isInstanceOf(UserError.class).hasMessage(file + ":3: unknown setting admin.tokn");
    }

    @Test
    void badValuesAreRefusedWithTheirOrigin() {
        assertThatThrownBy(() -> OperationsSettings.resolve(Optional.empty(),
                new OperationsSettings.Flags(null, null, "xml")))
                .isInstanceOf(UserError.class).hasMessage("--log-format must be text or json, was xml");
        assertThatThrownBy(() -> OperationsSettings.resolve(Optional.empty(),
                new OperationsSettings.Flags("127.0.0.1:http", null, null)))
                .isInstanceOf(UserError.class).hasMessage("--admin has no port number: 127.0.0.1:http");
        assertThatThrownBy(() -> OperationsSettings.resolve(Optional.empty(),
                new OperationsSettings.Flags("8080", "short", null)))
                .isInstanceOf(UserError.class)
                .hasMessage("--admin-token must be at least 16 printable characters without spaces");
        assertThatThrownBy(() -> OperationsSettings.resolve(Optional.empty(),
                new OperationsSettings.Flags(null, "a-token-but-no-server", null)))
                .isInstanceOf(UserError.class).hasMessageStartingWith("--admin-token is set but the admin server is off");
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }
}
