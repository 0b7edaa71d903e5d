package io.sipreg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.registrar.KeepaliveMode;
import io.sipreg.registrar.KeepalivePolicy;
import io.sipreg.transport.ListenAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeSettingsTest {
    @TempDir
    Path dir;

    private static final ServeSettings.Flags NO_FLAGS =
            new ServeSettings.Flags(null, null, null, null, null, null, null, null, null);

    @Test
    void noFileAndNoFlagsServesUdpAndTcpOnPort5060ForIpv4AndIpv6() {
        var settings = ServeSettings.resolve(Optional.empty(), NO_FLAGS);

        assertThat(settings.listens()).containsExactly(ListenAddress.parse("udp:0.0.0.0:5060"),
                ListenAddress.parse("tcp:0.0.0.0:5060"), ListenAddress.parse("udp:[::]:5060"),
                ListenAddress.parse("tcp:[::]:5060"));
        assertThat(settings.dataDirectory()).isEqualTo(Path.of("sipreg-data"));
        assertThat(settings.challenge()).isEqualTo(401);
        assertThat(settings.minExpires()).isEqualTo(60);
        assertThat(settings.maxExpires()).isEqualTo(3600);
        assertThat(settings.defaultExpires()).isEqualTo(3600);
    }

    @Test
    void tomlFileIsReadAndFlagsOverrideIt() throws IOException {
        Path file = write("sipreg.toml", """
                domain = "example.com"
                listen = ["udp:127.0.0.1:0"]

                [registrar]
                challenge = 407
                min-expires = 120
                algorithms = ["SHA-256", "MD5"]
                """);
        var flags = new ServeSettings.Flags(null, null, null, null, 90, null, null, null, null);

        var settings = ServeSettings.resolve(Optional.of(ConfigFile.read(file)), flags);

        assertThat(settings.domain()).isEqualTo("example.com");
        assertThat(settings.challenge()).isEqualTo(407);
        assertThat(settings.minExpires()).isEqualTo(90);
        assertThat(settings.algorithms()).containsExactly(DigestAlgorithm.SHA_256, DigestAlgorithm.MD5);
        assertThat(settings.listens()).containsExactly(ListenAddress.parse("udp:127.0.0.1:0"));
    }

    @Test
    void yamlFileHoldsTheSameSettings() throws IOException {
        Path file = write("sipreg.yaml", """
                domain: example.org
                listen: [udp:127.0.0.1:0, tcp:127.0.0.1:0]
                registrar:
                  challenge: 407
                  max-expires: 7200
                """);

        var settings = ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS);

        assertThat(settings.domain()).isEqualTo("example.org");
        assertThat(settings.challenge()).isEqualTo(407);
        assertThat(settings.maxExpires()).isEqualTo(7200);
        assertThat(settings.listens()).hasSize(2);
    }

    @Test
    void badValueInTomlNamesFileLineAndSetting() throws IOException {
        Path file = write("sipreg.toml", """
                domain = "example.com"

                [registrar]
                challenge = 401
                min-expires = 0
                """);

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS))
                .isInstanceOf(UserError.class)
                .hasMessage(file + ":5: registrar.min-expires must be >= 1, was 0");
    }

    @Test
    void badValueInYamlNamesFileLineAndSetting() throws IOException {
        Path file = write("sipreg.yml", """
                domain: example.com
                registrar:
                  challenge: 402
                """);

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS))
                .hasMessage(file + ":3: registrar.challenge must be 401 or 407, was 402");
    }

    @Test
    void unknownSettingIsNamedWithItsLine() throws IOException {
        Path file = write("sipreg.toml", """
                domain = "example.com"
                [registrar]
                min-expire = 60
                """);

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS))
                .hasMessage(file + ":3: unknown setting registrar.min-expire");
    }

    @Test
    void wrongTypeIsNamed() throws IOException {
        Path file = write("sipreg.toml", """
                [registrar]
                max-expires = "an hour"
                """);

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS))
                .hasMessage(file + ":2: registrar.max-expires must be a whole number, was \"an hour\"");
    }

    @Test
    void syntaxErrorNamesTheFile() throws IOException {
        Path file = write("sipreg.toml", """
                domain = "example.com
                """);

        assertThatThrownBy(() -> ConfigFile.read(file)).isInstanceOf(UserError.class)
                .hasMessageStartingWith(file + ":").hasMessageContaining("syntax error");
    }

    @Test
    void flagErrorsNameTheFlag() {
        var flags = new ServeSettings.Flags(null, null, List.of("udp:nowhere"), null, null, null, null, null, null);

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), flags))
                .hasMessageStartingWith("--listen has a bad listen address");
    }

    @Test
    void defaultExpiresMustLieBetweenMinAndMax() {
        var flags = new ServeSettings.Flags(null, null, null, null, 600, null, 300, null, null);

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), flags))
                .hasMessage("--default-expires must be between min-expires (600) and max-expires (3600), was 300");
    }

    @Test
    void defaultExpiresFollowsAMaximumBelowIt() {
        var flags = new ServeSettings.Flags(null, null, null, null, null, 1800, null, null, null);

        assertThat(ServeSettings.resolve(Optional.empty(), flags).defaultExpires()).isEqualTo(1800);
    }

    @Test // the seed's provider: OPTIONS every 30 seconds; NAT bindings only; three misses and it goes
    void keepalivesDefaultToNatBindingsEvery30SecondsAndThreeMisses() {
        var settings = ServeSettings.resolve(Optional.empty(), NO_FLAGS);

        assertThat(settings.keepalive()).isEqualTo(KeepalivePolicy.defaults());
        assertThat(settings.keepalive().mode()).isEqualTo(KeepaliveMode.NAT);
        assertThat(settings.keepalive().interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.keepalive().failures()).isEqualTo(3);
    }

    @Test
    void keepaliveSectionIsReadAndFlagsOverrideIt() throws IOException {
        Path file = write("sipreg.toml", """
                [keepalive]
                mode = "all"
                interval = 20
                failures = 5
                """);
        var flags = new ServeSettings.Flags(null, null, null, null, null, null, null, null, null, null, 1, null);

        var keepalive = ServeSettings.resolve(Optional.of(ConfigFile.read(file)), flags).keepalive();

        assertThat(keepalive).isEqualTo(new KeepalivePolicy(KeepaliveMode.ALL, Duration.ofSeconds(1), 5));
    }

    @Test // YAML 1.1 reads an unquoted off as false
    void keepaliveOffReadsInYamlUnquoted() throws IOException {
        Path file = write("sipreg.yaml", """
                keepalive:
                  mode: off
                """);

        var keepalive = ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS).keepalive();

        assertThat(keepalive.mode()).isEqualTo(KeepaliveMode.OFF);
    }

    @Test
    void badKeepaliveModeNamesFileLineAndSetting() throws IOException {
        Path file = write("sipreg.toml", """
                domain = "example.com"
                [keepalive]
                mode = "sometimes"
                """);

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS))
                .hasMessage(file + ":3: keepalive.mode must be nat, all or off, was sometimes");
    }

    @Test
    void keepaliveIntervalMustBeAtLeastOneSecond() throws IOException {
        Path file = write("sipreg.yml", """
                keepalive:
                  interval: 0
                """);

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS))
                .hasMessage(file + ":2: keepalive.interval must be >= 1, was 0");
    }

    @Test
    void keepaliveFlagErrorsNameTheFlag() {
        var failures = new ServeSettings.Flags(null, null, null, null, null, null, null, null, null, null, null, 0);
        var mode = new ServeSettings.Flags(null, null, null, null, null, null, null, null, null, "never", null, null);

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), failures))
                .hasMessage("--keepalive-failures must be >= 1, was 0");
        assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), mode))
                .hasMessage("--keepalive must be nat, all or off, was never");
    }

    private CertificateFiles certificatePair() throws IOException {
        var files = new CertificateFiles(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        SelfSignedCertificate.generate(List.of("localhost"), 1, SelfSignedCertificate.KeyType.EC)
                .write(files.certificate(), files.key(), false);
        return files;
    }

    private static ServeSettings.Flags tlsFlags(List<String> listen, Path certificate, Path key) {
        return new ServeSettings.Flags(null, null, listen, null, null, null, null, null, null, null, null, null,
                certificate, key);
    }

    @Test // RFC 3263 §4.2: 5061 for TLS
    void aCertificateAddsTlsOnPort5061ToTheDefaultListeners() throws IOException {
        CertificateFiles files = certificatePair();

        var settings = ServeSettings.resolve(Optional.empty(), tlsFlags(null, files.certificate(), files.key()));

        assertThat(settings.listens()).contains(ListenAddress.parse("tls:0.0.0.0:5061"),
                ListenAddress.parse("tls:[::]:5061"), ListenAddress.parse("udp:0.0.0.0:5060"));
        assertThat(settings.tls()).get().extracting(TlsSettings::files).isEqualTo(files);
        assertThat(settings.tls().get().loaded().describe()).startsWith("CN=localhost,");
    }

    @Test
    void tlsSectionOfTheConfigFileNamesTheFiles() throws IOException {
        CertificateFiles files = certificatePair();
        Path file = write("sipreg.toml", """
                listen = ["tls:127.0.0.1:0"]
                [tls]
                certificate = "%s"
                key = "%s"
                """.formatted(files.certificate(), files.key()));

        var settings = ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS);

        assertThat(settings.listens()).containsExactly(ListenAddress.parse("tls:127.0.0.1:0"));
        assertThat(settings.tls().get().files()).isEqualTo(files);
    }

    @Test
    void aMissingCertificateFileIsNamedWithTheLineThatNamedIt() throws IOException {
        CertificateFiles files = certificatePair();
        Path file = write("sipreg.yaml", """
                listen: [tls:127.0.0.1:0]
                tls:
                  certificate: %s
                  key: %s
                """.formatted(dir.resolve("missing.pem"), files.key()));

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS))
                .hasMessage(file + ":3: tls.certificate " + dir.resolve("missing.pem") + ": no such file");
    }

    @Test
    void aKeyThatIsNoKeyIsNamedWithItsFlag() throws IOException {
        CertificateFiles files = certificatePair();
        Files.writeString(files.key(), "nothing\n");

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(),
                tlsFlags(List.of("tls:127.0.0.1:0"), files.certificate(), files.key())))
                .hasMessage("--tls-key " + files.key()
                        + ": no private key in it (expected -----BEGIN PRIVATE KEY-----)");
    }

    @Test
    void aCertificateNeedsItsKeyAndATlsListenerNeedsBoth() throws IOException {
        CertificateFiles files = certificatePair();

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(),
                tlsFlags(null, files.certificate(), null)))
                .hasMessage("--tls-cert needs its private key: give --tls-key FILE (or tls.key in the config file)");
        assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(),
                tlsFlags(List.of("tls:127.0.0.1:5061"), null, null)))
                .hasMessageStartingWith("--listen has a tls: listen address but no certificate: give --tls-cert");
        assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(),
                tlsFlags(List.of("udp:127.0.0.1:5060"), files.certificate(), files.key())))
                .hasMessage("--tls-cert is set but --listen has no tls: listen address (e.g. tls:0.0.0.0:5061)");
    }

    @Test
    void limitsAndOverloadAreReadFromTheirSectionsAndFlagsOverrideThem() throws IOException {
        Path file = write("sipreg.toml", """
                [limits]
                tcp-idle-timeout = 120
                partial-message-timeout = 5
                max-connections-per-address = 20

                [overload]
                store-queue = 1000
                shed-new-at = 30
                retry-after = 10
                udp-burst = 0
                udp-receive-buffer = 262144
                """);
        var flags = new ServeSettings.Flags(null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, 500, null, null, null, null, 4_000, null, null);

        var settings = ServeSettings.resolve(Optional.of(ConfigFile.read(file)), flags);

        assertThat(settings.limits()).isEqualTo(new ServeSettings.Limits(120, 5, 500, 20, 65_535, 128, 8_192));
        assertThat(settings.overload()).isEqualTo(new ServeSettings.Overload(1000, 30, 10, 4_000, 0, 100_000,
                262_144));
        assertThat(settings.overload().shedNewAt()).isEqualTo(300);
    }

    @Test // a receive buffer too small for one large datagram is a mistake, named with its line
    void refusesAUdpReceiveBufferSmallerThanOnePage() throws IOException {
        Path file = write("sipreg.toml", """
                [overload]
                udp-receive-buffer = 1024
                """);

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS))
                .isInstanceOf(UserError.class)
                .hasMessage(file + ":2: overload.udp-receive-buffer must be >= 4096, was 1024");
        assertThat(ServeSettings.resolve(Optional.empty(), NO_FLAGS).overload().udpReceiveBufferBytes())
                .isEqualTo(4 * 1024 * 1024);
    }

    @Test // without a bound of its own, a transaction per 2 KiB of heap: -Xmx256m keeps 131,072
    void transactionsAreBoundedByTheHeapUnlessConfigured() {
        var overload = ServeSettings.resolve(Optional.empty(), NO_FLAGS).overload();

        assertThat(overload.transactionsFor(256L << 20)).isEqualTo(131_072);
        assertThat(overload.transactionsFor(64L << 30)).isEqualTo(1_000_000);
    }

    @Test
    void badOverloadSettingsNameFileLineAndSetting() throws IOException {
        Path file = write("sipreg.yaml", """
                overload:
                  store-queue: 1000
                  shed-new-at: 150
                """);

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS))
                .hasMessage(file + ":3: overload.shed-new-at must be a percentage of store-queue, 1 to 100, was 150");
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void securityDefaultsBlockAfterFiveFailuresAndLimitEachSource() {
        var security = ServeSettings.resolve(Optional.empty(), NO_FLAGS).security();

        assertThat(security.maxContacts()).isEqualTo(10);
        assertThat(security.maxContactsStatus()).isEqualTo(403);
        assertThat(security.policy()).isEqualTo(io.sipreg.registrar.SecurityPolicy.defaults());
    }

    @Test
    void securitySectionIsReadAndFlagsOverrideIt() throws IOException {
        Path file = write("sipreg.toml", """
                [registrar]
                max-contacts = 4
                max-contacts-status = 503

                [security]
                user-failures = 3
                source-failures = 20
                half-life = 300
                block-time = 120
                max-block-time = 7200
                forget-after = 3600
                action = "drop"
                rate-limit = 50
                rate-burst = 100
                rate-limit-action = 503
                """);
        var flags = new ServeSettings.Flags(null, null, null, null, null, null, null, null, null, null, null, null,
                new ServeSettings.SecurityFlags(null, null, 4, null, null, null, null, null, "403", null, null,
                        "drop"));

        var security = ServeSettings.resolve(Optional.of(ConfigFile.read(file)), flags).security();

        assertThat(security.maxContacts()).isEqualTo(4);
        assertThat(security.maxContactsStatus()).isEqualTo(503);
        var policy = security.policy();
        assertThat(policy.userFailures()).isEqualTo(4);
        assertThat(policy.sourceFailures()).isEqualTo(20);
        assertThat(policy.halfLife()).isEqualTo(Duration.ofSeconds(300));
        assertThat(policy.blockTime()).isEqualTo(Duration.ofSeconds(120));
        assertThat(policy.maxBlockTime()).isEqualTo(Duration.ofSeconds(7200));
        assertThat(policy.forgetAfter()).isEqualTo(Duration.ofSeconds(3600));
        assertThat(policy.action()).isEqualTo(io.sipreg.registrar.Refusal.ANSWER);
        assertThat(policy.rateLimit()).isEqualTo(50);
        assertThat(policy.rateBurst()).isEqualTo(100);
        assertThat(policy.rateLimitAction()).isEqualTo(io.sipreg.registrar.Refusal.DROP);
    }

    @Test
    void aBadSecuritySettingNamesItsPlace() throws IOException {
        Path file = write("sipreg.toml", """
                [security]
                block-time = 600
                max-block-time = 60
                action = "ban"
                """);

        assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(ConfigFile.read(file)), NO_FLAGS))
                .isInstanceOf(UserError.class)
                .hasMessage(file + ":3: security.max-block-time must be >= block-time (600), was 60");
        Path action = write("action.yaml", "security:\n  action: ban\n");
        assertThatThrownBy(() -> ServeSettings.resolve(Optional.of(ConfigFile.read(action)), NO_FLAGS))
                .isInstanceOf(UserError.class)
                .hasMessage(action + ":2: security.action must be 403 or drop, was ban");
    }

}
