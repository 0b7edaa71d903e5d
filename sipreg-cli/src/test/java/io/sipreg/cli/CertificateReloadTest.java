package io.sipreg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.transport.ServerTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateReloadTest {
    @TempDir
    Path dir;

    @Test
    void aRenewedPairIsTakenAndABrokenOneLeavesTheCertificateInUse() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        generate("first.test").write(cert, key, false);
        var files = new CertificateFiles(cert, key);
        CertificateFiles.Stamp stamp = files.stamp();
        ServerTls tls = ServerTls.of(files.load());
        var reload = new CertificateReload(files, tls, stamp);

        reload.run();
        assertThat(tls.credentials().describe()).startsWith("CN=first.test,");

        var second = generate("second.test");
        second.write(cert, key, true);
        reload.run();
        assertThat(tls.credentials().certificate()).isEqualTo(second.certificate());

        Files.writeString(key, "half a key");
        reload.run();
        assertThat(tls.credentials().certificate()).isEqualTo(second.certificate());

        var third = generate("third.test");
        third.write(cert, key, true);
        reload.run();
        assertThat(tls.credentials().certificate()).isEqualTo(third.certificate());
    }

    private static SelfSignedCertificate generate(String name) {
        return SelfSignedCertificate.generate(List.of(name), 1, SelfSignedCertificate.KeyType.EC);
    }
}
