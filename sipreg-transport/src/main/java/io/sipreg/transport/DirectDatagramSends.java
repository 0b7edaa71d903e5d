package io.sipreg.transport;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.unix.Socket;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Datagrams sent straight from the calling thread with sendto(2) on the socket's descriptor, for threads that are
 * not the socket's event loop: the store's writer answering a group commit, the keepalive timer sending OPTIONS.
 * Handed to the loop instead ({@link OffLoopWrites}), a 200 OK waited for the loop to be scheduled: on a machine
 * whose cores are busy, each hand-off between threads is a wait in the run queue, and in a storm at 8,800
 * registrations/s on two cores sipreg's threads waited there longer than they ran. A UDP socket takes sends from
 * any thread; the kernel serialises them.
 *
 * <p>Only with the epoll transport, whose channels expose their descriptor. When the socket's send buffer is full
 * (EAGAIN) the caller hands the datagram to the loop as before, which waits for room. Closing a socket takes the
 * write lock ({@link #closing}), so no send can reach a descriptor number the kernel has already given to
 * something else.
 */
final class DirectDatagramSends {
    private static final AttributeKey<Socket> SOCKET = AttributeKey.valueOf(DirectDatagramSends.class, "socket");
    /** The largest UDP payload; each sending thread copies into one buffer of this size, made on its first send. */
    private static final int MAX_DATAGRAM = 65_507;
    private static final ThreadLocal<ByteBuffer> BUFFER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(MAX_DATAGRAM));

    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    /** Outcome of {@link #send}. */
    enum Result {
        /** Handed to the kernel. */
        SENT,
        /** Not sent: not an epoll socket, closed, or its send buffer is full; send it through the loop. */
        NOT_SENT
    }

    /**
     * Sends {@code wire} to {@code to} from {@code channel}'s socket on this thread.
     *
     * @throws IOException as sendto(2) failed, e.g. the destination is unreachable
     */
    Result send(Channel channel, byte[] wire, InetSocketAddress to) throws IOException {
        if (!(channel instanceof EpollDatagramChannel epoll) || wire.length > MAX_DATAGRAM || to.isUnresolved()) {
            return Result.NOT_SENT;
        }
        ByteBuffer buffer = BUFFER.get();
        buffer.clear();
        buffer.put(wire);
        lock.readLock().lock();
        try {
            if (!channel.isOpen()) {
                return Result.NOT_SENT;
            }
            int sent = socketOf(epoll).sendTo(buffer, 0, wire.length, to.getAddress(), to.getPort());
            return sent > 0 ? Result.SENT : Result.NOT_SENT;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Runs {@code close}, which closes one or more UDP sockets, while no direct send is under way. */
    void closing(Runnable close) {
        lock.writeLock().lock();
        try {
            close.run();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private static Socket socketOf(EpollDatagramChannel channel) {
        Socket socket = channel.attr(SOCKET).get();
        if (socket == null) {
            // A second view of the channel's descriptor, used only to send; the channel alone ever closes it.
            socket = new Socket(channel.fd().intValue());
            Socket earlier = channel.attr(SOCKET).setIfAbsent(socket);
            if (earlier != null) {
                socket = earlier;
            }
        }
        return socket;
    }
}
