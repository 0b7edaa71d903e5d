package io.sipreg.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * The server side of SIP over TLS (RFC 3261 §26.2.1, RFC 5630 §3.1.1): the certificate the TLS listeners present.
 * Each accepted connection takes the credentials current when it arrives, so {@link #replace} changes the
 * certificate for new connections while open ones keep the session they have. Thread-safe.
 */
public final class ServerTls {
    /** TLS 1.2 (RFC 5246) and 1.3 (RFC 8446) only: the older versions are broken (RFC 8996). */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private record Current(TlsCredentials credentials, SslContext context) {
    }

    private volatile Current current;

    private ServerTls(Current current) {
        this.current = current;
    }

    /** @throws IllegalArgumentException when the JDK's TLS cannot use the key and chain, saying why */
    public static ServerTls of(TlsCredentials credentials) {
        return new ServerTls(build(credentials));
    }

    /**
     * New connections present {@code credentials} from now on; open connections are left as they are.
     *
     * @throws IllegalArgumentException when the JDK's TLS cannot use them; the old credentials stay in use
     */
    public void replace(TlsCredentials credentials) {
        current = build(credentials);
    }

    public TlsCredentials credentials() {
        return current.credentials();
    }

    /** The TLS handler for a newly accepted connection. */
    SslHandler newHandler(ByteBufAllocator alloc) {
        return current.context().newHandler(alloc);
    }

    private static Current build(TlsCredentials credentials) {
        Objects.requireNonNull(credentials, "credentials");
        try {
            SslContext context = SslContextBuilder.forServer(credentials.key(), credentials.chain())
                    .sslProvider(SslProvider.JDK)
                    .protocols(PROTOCOLS)
                    .build();
            return new Current(credentials, context);
        } catch (SSLException | RuntimeException e) {
            throw new IllegalArgumentException("cannot serve TLS with " + credentials.describe() + ": "
                    + e.getMessage(), e);
        }
    }
}
