package io.sipreg.transport;

import io.sipreg.message.ParseLimits;
import java.util.Objects;

/**
 * Transport settings, checked when built so a bad value fails at startup with its name.
 *
 * @param limits parser limits; {@code maxMessageBytes} also sizes UDP receive buffers and bounds a TCP frame
 * @param udpReceiveBufferBytes SO_RCVBUF for each UDP socket (the kernel caps it at net.core.rmem_max)
 * @param tcpIdleTimeoutSeconds a TCP connection with no traffic either way for this long is closed
 * @param maxTcpConnections accepted connections beyond this are closed at once
 * @param ioThreads Netty event-loop threads shared by all listeners
 * @param udpSocketsPerListener with epoll, UDP sockets bound to each UDP address with SO_REUSEPORT so the kernel
 *     spreads datagrams over the event loops; NIO always uses one
 * @param nativeTransport use epoll when it is available (Linux); otherwise, or when false, NIO
 */
public record TransportConfig(ParseLimits limits, int udpReceiveBufferBytes, int tcpIdleTimeoutSeconds,
                              int maxTcpConnections, int ioThreads, int udpSocketsPerListener,
                              boolean nativeTransport) {
    public TransportConfig {
        Objects.requireNonNull(limits, "limits");
        positive("udpReceiveBufferBytes", udpReceiveBufferBytes);
        positive("tcpIdleTimeoutSeconds", tcpIdleTimeoutSeconds);
        positive("maxTcpConnections", maxTcpConnections);
        positive("ioThreads", ioThreads);
        positive("udpSocketsPerListener", udpSocketsPerListener);
    }

    /**
     * One event loop per core. TCP idle timeout of 10 minutes: RFC 5626 §4.4.1 has clients send CRLF keepalives
     * every 95-120 s, so only connections that missed several of them are closed.
     */
    public static TransportConfig defaults() {
        int cores = Runtime.getRuntime().availableProcessors();
        return new TransportConfig(ParseLimits.DEFAULT, 4 * 1024 * 1024, 600, 10_000, cores, cores, true);
    }

    public TransportConfig withIoThreads(int threads) {
        return new TransportConfig(limits, udpReceiveBufferBytes, tcpIdleTimeoutSeconds, maxTcpConnections, threads,
                threads, nativeTransport);
    }

    public TransportConfig withMaxTcpConnections(int max) {
        return new TransportConfig(limits, udpReceiveBufferBytes, tcpIdleTimeoutSeconds, max, ioThreads,
                udpSocketsPerListener, nativeTransport);
    }

    public TransportConfig withTcpIdleTimeoutSeconds(int seconds) {
        return new TransportConfig(limits, udpReceiveBufferBytes, seconds, maxTcpConnections, ioThreads,
                udpSocketsPerListener, nativeTransport);
    }

    public TransportConfig withNativeTransport(boolean useNative) {
        return new TransportConfig(limits, udpReceiveBufferBytes, tcpIdleTimeoutSeconds, maxTcpConnections, ioThreads,
                udpSocketsPerListener, useNative);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("transport." + name + " must be > 0, was " + value);
        }
    }
}
