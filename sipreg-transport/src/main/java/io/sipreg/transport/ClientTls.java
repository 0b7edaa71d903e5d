package io.sipreg.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How this side checks a TLS server it connects to (RFC 3261 §26.3.1, RFC 5922): the certificate must lead to a
 * trusted CA and name the host that was asked for (checked as HTTPS does, RFC 2818: subjectAltName DNS names and IP
 * addresses). The trusted CAs are the JDK's, or the certificates given; {@link #insecure()} checks nothing.
 */
public final class ClientTls {
    private final Supplier<SslContext> build;
    private final boolean verifies;
    private volatile SslContext context;

    private ClientTls(Supplier<SslContext> build, boolean verifies) {
        this.build = build;
        this.verifies = verifies;
    }

    /**
     * Trusts the CAs of the JDK's trust store (its {@code cacerts}, or {@code javax.net.ssl.trustStore}), read when
     * the first TLS connection is opened, so a device that never uses TLS does not pay for it.
     */
    public static ClientTls systemTrust() {
        return new ClientTls(() -> verifying(null), true);
    }

    /**
     * Trusts only {@code anchors}: CA certificates, or a server's own (self-signed) certificate.
     *
     * @throws IllegalArgumentException when {@code anchors} is empty
     */
    public static ClientTls trusting(List<X509Certificate> anchors) {
        if (anchors.isEmpty()) {
            throw new IllegalArgumentException("no certificate to trust");
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < anchors.size(); i++) {
                store.setCertificateEntry("anchor-" + i, anchors.get(i));
            }
            SslContext context = verifying(store);
            return new ClientTls(() -> context, true);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build a trust store: " + e.getMessage(), e);
        }
    }

    /** Accepts any certificate for any name: the connection is encrypted but the peer is not who it may claim. */
    public static ClientTls insecure() {
        return new ClientTls(() -> build(InsecureTrustManagerFactory.INSTANCE.getTrustManagers()[0], null), false);
    }

    /** False for {@link #insecure()}. */
    public boolean verifies() {
        return verifies;
    }

    /**
     * The TLS handler for a connection to {@code serverName} (sent as SNI when it is a name, RFC 6066 §3, and
     * checked against the certificate).
     */
    SslHandler newHandler(ByteBufAllocator alloc, String serverName, int port) {
        SslContext built = context;
        if (built == null) {
            synchronized (this) {
                if (context == null) {
                    context = build.get();
                }
                built = context;
            }
        }
        return built.newHandler(alloc, serverName, port);
    }

    private static SslContext verifying(KeyStore anchors) {
        try {
            var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return build(new ExplainingTrustManager(x509), "HTTPS");
                }
            }
            throw new IllegalStateException("the JDK has no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the trusted certificates: " + e.getMessage(), e);
        }
    }

    private static SslContext build(TrustManager trust, String identification) {
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .protocols(ServerTls.PROTOCOLS)
                    .trustManager(trust)
                    .endpointIdentificationAlgorithm(identification)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /**
     * The sentence for a failed handshake of a connection opened to {@code serverName}: for a refused certificate,
     * which check refused it and what the certificate says, as the trust manager recorded it.
     */
    static TlsHandshakeException explain(Throwable failure, String serverName) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RejectedCertificate rejected) {
                return new TlsHandshakeException(rejected.problem, rejected.getMessage(), failure);
            }
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String detail = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        // A SIP port without TLS either waits for a SIP message (TCP) or answers in plain text.
        if (root instanceof SslHandshakeTimeoutException) {
            detail += ": no TLS server answered; is that a TLS port?";
        } else if (root instanceof NotSslRecordException
                || detail.contains("Unsupported or unrecognized SSL message")) {
            detail = "the answer is not a TLS record: the other side does not speak TLS";
        }
        return new TlsHandshakeException(TlsHandshakeException.Problem.HANDSHAKE_FAILED,
                "TLS handshake with " + serverName + " failed: " + detail, failure);
    }

    /** The JDK's checks, with a refusal turned into a sentence that names the certificate and the check. */
    private static final class ExplainingTrustManager extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;

        ExplainingTrustManager(X509ExtendedTrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            try {
                delegate.checkServerTrusted(chain, authType, engine);
                // PKIX takes a trust anchor as it is, dates and all: a server certificate trusted directly (--ca
                // with the server's own self-signed certificate) would be accepted long after it expired.
                for (X509Certificate certificate : chain) {
                    certificate.checkValidity();
                }
            } catch (CertificateException e) {
                throw RejectedCertificate.of(e, chain, engine.getPeerHost());
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    /** A certificate the trust manager refused, with the sentence that says why. */
    static final class RejectedCertificate extends CertificateException {
        private static final long serialVersionUID = 1L;

        final transient TlsHandshakeException.Problem problem;

        private RejectedCertificate(TlsHandshakeException.Problem problem, String sentence, Throwable cause) {
            super(sentence, cause);
            this.problem = problem;
        }

        /**
         * The JDK's validator reports a chain it cannot build or validate with a CertPath exception in the causes
         * (an expired certificate with CertificateExpiredException under it); the name check (RFC 2818 §3.1)
         * fails with a plain CertificateException of its own.
         */
        static RejectedCertificate of(CertificateException e, X509Certificate[] chain, String host) {
            X509Certificate leaf = chain[0];
            String subject = leaf.getSubjectX500Principal().getName();
            boolean pathProblem = false;
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof CertificateExpiredException) {
                    return new RejectedCertificate(TlsHandshakeException.Problem.CERTIFICATE_EXPIRED,
                            "certificate expired: " + TlsCredentials.describe(leaf), e);
                }
                if (t instanceof CertificateNotYetValidException) {
                    return new RejectedCertificate(TlsHandshakeException.Problem.CERTIFICATE_EXPIRED,
                            "certificate not yet valid: " + subject + " is valid from " + leaf.getNotBefore(), e);
                }
                if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException
                        || t.getClass().getSimpleName().equals("ValidatorException")) {
                    pathProblem = true;
                }
            }
            if (pathProblem) {
                X509Certificate top = chain[chain.length - 1];
                boolean selfSigned = top.getSubjectX500Principal().equals(top.getIssuerX500Principal());
                String issuer = selfSigned && chain.length == 1
                        ? "is self-signed"
                        : "is issued by " + top.getIssuerX500Principal().getName();
                return new RejectedCertificate(TlsHandshakeException.Problem.CERTIFICATE_NOT_TRUSTED,
                        "certificate not trusted: " + subject + " (serial " + leaf.getSerialNumber().toString(16)
                                + ") " + issuer + ", which is not among the trusted certificates", e);
            }
            return new RejectedCertificate(TlsHandshakeException.Problem.CERTIFICATE_NAME_MISMATCH,
                    "certificate does not match " + host + ": " + subject + " is for " + names(leaf), e);
        }

        /** The subjectAltName DNS names and IP addresses, or else the subject. */
        private static String names(X509Certificate certificate) {
            try {
                var names = certificate.getSubjectAlternativeNames();
                if (names != null && !names.isEmpty()) {
                    var list = new java.util.ArrayList<String>();
                    for (List<?> name : names) {
                        Object type = name.get(0);
                        if (Objects.equals(type, 2) || Objects.equals(type, 7) || Objects.equals(type, 6)) {
                            list.add(String.valueOf(name.get(1)));
                        }
                    }
                    return String.join(", ", list);
                }
            } catch (java.security.cert.CertificateParsingException e) {
                // Fall back to the subject.
            }
            return certificate.getSubjectX500Principal().getName() + " (no subjectAltName)";
        }
    }
}
