package io.sipreg.cli;

import io.sipreg.transport.TlsCredentials;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * A server's TLS certificate chain and private key as PEM files, the way CAs, certbot and {@code openssl} leave them:
 * the chain leaf first ({@code BEGIN CERTIFICATE} blocks), the key unencrypted in any of the usual forms
 * ({@code BEGIN PRIVATE KEY}, {@code BEGIN RSA PRIVATE KEY}, {@code BEGIN EC PRIVATE KEY}). Every complaint names
 * the file and says what is wrong with it.
 */
record CertificateFiles(Path certificate, Path key) {
    CertificateFiles {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
    }

    /** Which of the two files a complaint is about. */
    enum Which { CERTIFICATE, KEY }

    /** A file that cannot be used; the message starts with the file's name. */
    static final class Unusable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final Which which;

        Unusable(Which which, Path file, String why) {
            super(file + ": " + why, null, false, false);
            this.which = which;
        }

        Which which() {
            return which;
        }
    }

    /**
     * Reads both files and checks that the key is the certificate's.
     *
     * @throws Unusable naming the file that is missing, unreadable, of the wrong kind, or does not match the other
     */
    TlsCredentials load() {
        List<X509Certificate> chain = readCertificates(certificate, Which.CERTIFICATE);
        PrivateKey privateKey = readKey();
        if (!belongTogether(privateKey, chain.get(0).getPublicKey())) {
            throw new Unusable(Which.KEY, key, "this key does not belong to the certificate in " + certificate + " ("
                    + chain.get(0).getSubjectX500Principal().getName() + ")");
        }
        return new TlsCredentials(privateKey, chain);
    }

    /**
     * What the two files are now: modification time, size and identity (inode) of each, so a file changed in place
     * or replaced by a rename is seen. A missing file is a state too.
     */
    Stamp stamp() {
        return new Stamp(stampOf(certificate), stampOf(key));
    }

    record Stamp(String certificate, String key) {
    }

    private static String stampOf(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return attributes.lastModifiedTime() + " " + attributes.size() + " " + attributes.fileKey();
        } catch (IOException e) {
            return "unreadable";
        }
    }

    /** The certificates of a PEM file, in file order; for {@code --ca} and for the server's chain. */
    static List<X509Certificate> readCertificates(Path file, Which which) {
        var converter = new JcaX509CertificateConverter();
        var certificates = new ArrayList<X509Certificate>();
        boolean sawKey = false;
        try (PEMParser parser = new PEMParser(open(file, which))) {
            Object item;
            while ((item = parser.readObject()) != null) {
                if (item instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                } else if (isKey(item)) {
                    sawKey = true;
                }
            }
        } catch (CertificateException e) {
            throw new Unusable(which, file, "a certificate in it cannot be read: " + e.getMessage());
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new Unusable(which, file, "not a readable PEM file: " + e.getMessage());
        }
        if (certificates.isEmpty()) {
            throw new Unusable(which, file, sawKey
                    ? "holds a private key, not a certificate (expected -----BEGIN CERTIFICATE-----)"
                    : "no certificate in it (expected -----BEGIN CERTIFICATE-----)");
        }
        return List.copyOf(certificates);
    }

    private PrivateKey readKey() {
        var converter = new JcaPEMKeyConverter();
        PrivateKey found = null;
        boolean sawCertificate = false;
        try (PEMParser parser = new PEMParser(open(key, Which.KEY))) {
            Object item;
            while (found == null && (item = parser.readObject()) != null) {
                if (item instanceof PrivateKeyInfo info) {
                    found = converter.getPrivateKey(info);
                } else if (item instanceof PEMKeyPair pair) {
                    // The private half alone: an EC key in SEC 1 form may come without its public key.
                    found = converter.getPrivateKey(pair.getPrivateKeyInfo());
                } else if (item instanceof PEMEncryptedKeyPair || item instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new Unusable(Which.KEY, key, "the key is encrypted; sipreg needs it unencrypted, e.g."
                            + " openssl pkey -in " + key + " -out plain-key.pem");
                } else if (item instanceof X509CertificateHolder) {
                    sawCertificate = true;
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof Unusable unusable) {
                throw unusable;
            }
            throw new Unusable(Which.KEY, key, "not a readable PEM private key: " + e.getMessage());
        }
        if (found == null) {
            throw new Unusable(Which.KEY, key, sawCertificate
                    ? "holds a certificate, not a private key (expected -----BEGIN PRIVATE KEY-----)"
                    : "no private key in it (expected -----BEGIN PRIVATE KEY-----)");
        }
        return found;
    }

    private static boolean isKey(Object item) {
        return item instanceof PrivateKeyInfo || item instanceof PEMKeyPair || item instanceof PEMEncryptedKeyPair
                || item instanceof PKCS8EncryptedPrivateKeyInfo;
    }

    private static Reader open(Path file, Which which) {
        try {
            return Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new Unusable(which, file, "no such file");
        } catch (IOException e) {
            throw new Unusable(which, file, "cannot read: " + e.getMessage());
        }
    }

    /**
     * Whether {@code privateKey} is the key of {@code publicKey}: a signature made with one verifies with the other.
     * Works for every key type without knowing its mathematics; a type with no signature known here passes.
     */
    private static boolean belongTogether(PrivateKey privateKey, PublicKey publicKey) {
        if (!privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        Optional<String> algorithm = switch (privateKey.getAlgorithm()) {
            case "RSA" -> Optional.of("SHA256withRSA");
            case "EC" -> Optional.of("SHA256withECDSA");
            case "Ed25519", "Ed448", "EdDSA" -> Optional.of(privateKey.getAlgorithm());
            default -> Optional.empty();
        };
        if (algorithm.isEmpty()) {
            return true;
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm.get());
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm.get());
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
