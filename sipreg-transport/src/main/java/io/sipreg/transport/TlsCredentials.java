package io.sipreg.transport;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;

/**
 * What a TLS server presents (RFC 3261 §26.2.1): its private key and certificate chain, the server's own
 * certificate first, then the intermediates that lead to a CA.
 */
public record TlsCredentials(PrivateKey key, List<X509Certificate> chain) {
    public TlsCredentials {
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least the server's certificate");
        }
    }

    /** The server's own certificate, the one whose key this is. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** {@code CN=sip.example.com, serial 5f3a09c1, valid until 2026-05-01}: how the logs name a certificate. */
    public String describe() {
        return describe(certificate());
    }

    static String describe(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName() + ", serial "
                + certificate.getSerialNumber().toString(16) + ", valid until "
                + DateTimeFormatter.ISO_LOCAL_DATE.format(certificate.getNotAfter().toInstant().atOffset(ZoneOffset.UTC));
    }
}
