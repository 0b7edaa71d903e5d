package io.sipreg.client;

import io.sipreg.transaction.TransactionConfig;
import io.sipreg.transport.ClientTls;
import io.sipreg.transport.TransportConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * How the device side runs.
 *
 * @param userAgent the User-Agent header value (RFC 3261 §20.41), e.g. {@code sipreg/0.1}
 * @param t1 RFC 3261 §17.1.1.1 T1; Timer E starts at it and Timer F is 64*T1
 * @param ioThreads event-loop threads; one is plenty for a single registration, load mode uses more
 * @param trace where sent and received messages are reported
 * @param tls how the certificate of a registrar reached over TLS is checked
 */
public record UserAgentConfig(String userAgent, Duration t1, int ioThreads, MessageTrace trace, ClientTls tls) {
    public UserAgentConfig {
        Objects.requireNonNull(userAgent, "userAgent");
        Objects.requireNonNull(t1, "t1");
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(tls, "tls");
        if (t1.isNegative() || t1.isZero()) {
            throw new IllegalArgumentException("t1 must be > 0, was " + t1);
        }
        if (ioThreads <= 0) {
            throw new IllegalArgumentException("ioThreads must be > 0, was " + ioThreads);
        }
    }

    public static UserAgentConfig defaults(String userAgent) {
        return new UserAgentConfig(userAgent, Duration.ofMillis(500), 1, MessageTrace.NONE, ClientTls.systemTrust());
    }

    public UserAgentConfig withTrace(MessageTrace newTrace) {
        return new UserAgentConfig(userAgent, t1, ioThreads, newTrace, tls);
    }

    public UserAgentConfig withT1(Duration newT1) {
        return new UserAgentConfig(userAgent, newT1, ioThreads, trace, tls);
    }

    public UserAgentConfig withIoThreads(int threads) {
        return new UserAgentConfig(userAgent, t1, threads, trace, tls);
    }

    public UserAgentConfig withTls(ClientTls newTls) {
        return new UserAgentConfig(userAgent, t1, ioThreads, trace, newTls);
    }

    TransportConfig transportConfig() {
        return TransportConfig.defaults().withIoThreads(ioThreads);
    }

    TransactionConfig transactionConfig() {
        return new TransactionConfig(t1, 1_000_000, 5);
    }
}
