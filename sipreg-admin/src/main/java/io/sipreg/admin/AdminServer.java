package io.sipreg.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP server: the JSON API under {@code /api}, Prometheus metrics at {@code /metrics}, the live feed at
 * {@code /api/events} and the dashboard at {@code /}. One Netty event loop of its own reads and writes; the work
 * (store reads and writes, scrapes, the feed's ticks) runs on one worker thread, so neither the SIP event loops nor
 * this loop ever wait for the disk.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    /** The largest request body accepted (a user to add is a few hundred bytes). */
    private static final int MAX_BODY = 64 * 1024;

    private final EventLoopGroup group;
    private final ScheduledExecutorService worker;
    private final Channel listener;
    private final LiveFeed feed;
    private final InetSocketAddress address;

    private AdminServer(EventLoopGroup group, ScheduledExecutorService worker, Channel listener, LiveFeed feed) {
        this.group = group;
        this.worker = worker;
        this.listener = listener;
        this.feed = feed;
        this.address = (InetSocketAddress) listener.localAddress();
    }

    /**
     * Binds {@code config.listen()} and serves. Fails with an {@link IllegalStateException} naming the address when
     * it cannot be bound.
     */
    public static AdminServer start(AdminConfig config, RegistrarView view, RegistrarMetrics metrics,
                                    AttemptHistory history) {
        var api = new AdminApi(view, metrics, history);
        var feed = new LiveFeed(view, metrics, history, api);
        var dashboard = Dashboard.load();
        ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
            var t = new Thread(r, "sipreg-admin-worker");
            t.setDaemon(true);
            return t;
        });
        var group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sipreg-admin", true),
                NioIoHandler.newFactory());
        var handler = new AdminHttpHandler(config, api, metrics, feed, dashboard, worker);
        Channel listener;
        try {
            listener = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY), handler);
                        }
                    })
                    .bind(config.listen()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            worker.shutdownNow();
            throw new IllegalStateException("cannot listen for admin HTTP on " + hostPort(config.listen()) + ": "
                    + e.getMessage(), e);
        }
        worker.scheduleWithFixedDelay(() -> {
            try {
                feed.tick();
            } catch (RuntimeException e) {
                log.warn("live feed tick failed: {}", e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
        var server = new AdminServer(group, worker, listener, feed);
        log.info("admin HTTP on {}{}", server.url(), config.requiresAuthentication()
                ? " (API and metrics need Authorization: Bearer)" : "");
        return server;
    }

    /** The bound address, with the real port when port 0 was asked for. */
    public InetSocketAddress address() {
        return address;
    }

    /**
     * {@code http://host:port} to reach the server from this machine: the bound address, or loopback of the same
     * family when bound to the wildcard.
     */
    public String url() {
        InetAddress host = address.getAddress();
        if (host.isAnyLocalAddress()) {
            host = host instanceof Inet6Address ? InetAddress.getLoopbackAddress() : loopbackV4();
        }
        return "http://" + hostPort(new InetSocketAddress(host, address.getPort()));
    }

    private static InetAddress loopbackV4() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        feed.close();
        worker.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
