package io.sipreg.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A key and a self-signed server certificate for first use of SIP over TLS: the names clients will connect to in
 * subjectAltName (RFC 5922 §7.1: DNS names and IP addresses), the first name also as the subject's CN. Clients
 * trust it by having the certificate itself ({@code sipreg register --ca cert.pem}, a phone's trusted-certificate
 * upload); a CA-issued certificate replaces it later without a restart.
 */
record SelfSignedCertificate(KeyPair keys, X509Certificate certificate, List<String> names) {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** The key types offered: RSA 2048 works with every phone; ECDSA P-256 is smaller and faster. */
    enum KeyType {
        RSA, EC;

        KeyPair generate() throws GeneralSecurityException {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(name());
            if (this == RSA) {
                generator.initialize(2048);
            } else {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            }
            return generator.generateKeyPair();
        }

        String signatureAlgorithm() {
            return this == RSA ? "SHA256withRSA" : "SHA256withECDSA";
        }

        String describe() {
            return this == RSA ? "RSA 2048" : "ECDSA P-256";
        }
    }

    /** localhost, 127.0.0.1, ::1 and this machine's host name: what a first test on one machine connects to. */
    static List<String> defaultNames() {
        var names = new LinkedHashSet<String>();
        try {
            String host = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
            if (!host.isBlank()) {
                names.add(host);
            }
        } catch (UnknownHostException e) {
            // No host name: the loopback names alone.
        }
        names.add("localhost");
        names.add("127.0.0.1");
        names.add("::1");
        return List.copyOf(names);
    }

    /**
     * @param names host names and IP addresses (IPv6 with or without brackets), the first becomes the CN
     * @throws IllegalArgumentException for an empty list, a name that is neither, or {@code days < 1}
     */
    static SelfSignedCertificate generate(List<String> names, int days, KeyType type) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("at least one host name or address is needed");
        }
        if (days < 1) {
            throw new IllegalArgumentException("--days must be >= 1, was " + days);
        }
        var altNames = new ArrayList<GeneralName>();
        for (String name : names) {
            altNames.add(generalName(name));
        }
        try {
            KeyPair keys = type.generate();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, bare(names.get(0))).build();
            // A minute back, so a client whose clock is a little behind does not see a certificate from the future.
            Instant from = Instant.now().minus(Duration.ofMinutes(1));
            var serial = new BigInteger(64, new SecureRandom()).setBit(63);
            var builder = new JcaX509v3CertificateBuilder(subject, serial, Date.from(from),
                    Date.from(from.plus(Duration.ofDays(days))), subject, keys.getPublic());
            var extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(altNames.toArray(GeneralName[]::new)));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(type == KeyType.RSA
                    ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature));
            // serverAuth for the registrar; clientAuth too, as SIP servers also open connections (RFC 5922 §7.3).
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth,
                            KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(type.signatureAlgorithm()).build(keys.getPrivate())));
            return new SelfSignedCertificate(keys, certificate, List.copyOf(names));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot make a certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the certificate (readable by all) and the key (owner only, created so from the start) as PEM. Each file
     * is written beside its target and renamed over it, so a server that reloads them never reads half a file.
     *
     * @throws FileAlreadyExistsException when a target exists and {@code replace} is false
     */
    void write(Path certificateFile, Path keyFile, boolean replace) throws IOException {
        if (!replace) {
            for (Path target : List.of(certificateFile, keyFile)) {
                if (Files.exists(target)) {
                    throw new FileAlreadyExistsException(target.toString());
                }
            }
        }
        JcaPKCS8Generator pkcs8 = new JcaPKCS8Generator(keys.getPrivate(), null);
        writeAtomically(keyFile, pem(pkcs8.generate()), "rw-------");
        writeAtomically(certificateFile, pem(certificate), "rw-r--r--");
    }

    private static String pem(Object item) throws IOException {
        var text = new StringWriter();
        try (var writer = new JcaPEMWriter(text)) {
            writer.writeObject(item);
        }
        return text.toString();
    }

    private static void writeAtomically(Path target, String content, String permissions) throws IOException {
        Path directory = target.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = Files.createTempFile(directory, "." + target.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions)));
        try {
            Files.writeString(temporary, content, StandardCharsets.US_ASCII);
            try {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** {@code DNS:localhost, IP:127.0.0.1, IP:::1}, as openssl shows subjectAltName. */
    String describeNames() {
        var parts = new ArrayList<String>();
        for (String name : names) {
            parts.add((isAddress(name) ? "IP:" : "DNS:") + bare(name));
        }
        return String.join(", ", parts);
    }

    private static GeneralName generalName(String name) {
        String bare = bare(name);
        if (isAddress(name)) {
            try {
                return new GeneralName(GeneralName.iPAddress,
                        InetAddress.getByName(bare.contains(":") ? "[" + bare + "]" : bare).getHostAddress());
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: " + name);
            }
        }
        // RFC 1123 host name labels; a leading "*." is a wildcard, which RFC 5922 §7.2 tells SIP clients to refuse.
        if (!bare.matches("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")) {
            throw new IllegalArgumentException("not a host name or IP address: " + name);
        }
        return new GeneralName(GeneralName.dNSName, bare.toLowerCase(Locale.ROOT));
    }

    private static boolean isAddress(String name) {
        String bare = bare(name);
        return bare.contains(":") || IPV4.matcher(bare).matches();
    }

    private static String bare(String name) {
        return name.startsWith("[") && name.endsWith("]") ? name.substring(1, name.length() - 1) : name;
    }
}
