package io.sipreg.transport;

import io.netty.channel.Channel;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The open TCP and TLS connections by id, bounded, so a response can find the connection its request came over. */
final class TcpConnections {
    private final ConcurrentHashMap<Long, Channel> open = new ConcurrentHashMap<>();
    private final AtomicLong lastId = new AtomicLong();
    private final AtomicInteger count = new AtomicInteger();
    private final int max;

    TcpConnections(int max) {
        this.max = max;
    }

    /** Registers {@code channel} until it closes; returns its id, or 0 when {@code max} are already open. */
    long admit(Channel channel) {
        if (count.incrementAndGet() > max) {
            count.decrementAndGet();
            return 0;
        }
        long id = lastId.incrementAndGet();
        open.put(id, channel);
        channel.closeFuture().addListener(f -> {
            open.remove(id);
            count.decrementAndGet();
        });
        return id;
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
