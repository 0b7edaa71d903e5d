package io.sipreg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sipreg.transport.TlsCredentials;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEM files as operators have them, and every way they can be wrong, each named with its file. */
class CertificateFilesTest {
    @TempDir
    Path dir;

    private final SelfSignedCertificate made =
            SelfSignedCertificate.generate(List.of("sip.example.test", "127.0.0.1"), 30,
                    SelfSignedCertificate.KeyType.EC);

    private CertificateFiles written() throws IOException {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        made.write(cert, key, false);
        return new CertificateFiles(cert, key);
    }

    @Test
    void readsTheChainAndItsPkcs8Key() throws IOException {
        TlsCredentials credentials = written().load();

        assertThat(credentials.certificate()).isEqualTo(made.certificate());
        assertThat(credentials.key()).isEqualTo(made.keys().getPrivate());
        assertThat(credentials.describe()).startsWith("CN=sip.example.test, serial ");
    }

    @Test // openssl's "traditional" forms: BEGIN RSA PRIVATE KEY (PKCS#1) and BEGIN EC PRIVATE KEY (SEC 1)
    void readsTraditionalOpensslKeys() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        for (String type : List.of("RSA", "EC")) {
            Path cert = dir.resolve(type + "-cert.pem");
            Path pkcs8 = dir.resolve(type + "-pkcs8.pem");
            Path traditional = dir.resolve(type + "-key.pem");
            openssl("req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=" + type.toLowerCase() + ".test",
                    "-newkey", type.equals("RSA") ? "rsa:2048" : "ec", "-pkeyopt",
                    type.equals("RSA") ? "rsa_keygen_bits:2048" : "ec_paramgen_curve:P-256",
                    "-keyout", pkcs8.toString(), "-out", cert.toString());
            // openssl ec writes SEC 1 unless told otherwise; openssl rsa writes PKCS#8 unless told -traditional.
            if (type.equals("RSA")) {
                openssl("rsa", "-in", pkcs8.toString(), "-traditional", "-out", traditional.toString());
            } else {
                openssl("ec", "-in", pkcs8.toString(), "-out", traditional.toString());
            }
            assertThat(Files.readString(traditional)).startsWith("-----BEGIN " + type + " PRIVATE KEY-----");

            TlsCredentials credentials = new CertificateFiles(cert, traditional).load();

            assertThat(credentials.describe()).startsWith("CN=" + type.toLowerCase() + ".test,");
            // Both forms load, and loading checks that the key is the certificate's.
            assertThat(new CertificateFiles(cert, pkcs8).load().certificate()).isEqualTo(credentials.certificate());
        }
    }

    private static void openssl(String... arguments) throws Exception {
        var command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(String.join(" ", command) + "\n" + output).isZero();
    }

    @Test
    void aMissingFileIsNamed() {
        var files = new CertificateFiles(dir.resolve("nowhere.pem"), dir.resolve("key.pem"));

        assertThatThrownBy(files::load).isInstanceOf(CertificateFiles.Unusable.class)
                .hasMessage(dir.resolve("nowhere.pem") + ": no such file")
                .extracting(e -> ((CertificateFiles.Unusable) e).which())
                .isEqualTo(CertificateFiles.Which.CERTIFICATE);
    }

    @Test
    void aKeyFileThatHoldsACertificateIsNotAKey() throws IOException {
        CertificateFiles files = written();
        var swapped = new CertificateFiles(files.certificate(), files.certificate());

        assertThatThrownBy(swapped::load)
                .hasMessage(files.certificate()
                        + ": holds a certificate, not a private key (expected -----BEGIN PRIVATE KEY-----)")
                .extracting(e -> ((CertificateFiles.Unusable) e).which()).isEqualTo(CertificateFiles.Which.KEY);
    }

    @Test
    void aCertificateFileThatHoldsAKeyIsNotACertificate() throws IOException {
        CertificateFiles files = written();
        var swapped = new CertificateFiles(files.key(), files.key());

        assertThatThrownBy(swapped::load).hasMessage(files.key()
                + ": holds a private key, not a certificate (expected -----BEGIN CERTIFICATE-----)");
    }

    @Test
    void textThatIsNoPemIsSaidToHoldNoKey() throws IOException {
        CertificateFiles files = written();
        Files.writeString(files.key(), "s3cret\n");

        assertThatThrownBy(files::load)
                .hasMessage(files.key() + ": no private key in it (expected -----BEGIN PRIVATE KEY-----)");
    }

    @Test
    void brokenBase64IsNamed() throws IOException {
        CertificateFiles files = written();
        Files.writeString(files.certificate(), "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
                + "-----END CERTIFICATE-----\n");

        assertThatThrownBy(files::load).hasMessageStartingWith(files.certificate() + ": ");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedNamingBoth() throws IOException {
        CertificateFiles files = written();
        var other = SelfSignedCertificate.generate(List.of("other.test"), 1, SelfSignedCertificate.KeyType.EC);
        Path otherCert = dir.resolve("other-cert.pem");
        other.write(otherCert, dir.resolve("other-key.pem"), false);
        var mismatched = new CertificateFiles(otherCert, files.key());

        assertThatThrownBy(mismatched::load)
                .hasMessage(files.key() + ": this key does not belong to the certificate in " + otherCert
                        + " (CN=other.test)")
                .extracting(e -> ((CertificateFiles.Unusable) e).which()).isEqualTo(CertificateFiles.Which.KEY);
    }

    @Test
    void anRsaKeyWithAnEcCertificateIsAMismatchToo() throws IOException {
        CertificateFiles files = written();
        var rsa = SelfSignedCertificate.generate(List.of("localhost"), 1, SelfSignedCertificate.KeyType.RSA);
        Files.writeString(files.key(), pem(new JcaPKCS8Generator(rsa.keys().getPrivate(), null)));

        assertThatThrownBy(files::load).hasMessageContaining("this key does not belong to the certificate");
    }

    @Test
    void anEncryptedKeyIsRefusedWithTheWayOut() throws Exception {
        CertificateFiles files = written();
        var encryptor = new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                .setProvider(new BouncyCastleProvider()).setPassword("pass".toCharArray()).build();
        Files.writeString(files.key(), pem(new JcaPKCS8Generator(made.keys().getPrivate(), encryptor)));

        assertThatThrownBy(files::load).hasMessage(files.key() + ": the key is encrypted; sipreg needs it"
                + " unencrypted, e.g. openssl pkey -in " + files.key() + " -out plain-key.pem");
    }

    @Test
    void theStampChangesWhenAFileIsReplaced() throws IOException {
        CertificateFiles files = written();
        CertificateFiles.Stamp before = files.stamp();
        assertThat(files.stamp()).isEqualTo(before);

        Path renewed = dir.resolve("renewed.pem");
        Files.copy(files.certificate(), renewed);
        Files.move(renewed, files.certificate(), StandardCopyOption.REPLACE_EXISTING);

        assertThat(files.stamp()).isNotEqualTo(before);
    }

    private static String pem(Object item) throws IOException {
        var text = new StringWriter();
        try (var writer = new JcaPEMWriter(text)) {
            writer.writeObject(item);
        }
        return text.toString();
    }
}
