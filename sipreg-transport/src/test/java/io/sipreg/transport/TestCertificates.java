package io.sipreg.transport;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed server certificates made for a test: EC P-256, names as given, valid from an hour ago. */
final class TestCertificates {
    private TestCertificates() {
    }

    static TlsCredentials selfSigned(String commonName, Duration validFor, String... names) {
        return selfSigned(commonName, Instant.now().minus(Duration.ofHours(1)), validFor, names);
    }

    static TlsCredentials selfSigned(String commonName, Instant from, Duration validFor, String... names) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256);
            KeyPair pair = generator.generateKeyPair();
            var subject = new X500Name("CN=" + commonName);
            var builder = new JcaX509v3CertificateBuilder(subject,
                    BigInteger.valueOf(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE)),
                    Date.from(from), Date.from(from.plus(validFor)), subject, pair.getPublic());
            List<GeneralName> alt = new ArrayList<>();
            for (String name : names) {
                boolean ip = Character.isDigit(name.charAt(0)) || name.contains(":");
                alt.add(ip ? new GeneralName(GeneralName.iPAddress, InetAddress.getByName(name).getHostAddress())
                        : new GeneralName(GeneralName.dNSName, name));
            }
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(alt.toArray(GeneralName[]::new)));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return new TlsCredentials(pair.getPrivate(), List.of(certificate));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a test certificate", e);
        }
    }
}
