package io.sipreg.cli;

import io.sipreg.transport.TlsCredentials;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tls", mixinStandardHelpOptions = true,
        description = "Certificates for SIP over TLS (serve --listen tls:HOST:PORT).",
        subcommands = {TlsCommand.SelfSigned.class})
final class TlsCommand {

    @Command(name = "self-signed", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Make a private key and a self-signed certificate (PEM) for a first TLS listener.",
                    "Clients must be given the certificate to trust it (sipreg register --ca CERT; a phone's"
                            + " trusted certificates). Replace both files with a CA-issued pair later: a running"
                            + " serve picks them up within seconds."})
    static final class SelfSigned implements Callable<Integer> {
        @Option(names = "--cert", paramLabel = "FILE", defaultValue = "sipreg-cert.pem",
                description = "Where to write the certificate (default ${DEFAULT-VALUE}).")
        Path certificate;

        @Option(names = "--key", paramLabel = "FILE", defaultValue = "sipreg-key.pem",
                description = "Where to write the private key, readable by the owner only (default ${DEFAULT-VALUE}).")
        Path key;

        @Option(names = "--host", paramLabel = "NAME|ADDRESS",
                description = "A host name or IP address clients connect to, repeatable; the first is also the"
                        + " subject CN (default: this host's name, localhost, 127.0.0.1, ::1).")
        List<String> hosts;

        @Option(names = "--days", paramLabel = "N", defaultValue = "365",
                description = "Days of validity (default ${DEFAULT-VALUE}).")
        int days;

        @Option(names = "--key-type", paramLabel = "rsa|ec", defaultValue = "rsa",
                description = "RSA 2048 (default; every phone takes it) or ECDSA P-256.")
        String keyType;

        @Option(names = "--force", description = "Replace existing files.")
        boolean force;

        @Override
        public Integer call() {
            SelfSignedCertificate.KeyType type = switch (keyType.toLowerCase(Locale.ROOT)) {
                case "rsa" -> SelfSignedCertificate.KeyType.RSA;
                case "ec", "ecdsa" -> SelfSignedCertificate.KeyType.EC;
                default -> throw new UserError("--key-type must be rsa or ec, was " + keyType);
            };
            List<String> names = hosts == null || hosts.isEmpty() ? SelfSignedCertificate.defaultNames() : hosts;
            SelfSignedCertificate made;
            try {
                made = SelfSignedCertificate.generate(names, days, type);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            try {
                made.write(certificate, key, force);
            } catch (FileAlreadyExistsException e) {
                throw new UserError(e.getFile() + " exists; choose another file or add --force to replace it");
            } catch (IOException e) {
                throw new UserError("cannot write the certificate or key: " + e.getMessage());
            }
            String description = new TlsCredentials(made.keys().getPrivate(), List.of(made.certificate())).describe();
            System.out.println("wrote " + certificate + ": " + description);
            System.out.println("  subjectAltName " + made.describeNames());
            System.out.println("wrote " + key + ": " + type.describe() + " private key, readable by its owner only");
            System.out.println("serve with:  sipreg serve --listen tls:0.0.0.0:5061 --tls-cert " + certificate
                    + " --tls-key " + key);
            System.out.println("trust with:  sipreg register AOR --transport tls --ca " + certificate + " ...");
            return 0;
        }
    }
}
