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
 * @param partialMessageTimeoutSeconds a TCP connection whose pending message has not arrived whole this long after
 *     its first byte is closed (a client sending byte by byte keeps the idle timeout from firing)
 * @param maxConnectionsPerAddress accepted TCP connections from one source IP address beyond this are closed at once
 * @param udpBurstShedding datagrams read from one UDP socket without it running empty (its backlog) beyond which,
 *     while the kernel's receive buffer of the socket is at least half full (where the system tells), requests
 *     without credentials are dropped before they are parsed, and beyond four times this every request: the socket
 *     is far behind, and answering costs more than the client's retransmission; 0 never drops
 * @param maxPendingTasks tasks queued on one event loop (responses handed over from other threads, mostly) beyond
 *     which a hand-over fails instead of waiting in memory
 */
public record TransportConfig(ParseLimits limits, int udpReceiveBufferBytes, int tcpIdleTimeoutSeconds,
                              int maxTcpConnections, int ioThreads, int udpSocketsPerListener,
                              boolean nativeTransport, int partialMessageTimeoutSeconds,
                              int maxConnectionsPerAddress, int udpBurstShedding, int maxPendingTasks) {
    public static final int DEFAULT_PARTIAL_MESSAGE_TIMEOUT_SECONDS = 20;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 100;
    public static final int DEFAULT_UDP_BURST_SHEDDING = 10_000;
    public static final int DEFAULT_MAX_PENDING_TASKS = 100_000;
    /**
     * SO_RCVBUF of a UDP socket. 4 MiB (8 MiB as the kernel counts it, about 6,500 REGISTERs) rides out a stall of
     * a few hundred milliseconds without a drop; but what waits longer than the client's retransmission timer
     * (RFC 3261 §17.1.1.2, T1 = 500 ms) is worked twice, and a registrar past its capacity can then stay behind while
     * the load lasts. 1 MiB turns that into drops at the socket, and drops after shorter stalls too: measured both
     * ways on the benchmark machine, neither won (see README, Performance).
     */
    public static final int DEFAULT_UDP_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

    /** The settings before the hostile-input limits, which take their defaults. */
    public TransportConfig(ParseLimits limits, int udpReceiveBufferBytes, int tcpIdleTimeoutSeconds,
                           int maxTcpConnections, int ioThreads, int udpSocketsPerListener, boolean nativeTransport) {
        this(limits, udpReceiveBufferBytes, tcpIdleTimeoutSeconds, maxTcpConnections, ioThreads, udpSocketsPerListener,
                nativeTransport, DEFAULT_PARTIAL_MESSAGE_TIMEOUT_SECONDS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
                DEFAULT_UDP_BURST_SHEDDING, DEFAULT_MAX_PENDING_TASKS);
    }

    public TransportConfig {
        Objects.requireNonNull(limits, "limits");
        positive("udpReceiveBufferBytes", udpReceiveBufferBytes);
        positive("tcpIdleTimeoutSeconds", tcpIdleTimeoutSeconds);
        positive("maxTcpConnections", maxTcpConnections);
        positive("ioThreads", ioThreads);
        positive("udpSocketsPerListener", udpSocketsPerListener);
        positive("partialMessageTimeoutSeconds", partialMessageTimeoutSeconds);
        positive("maxConnectionsPerAddress", maxConnectionsPerAddress);
        if (udpBurstShedding < 0) {
            throw new IllegalArgumentException("transport.udpBurstShedding must be >= 0, was " + udpBurstShedding);
        }
        positive("maxPendingTasks", maxPendingTasks);
    }

    /**
     * One event loop per core. TCP idle timeout of 10 minutes: RFC 5626 §4.4.1 has clients send CRLF keepalives
     * every 95-120 s, so only connections that missed several of them are closed.
     */
    public static TransportConfig defaults() {
        int cores = Runtime.getRuntime().availableProcessors();
        return new TransportConfig(ParseLimits.DEFAULT, DEFAULT_UDP_RECEIVE_BUFFER_BYTES, 600, 10_000, cores, cores,
                true);
    }

    public TransportConfig withIoThreads(int threads) {
        return new TransportConfig(limits, udpReceiveBufferBytes, tcpIdleTimeoutSeconds, maxTcpConnections, threads,
                threads, nativeTransport, partialMessageTimeoutSeconds, maxConnectionsPerAddress, udpBurstShedding,
                maxPendingTasks);
    }

    public TransportConfig withMaxTcpConnections(int max) {
        return new TransportConfig(limits, udpReceiveBufferBytes, tcpIdleTimeoutSeconds, max, ioThreads,
                udpSocketsPerListener, nativeTransport, partialMessageTimeoutSeconds, maxConnectionsPerAddress,
                udpBurstShedding, maxPendingTasks);
    }

    public TransportConfig withTcpIdleTimeoutSeconds(int seconds) {
        return new TransportConfig(limits, udpReceiveBufferBytes, seconds, maxTcpConnections, ioThreads,
                udpSocketsPerListener, nativeTransport, partialMessageTimeoutSeconds, maxConnectionsPerAddress,
                udpBurstShedding, maxPendingTasks);
    }

    public TransportConfig withNativeTransport(boolean useNative) {
        return new TransportConfig(limits, udpReceiveBufferBytes, tcpIdleTimeoutSeconds, maxTcpConnections, ioThreads,
                udpSocketsPerListener, useNative, partialMessageTimeoutSeconds, maxConnectionsPerAddress,
                udpBurstShedding, maxPendingTasks);
    }

    /** What one message may hold: its size (also the UDP read buffer), its header fields, its longest line. */
    public TransportConfig withParseLimits(ParseLimits parseLimits) {
        return new TransportConfig(parseLimits, udpReceiveBufferBytes, tcpIdleTimeoutSeconds, maxTcpConnections,
                ioThreads, udpSocketsPerListener, nativeTransport, partialMessageTimeoutSeconds,
                maxConnectionsPerAddress, udpBurstShedding, maxPendingTasks);
    }

    /** The limits against hostile or overloading clients: see the record's parameters. */
    public TransportConfig withUdpReceiveBufferBytes(int bytes) {
        return new TransportConfig(limits, bytes, tcpIdleTimeoutSeconds, maxTcpConnections, ioThreads,
                udpSocketsPerListener, nativeTransport, partialMessageTimeoutSeconds, maxConnectionsPerAddress,
                udpBurstShedding, maxPendingTasks);
    }

    public TransportConfig withAbuseLimits(int partialMessageTimeoutSeconds, int maxConnectionsPerAddress,
                                           int udpBurstShedding, int maxPendingTasks) {
        return new TransportConfig(limits, udpReceiveBufferBytes, tcpIdleTimeoutSeconds, maxTcpConnections, ioThreads,
                udpSocketsPerListener, nativeTransport, partialMessageTimeoutSeconds, maxConnectionsPerAddress,
                udpBurstShedding, maxPendingTasks);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("transport." + name + " must be > 0, was " + value);
        }
    }
}
