package io.sipreg.transport;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The open TCP and TLS connections by id, bounded in all and per source address, so a response can find the connection its
 * request came over and one host cannot take every connection (RFC 3261 §26.1.5: a flood of connections is a denial
 * of service).
 */
final class TcpConnections {
    /** {@link #admit} answers this when {@code max} connections are open. */
    static final long FULL = 0;
    /** {@link #admit} answers this when the source address has {@code maxPerAddress} open. */
    static final long ADDRESS_FULL = -1;

    private final ConcurrentHashMap<Long, Channel> open = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final AtomicLong lastId = new AtomicLong();
    private final AtomicInteger count = new AtomicInteger();
    private final int max;
    private final int maxPerAddress;

    TcpConnections(int max) {
        this(max, Integer.MAX_VALUE);
    }

    TcpConnections(int max, int maxPerAddress) {
        this.max = max;
        this.maxPerAddress = maxPerAddress;
    }

    /**
     * Registers {@code channel} until it closes; returns its id (above 0), {@link #FULL} when {@code max} are already
     * open, or {@link #ADDRESS_FULL} when its remote address already has {@code maxPerAddress}.
     */
    long admit(Channel channel) {
        return admit(channel, true);
    }

    /** A connection this side opened: bounded in all, but its remote (the registrar) may take any number. */
    long admitOpened(Channel channel) {
        return admit(channel, false);
    }

    private long admit(Channel channel, boolean perSource) {
        if (count.incrementAndGet() > max) {
            count.decrementAndGet();
            return FULL;
        }
        InetAddress source = perSource && channel.remoteAddress() instanceof InetSocketAddress remote
                ? remote.getAddress() : null;
        if (source != null && perAddress.merge(source, 1, Integer::sum) > maxPerAddress) {
            release(source);
            count.decrementAndGet();
            return ADDRESS_FULL;
        }
        long id = lastId.incrementAndGet();
        open.put(id, channel);
        channel.closeFuture().addListener(f -> {
            open.remove(id);
            count.decrementAndGet();
            if (source != null) {
                release(source);
            }
        });
        return id;
    }

    /** One connection of {@code source} fewer; the entry goes when none is left, so the map holds open sources only. */
    private void release(InetAddress source) {
        perAddress.computeIfPresent(source, (k, n) -> n == 1 ? null : n - 1);
    }

    /**
     * The connection of {@code flow}, or else another open one between the same two addresses: devices that
     * bind their TCP source port (often 5060) reconnect from the same address after a drop.
     */
    Optional<Channel> find(Flow flow) {
        Channel channel = open.get(flow.connectionId());
        if (channel != null && channel.isActive()) {
            return Optional.of(channel);
        }
        for (Channel candidate : open.values()) {
            if (candidate.isActive() && flow.remote().equals(candidate.remoteAddress())
                    && flow.local().equals(candidate.localAddress())) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    int size() {
        return count.get();
    }
}
