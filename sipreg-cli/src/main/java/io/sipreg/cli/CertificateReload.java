package io.sipreg.cli;

import io.sipreg.transport.ServerTls;
import io.sipreg.transport.TlsCredentials;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a renewed certificate to use without a restart: run every few seconds, it looks at the PEM files' modification
 * time, size and inode, and when they changed reads them again. New connections then get the new certificate; open
 * ones keep theirs. A pair that cannot be used (half-copied, a key of another certificate) is logged and the
 * certificate in use stays; the next change is tried again. Polling works wherever the files are (a bind mount,
 * certbot's symlinks), where a signal would need the operator's init system to send it.
 */
final class CertificateReload implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(CertificateReload.class);

    private final CertificateFiles files;
    private final ServerTls tls;
    private CertificateFiles.Stamp seen;

    /** @param loadedAt the files' stamp when the certificate in use was read */
    CertificateReload(CertificateFiles files, ServerTls tls, CertificateFiles.Stamp loadedAt) {
        this.files = Objects.requireNonNull(files, "files");
        this.tls = Objects.requireNonNull(tls, "tls");
        this.seen = Objects.requireNonNull(loadedAt, "loadedAt");
    }

    /** Checks the files once; called from one thread at a time. */
    @Override
    public void run() {
        CertificateFiles.Stamp now = files.stamp();
        if (now.equals(seen)) {
            return;
        }
        seen = now;
        try {
            TlsCredentials renewed = files.load();
            tls.replace(renewed);
            log.info("tls: certificate reloaded from {}: new connections get {}", files.certificate(),
                    renewed.describe());
        } catch (RuntimeException e) {
            // Unusable files, a pair the JDK refuses, or anything else: the reload must keep running either way.
            log.warn("tls: the changed certificate files cannot be used, still serving {}: {}",
                    tls.credentials().describe(), e.getMessage());
        }
    }
}
