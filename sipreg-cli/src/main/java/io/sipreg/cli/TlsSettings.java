package io.sipreg.cli;

import io.sipreg.transport.TlsCredentials;
import java.time.Duration;
import java.util.Objects;

/**
 * The certificate that {@code serve}'s TLS listeners present: the files it came from, watched for changes, what they
 * held when the settings were checked at startup, and their stamp just before they were read.
 */
record TlsSettings(CertificateFiles files, TlsCredentials loaded, CertificateFiles.Stamp loadedAt) {
    /** How often the files are looked at: a renewed certificate is in use within this long. */
    static final Duration RELOAD_CHECK = Duration.ofSeconds(5);

    TlsSettings {
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(loaded, "loaded");
        Objects.requireNonNull(loadedAt, "loadedAt");
    }
}
