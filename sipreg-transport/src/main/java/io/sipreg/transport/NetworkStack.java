package io.sipreg.transport;

import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.nio.channels.spi.SelectorProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Which Netty I/O implementation the sockets use: epoll on Linux, NIO elsewhere. */
enum NetworkStack {
    EPOLL {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        DatagramChannel datagramChannel(SocketProtocolFamily family) {
            return new EpollDatagramChannel(family);
        }

        @Override
        ServerSocketChannel serverChannel(SocketProtocolFamily family) {
            return new EpollServerSocketChannel(family);
        }

        @Override
        SocketChannel socketChannel(SocketProtocolFamily family) {
            return new EpollSocketChannel(family);
        }

        @Override
        boolean supportsReusePort() {
            return true;
        }

        @Override
        boolean supportsV6Only() {
            return true;
        }
    },
    NIO {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        DatagramChannel datagramChannel(SocketProtocolFamily family) {
            return new NioDatagramChannel(family);
        }

        @Override
        ServerSocketChannel serverChannel(SocketProtocolFamily family) {
            return new NioServerSocketChannel(SelectorProvider.provider(), family);
        }

        @Override
        SocketChannel socketChannel(SocketProtocolFamily family) {
            return new NioSocketChannel(SelectorProvider.provider(), family);
        }

        @Override
        boolean supportsReusePort() {
            return false;
        }

        @Override
        boolean supportsV6Only() {
            return false;
        }
    };

    private static final Logger log = LoggerFactory.getLogger(NetworkStack.class);

    /**
     * Linux IPPROTO_IPV6 / IPV6_V6ONLY: an IPv6 socket then takes only IPv6, so {@code [::]:5060} and
     * {@code 0.0.0.0:5060} can both be bound and IPv4 peers never show up as mapped addresses.
     */
    static final ChannelOption<Integer> IPV6_V6ONLY = new IntegerUnixChannelOption("IPV6_V6ONLY", 41, 26);

    abstract IoHandlerFactory ioHandlerFactory();

    abstract DatagramChannel datagramChannel(SocketProtocolFamily family);

    abstract ServerSocketChannel serverChannel(SocketProtocolFamily family);

    /** An outbound TCP connection, for a client that opens the flow itself (RFC 5626 §4.2). */
    abstract SocketChannel socketChannel(SocketProtocolFamily family);

    abstract boolean supportsReusePort();

    abstract boolean supportsV6Only();

    static NetworkStack choose(boolean preferNative) {
        if (preferNative && Epoll.isAvailable()) {
            return EPOLL;
        }
        if (preferNative) {
            log.info("epoll unavailable, using NIO: {}", String.valueOf(Epoll.unavailabilityCause()));
        }
        return NIO;
    }
}
