package io.sipreg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedCertificateTest {
    @TempDir
    Path dir;

    @Test // RFC 5922 §7.1: the names clients connect to are in subjectAltName
    void namesGoIntoSubjectAltNameAndTheFirstIntoTheCommonName() throws Exception {
        var made = SelfSignedCertificate.generate(List.of("sip.example.test", "127.0.0.1", "[::1]"), 10,
                SelfSignedCertificate.KeyType.RSA);
        X509Certificate certificate = made.certificate();

        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=sip.example.test");
        assertThat(certificate.getIssuerX500Principal()).isEqualTo(certificate.getSubjectX500Principal());
        assertThat(certificate.getSubjectAlternativeNames().stream().map(name -> String.valueOf(name.get(1))))
                .containsExactly("sip.example.test", "127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(certificate.getBasicConstraints()).isEqualTo(-1);
        assertThat(certificate.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1");
        assertThat(certificate.getNotAfter().getTime() - certificate.getNotBefore().getTime())
                .isEqualTo(10L * 24 * 3600 * 1000);
        certificate.verify(made.keys().getPublic());
        assertThat(made.describeNames()).isEqualTo("DNS:sip.example.test, IP:127.0.0.1, IP:::1");
    }

    @Test
    void theKeyIsWrittenForItsOwnerOnlyAndNothingIsOverwrittenUnasked() throws Exception {
        var made = SelfSignedCertificate.generate(List.of("localhost"), 1, SelfSignedCertificate.KeyType.EC);
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");

        made.write(cert, key, false);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cert))).isEqualTo("rw-r--r--");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(cert)).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(new CertificateFiles(cert, key).load().certificate()).isEqualTo(made.certificate());
        assertThatThrownBy(() -> made.write(cert, key, false)).isInstanceOf(FileAlreadyExistsException.class);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactlyInAnyOrder(cert, key);
        }
    }

    @Test
    void refusesWhatIsNeitherAHostNameNorAnAddress() {
        assertThatThrownBy(() -> SelfSignedCertificate.generate(List.of("bad name"), 1,
                SelfSignedCertificate.KeyType.EC))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a host name or IP address: bad name");
    }

    @Test
    void defaultNamesCoverLoopbackAndThisHost() {
        assertThat(SelfSignedCertificate.defaultNames()).contains("localhost", "127.0.0.1", "::1");
    }
}
