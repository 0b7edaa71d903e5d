package io.sipreg.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.RejectedExecutionHandlers;
import java.util.concurrent.Executor;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.sipreg.message.Redaction;
import io.sipreg.message.SipParser;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UDP, TCP and TLS listeners for SIP (RFC 3261 §18, §26.2). Inbound messages go to an {@link InboundHandler} on the
 * event-loop threads; {@link #send} answers over the flow a message came in on. TLS is TCP's framing and connection
 * handling under a {@link io.netty.handler.ssl.SslHandler}. Thread-safe.
 *
 * <p>Lifecycle: construct, {@link #start} once, {@link #close} (idempotent) on shutdown.
 */
public final class SipTransport implements MessageSender, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SipTransport.class);

    /** Responses written from another thread are flushed together, at most this many writes apart. */
    private static final int FLUSH_AFTER_WRITES = 64;
    private static final byte[] DOUBLE_CRLF = {'\r', '\n', '\r', '\n'};
    /** Netty's default time an event loop spends on queued tasks between two rounds of I/O. */
    private static final long TASK_QUANTUM_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final TransportConfig config;
    private final NetworkStack stack;
    private final SipParser parser;
    private final Counters counters = new Counters();
    private final TcpConnections connections;
    /** UDP sockets by bound address; several per address with SO_REUSEPORT, one per event loop. */
    private final Map<InetSocketAddress, List<Channel>> udpSockets = new ConcurrentHashMap<>();
    private final List<Channel> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile EventLoopGroup group;
    private volatile InboundDispatcher dispatcher;
    private volatile SipDatagramDecoder datagramDecoder;

    public SipTransport(TransportConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.stack = NetworkStack.choose(config.nativeTransport());
        this.parser = new SipParser(config.limits(), SipParser.Mode.STRICT);
        this.connections = new TcpConnections(config.maxTcpConnections(), config.maxConnectionsPerAddress());
    }

    /**
     * Binds every address and starts delivering to {@code handler}. If any bind fails, what was bound is closed
     * again and an {@link IllegalStateException} names the address.
     *
     * @return the bound listeners, in the order given, with the real port where port 0 was asked for
     */
    public List<BoundListener> start(List<ListenAddress> listens, InboundHandler handler) {
        return start(listens, handler, Optional.empty());
    }

    /**
     * As {@link #start(List, InboundHandler)}, with the certificate that {@code tls:} listeners present; a
     * {@code tls:} listen address without it fails to start.
     */
    public List<BoundListener> start(List<ListenAddress> listens, InboundHandler handler, Optional<ServerTls> tls) {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(tls, "tls");
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("transport already started or closed");
        }
        group = boundedEventLoops(config);
        var dispatcher = new InboundDispatcher(handler, counters);
        var decoder = new SipDatagramDecoder(parser, counters, config.udpBurstShedding());
        this.dispatcher = dispatcher;
        this.datagramDecoder = decoder;
        var bound = new ArrayList<BoundListener>(listens.size());
        try {
            for (ListenAddress listen : listens) {
                InetSocketAddress address = listen.toSocketAddress();
                if (address.isUnresolved()) {
                    throw new IllegalStateException("cannot listen on " + listen + ": unknown host");
                }
                InetSocketAddress actual = switch (listen.transport()) {
                    case UDP -> bindUdp(address, decoder, dispatcher);
                    case TCP -> bindTcp(address, dispatcher, Optional.empty());
                    case TLS -> bindTcp(address, dispatcher, Optional.of(tls.orElseThrow(() ->
                            new IllegalStateException("cannot listen on " + listen + ": no TLS certificate"))));
                };
                bound.add(new BoundListener(listen.transport(), actual));
                log.info("listening on {} ({})", bound.get(bound.size() - 1), stack.name().toLowerCase(java.util.Locale.ROOT));
            }
        } catch (RuntimeException e) {
            close();
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException("cannot listen: " + e.getMessage(), e);
        }
        return List.copyOf(bound);
    }

    private InetSocketAddress bindUdp(InetSocketAddress address, SipDatagramDecoder decoder,
                                      InboundDispatcher dispatcher) {
        SocketProtocolFamily family = familyOf(address);
        int sockets = stack.supportsReusePort() ? config.udpSocketsPerListener() : 1;
        var bootstrap = datagramBootstrap(family, decoder, dispatcher);
        if (sockets > 1) {
            bootstrap.option(UnixChannelOption.SO_REUSEPORT, true);
        }
        if (family == SocketProtocolFamily.INET6 && stack.supportsV6Only()) {
            bootstrap.option(NetworkStack.IPV6_V6ONLY, 1);
        }
        var channels = new ArrayList<Channel>(sockets);
        Channel first = bind(bootstrap.bind(address), "udp", address);
        channels.add(first);
        InetSocketAddress actual = (InetSocketAddress) first.localAddress();
        listeners.add(first);
        for (int i = 1; i < sockets; i++) {
            Channel more = bind(bootstrap.bind(actual), "udp", actual);
            channels.add(more);
            listeners.add(more);
        }
        if (sockets > 1 && !DatagramSpreading.attach(first, sockets)) {
            log.info("udp {}: datagrams go to its {} sockets by a hash of their sender, not spread one by one",
                    Addresses.format(actual), sockets);
        }
        udpSockets.put(actual, List.copyOf(channels));
        return actual;
    }

    private InetSocketAddress bindTcp(InetSocketAddress address, InboundDispatcher dispatcher,
                                      Optional<ServerTls> tls) {
        SocketProtocolFamily family = familyOf(address);
        var bootstrap = new ServerBootstrap()
                .group(group)
                .channelFactory(() -> stack.serverChannel(family))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        initConnection(channel, dispatcher, tls);
                    }
                });
        if (family == SocketProtocolFamily.INET6 && stack.supportsV6Only()) {
            bootstrap.option(NetworkStack.IPV6_V6ONLY, 1);
        }
        Channel server = bind(bootstrap.bind(address), tls.isPresent() ? "tls" : "tcp", address);
        listeners.add(server);
        return (InetSocketAddress) server.localAddress();
    }

    private void initConnection(SocketChannel channel, InboundDispatcher dispatcher, Optional<ServerTls> tls) {
        Transport transport = tls.isPresent() ? Transport.TLS : Transport.TCP;
        long id = connections.admit(channel);
        if (id <= 0) {
            counters.connectionsRejected.increment();
            log.debug("{} {} rejected: {}", transport.token(), channel.remoteAddress(), id == TcpConnections.FULL
                    ? config.maxTcpConnections() + " connections open"
                    : config.maxConnectionsPerAddress() + " connections open from its address");
            channel.close();
            return;
        }
        var flow = new Flow(transport, channel.localAddress(), channel.remoteAddress(), id);
        log.debug("{} connected", flow);
        channel.closeFuture().addListener(f -> {
            log.debug("{} closed", flow);
            dispatcher.flowClosed(flow);
        });
        if (tls.isPresent()) {
            // RFC 3261 §26.2: the same SIP stream inside TLS; the handshake is bounded by the handler's 10 s timeout.
            channel.pipeline().addLast(tls.get().newHandler(channel.alloc()), new TlsHandshakeLog(flow, false));
        }
        channel.pipeline().addLast(connectionHandlers(config, parser, flow, counters, dispatcher));
    }

    /** The pipeline of one TCP connection; a method of its own so tests can build it on an EmbeddedChannel. */
    static ChannelHandler[] connectionHandlers(TransportConfig config, SipParser parser, Flow flow, Counters counters,
                                               InboundDispatcher dispatcher) {
        return new ChannelHandler[] {
            // No traffic either way for the timeout; CRLF keepalives (RFC 5626 §3.5.1) count as traffic.
            new IdleStateHandler(0, 0, config.tcpIdleTimeoutSeconds(), TimeUnit.SECONDS),
            new FlushConsolidationHandler(FLUSH_AFTER_WRITES, true),
            new SipStreamFramer(parser, flow, counters, false, config.partialMessageTimeoutSeconds()),
            dispatcher
        };
    }

    /**
     * The pipeline of a connection opened from this side: no idle timeout, since the device that opened the flow
     * keeps it alive itself (RFC 5626 §4.4.1), and a framer that takes a CRLF for the pong to its ping.
     */
    static ChannelHandler[] openedConnectionHandlers(SipParser parser, Flow flow, Counters counters,
                                                     InboundDispatcher dispatcher) {
        return new ChannelHandler[] {
            new FlushConsolidationHandler(FLUSH_AFTER_WRITES, true),
            new SipStreamFramer(parser, flow, counters, true),
            dispatcher
        };
    }

    /**
     * Opens a flow from this side, as a registering device does (RFC 5626 §4.2): over UDP a socket bound to
     * {@code local} (port 0 for any) and connected to {@code remote}, so the kernel reports an ICMP port
     * unreachable to {@link InboundHandler#onFlowError} and accepts datagrams only from the registrar; over TCP a
     * connection (TLS flows are opened with {@link #openTls}). Requests and responses arriving on the flow go to the
     * handler given to {@link #start}, which must have been called (with no listeners if the flows are all there
     * is).
     *
     * @return completes with the flow, whose local address is the one the kernel chose; fails with the
     *     connect error (e.g. {@link java.net.ConnectException} when nothing listens on a TCP port)
     */
    public CompletableFuture<Flow> open(Transport transport, InetSocketAddress local, InetSocketAddress remote) {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
        if (group == null || closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("transport not started or closed"));
        }
        if (remote.isUnresolved()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("unresolved address " + remote));
        }
        return switch (transport) {
            case UDP -> openUdp(local, remote);
            case TCP -> openTcp(local, remote);
            case TLS -> CompletableFuture.failedFuture(new IllegalArgumentException(
                    "a TLS flow needs the server name and trust: use openTls"));
        };
    }

    /**
     * Opens a TLS connection (RFC 3261 §26.3.1) to {@code remote} and completes once the handshake is done and the
     * server's certificate passed {@code tls}'s checks for {@code serverName}, the host the user asked for (RFC 5922
     * §4: the domain, not the address it resolved to).
     *
     * @return fails with {@link java.net.ConnectException} when nothing listens, with a {@link TlsHandshakeException}
     *     that says why when the handshake fails or the certificate is refused
     */
    public CompletableFuture<Flow> openTls(InetSocketAddress local, InetSocketAddress remote, String serverName,
                                           ClientTls tls) {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(serverName, "serverName");
        Objects.requireNonNull(tls, "tls");
        if (group == null || closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("transport not started or closed"));
        }
        if (remote.isUnresolved()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("unresolved address " + remote));
        }
        return openConnection(local, remote, Optional.of(new TlsPeer(serverName, tls)));
    }

    private record TlsPeer(String serverName, ClientTls tls) {
    }

    private CompletableFuture<Flow> openUdp(InetSocketAddress local, InetSocketAddress remote) {
        var result = new CompletableFuture<Flow>();
        var errors = new OutboundFlowErrors(dispatcher);
        var bootstrap = datagramBootstrap(familyOf(remote), datagramDecoder, errors, dispatcher);
        bootstrap.connect(remote, local).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
            }
            Channel channel = f.channel();
            InetSocketAddress bound = (InetSocketAddress) channel.localAddress();
            var flow = new Flow(Transport.UDP, bound, remote, 0);
            errors.flow = flow;
            udpSockets.put(bound, List.of(channel));
            listeners.add(channel);
            channel.closeFuture().addListener(c -> udpSockets.remove(bound));
            log.debug("{} opened", flow);
            result.complete(flow);
        });
        return result;
    }

    private CompletableFuture<Flow> openTcp(InetSocketAddress local, InetSocketAddress remote) {
        return openConnection(local, remote, Optional.empty());
    }

    private CompletableFuture<Flow> openConnection(InetSocketAddress local, InetSocketAddress remote,
                                                   Optional<TlsPeer> tls) {
        var result = new CompletableFuture<Flow>();
        var bootstrap = new Bootstrap()
                .group(group)
                .channelFactory(() -> stack.socketChannel(familyOf(remote)))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                // No reading until the handlers are in: the listener below may run after the connection is up (when
                // connect() completed before it was added), and bytes the other side sent first would have met an
                // empty pipeline and been dropped (a plain-text server's reply was lost to the TLS handshake).
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        // Handlers come once connected, when the flow (with its local port) is known.
                    }
                });
        bootstrap.connect(remote, local).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
            }
            SocketChannel channel = (SocketChannel) f.channel();
            long id = connections.admitOpened(channel);
            if (id <= 0) {
                channel.close();
                result.completeExceptionally(new IllegalStateException(
                        config.maxTcpConnections() + " connections already open"));
                return;
            }
            var flow = new Flow(tls.isPresent() ? Transport.TLS : Transport.TCP, channel.localAddress(),
                    channel.remoteAddress(), id);
            SslHandler ssl = tls.map(peer -> peer.tls().newHandler(channel.alloc(), peer.serverName(),
                    remote.getPort())).orElse(null);
            if (ssl != null) {
                channel.pipeline().addLast(ssl, new TlsHandshakeLog(flow, true));
            }
            channel.pipeline().addLast(openedConnectionHandlers(parser, flow, counters, dispatcher));
            channel.config().setAutoRead(true);
            if (ssl == null) {
                connected(channel, flow, result);
                return;
            }
            String serverName = tls.get().serverName();
            ssl.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    connected(channel, flow, result);
                } else {
                    // Not a flow yet: its end is the failed open, not a flow that closed.
                    channel.close();
                    result.completeExceptionally(ClientTls.explain(h.cause(), serverName));
                }
            });
        });
        return result;
    }

    /** From here on the connection is a flow: its end is reported to the handler. */
    private void connected(Channel channel, Flow flow, CompletableFuture<Flow> result) {
        channel.closeFuture().addListener(c -> {
            log.debug("{} closed", flow);
            dispatcher.flowClosed(flow);
        });
        log.debug("{} connected", flow);
        result.complete(flow);
    }

    /**
     * The event loops, each with a bounded task queue: a task handed over from another thread (mostly a response
     * completed on the store's writer thread) beyond {@link TransportConfig#maxPendingTasks()} is refused, so its write
     * fails and the client retransmits, instead of the queue growing without limit while the loop is busy reading.
     */
    private EventLoopGroup boundedEventLoops(TransportConfig config) {
        int maxPending = config.maxPendingTasks();
        return new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("sipreg-io"),
                stack.ioHandlerFactory()) {
            @Override
            protected IoEventLoop newChild(Executor executor, IoHandlerFactory ioHandlerFactory, Object... args) {
                return new SingleThreadIoEventLoop(this, executor, ioHandlerFactory, maxPending,
                        RejectedExecutionHandlers.reject(), TASK_QUANTUM_NANOS);
            }
        };
    }

    /**
     * The event loop the caller runs on, or else the next one. A task scheduled from the loop that will run it
     * takes no lock and wakes no other thread, which is what per-transaction timers (RFC 3261 §17 Timer E, F)
     * need at thousands of transactions a second. Call after {@link #start}.
     */
    public ScheduledExecutorService scheduler() {
        EventLoopGroup running = group;
        if (running == null) {
            throw new IllegalStateException("transport not started");
        }
        for (EventExecutor loop : running) {
            if (loop.inEventLoop()) {
                return loop;
            }
        }
        return running.next();
    }

    /** The event loop that serves {@code flow}'s socket or connection, where work for that flow costs least. */
    public ScheduledExecutorService scheduler(Flow flow) {
        Optional<Channel> channel = flow.transport() == Transport.UDP ? udpSocketFor(flow) : connections.find(flow);
        return channel.<ScheduledExecutorService>map(Channel::eventLoop).orElseGet(this::scheduler);
    }

    /**
     * Sends a keepalive over a flow opened here (RFC 5626 §4.4): a double CRLF over TCP, a STUN Binding request
     * over UDP. The answer comes to {@link InboundHandler#onKeepaliveAnswer}.
     */
    public CompletableFuture<Void> sendKeepalive(Flow flow) {
        return sendBytes(flow, flow.transport() == Transport.UDP ? StunBinding.bindingRequest() : DOUBLE_CRLF.clone());
    }

    /** Closes a flow opened by {@link #open}: its UDP socket or TCP connection. */
    public void close(Flow flow) {
        switch (flow.transport()) {
            case UDP -> {
                List<Channel> sockets = udpSockets.get(flow.local());
                if (sockets != null && sockets.size() == 1 && sockets.get(0).isActive()
                        && flow.remote().equals(sockets.get(0).remoteAddress())) {
                    listeners.remove(sockets.get(0));
                    sockets.get(0).close().awaitUninterruptibly();
                }
            }
            default -> connections.find(flow).ifPresent(c -> c.close().awaitUninterruptibly());
        }
    }

    /** A UDP socket's set-up, listening or opened from here: its buffers, reads, and the shared handlers. */
    private Bootstrap datagramBootstrap(SocketProtocolFamily family, ChannelHandler... handlers) {
        return new Bootstrap()
                .group(group)
                .channelFactory(() -> stack.datagramChannel(family))
                .option(ChannelOption.SO_RCVBUF, config.udpReceiveBufferBytes())
                .option(ChannelOption.RECVBUF_ALLOCATOR, boundedDatagramReads(config))
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel channel) {
                        channel.pipeline().addLast(new FlushConsolidationHandler(FLUSH_AFTER_WRITES, true));
                        channel.pipeline().addLast(handlers);
                    }
                });
    }

    /**
     * One datagram per read, at most {@link SipDatagramDecoder#READS_PER_WAKEUP} per wake-up of the loop. Epoll is
     * level-triggered in Netty 4.2, so what is left comes back at the loop's next turn, after the tasks queued
     * meanwhile (the 200 OKs the store's writer hands over, timers). Reading each socket until it was empty starved
     * them: with two busy sockets a loop could read for half a second while the 200 OKs it had to send waited, and
     * came out as retransmissions. The read does not stop at a datagram shorter than the buffer
     * (respectMaybeMoreData off): that would read one per wake-up. One byte over the limit lets the parser see an
     * oversized datagram.
     */
    private static FixedRecvByteBufAllocator boundedDatagramReads(TransportConfig config) {
        var allocator = new FixedRecvByteBufAllocator(Math.min(config.limits().maxMessageBytes() + 1, 65_536));
        allocator.respectMaybeMoreData(false);
        allocator.maxMessagesPerRead(SipDatagramDecoder.READS_PER_WAKEUP);
        return allocator;
    }

    private static Channel bind(ChannelFuture future, String transport, InetSocketAddress address) {
        future.awaitUninterruptibly();
        if (!future.isSuccess()) {
            throw new IllegalStateException("cannot listen on " + transport + ":" + Addresses.format(address) + ": "
                    + future.cause().getMessage(), future.cause());
        }
        return future.channel();
    }

    private static SocketProtocolFamily familyOf(InetSocketAddress address) {
        return address.getAddress() instanceof Inet6Address ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
    }

    /**
     * Sends over {@code flow}: UDP from the flow's local socket to its remote address (RFC 3261 §18.2.2 with RFC
     * 3581 §4: the source of the request); TCP over the flow's connection, or another open one between the same
     * addresses. Never throws for I/O trouble; the future fails instead ({@link FlowClosedException} when no
     * connection is left).
     */
    @Override
    public CompletableFuture<Void> sendBytes(Flow flow, byte[] wire) {
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(wire, "wire");
        if (closed.get()) {
            // The loops are gone: a promise of theirs would never tell its listeners, and the future never end.
            return failed(new FlowClosedException(flow, "transport closed"));
        }
        Channel channel;
        Object message;
        if (flow.transport() == Transport.UDP) {
            Optional<Channel> socket = udpSocketFor(flow);
            if (socket.isEmpty()) {
                return failed(new FlowClosedException(flow, "no UDP socket bound to the local address"));
            }
            channel = socket.get();
            // Wrapped, not copied here: the channel copies it once into a direct buffer on its own thread.
            message = new DatagramPacket(Unpooled.wrappedBuffer(wire), flow.remote());
        } else {
            // TCP, or TLS, whose SslHandler encrypts on the way out.
            Optional<Channel> connection = connections.find(flow);
            if (connection.isEmpty()) {
                return failed(new FlowClosedException(flow, "connection closed"));
            }
            channel = connection.get();
            if (!channel.isWritable()) {
                // The kernel's send buffer is full and more waits above the high-water mark: the peer does not
                // read its responses. Queueing them without end would hand memory to whoever stops reading.
                counters.slowReadersClosed.increment();
                log.debug("{} not reading its responses, closing", flow);
                channel.close();
                return failed(new FlowClosedException(flow, "peer does not read; connection closed"));
            }
            message = Unpooled.wrappedBuffer(wire);
        }
        if (log.isTraceEnabled()) {
            log.trace("{} sending:\n{}", flow, Redaction.of(wire));
        }
        var result = new CompletableFuture<Void>();
        ChannelPromise promise = channel.newPromise();
        promise.addListener(f -> {
            if (f.isSuccess()) {
                result.complete(null);
            } else {
                counters.sendFailures.increment();
                log.debug("{} send failed: {}", flow, f.cause().toString());
                result.completeExceptionally(f.cause());
            }
        });
        if (flow.transport() == Transport.UDP && !channel.eventLoop().inEventLoop()) {
            OffLoopWrites.of(channel).write(message, promise);
        } else {
            channel.writeAndFlush(message, promise);
        }
        return result;
    }

    /**
     * The UDP socket for the flow's local address. With several sockets on one address (SO_REUSEPORT) they are
     * the same socket address to the peer; prefer the one on the calling event loop, so a response written
     * while handling its request needs no hand-off between threads.
     */
    private Optional<Channel> udpSocketFor(Flow flow) {
        List<Channel> sockets = udpSockets.get(flow.local());
        if (sockets == null) {
            return Optional.empty();
        }
        if (sockets.size() == 1) {
            return Optional.of(sockets.get(0));
        }
        for (Channel socket : sockets) {
            if (socket.eventLoop().inEventLoop()) {
                return Optional.of(socket);
            }
        }
        return Optional.of(sockets.get(Math.floorMod(flow.remote().hashCode(), sockets.size())));
    }

    private CompletableFuture<Void> failed(Throwable cause) {
        counters.sendFailures.increment();
        return CompletableFuture.failedFuture(cause);
    }

    public TransportCounters counters() {
        return counters.snapshot(connections::size);
    }

    /**
     * Tasks queued on the event loops now (responses handed over from other threads, timers come due): a queue
     * depth for metrics. 0 before start.
     */
    public int pendingTasks() {
        EventLoopGroup running = group;
        if (running == null) {
            return 0;
        }
        int pending = 0;
        for (EventExecutor loop : running) {
            if (loop instanceof io.netty.util.concurrent.SingleThreadEventExecutor single) {
                pending += single.pendingTasks();
            }
        }
        return pending;
    }

    /** Stops listening and closes every connection; waits up to a few seconds for queued writes to go out. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Channel listener : listeners) {
            listener.close().awaitUninterruptibly();
        }
        EventLoopGroup running = group;
        if (running != null) {
            // The short quiet period lets responses already handed to the loops be written before channels close.
            running.shutdownGracefully(100, 3_000, TimeUnit.MILLISECONDS).awaitUninterruptibly();
        }
        log.debug("transport closed");
    }

    /** Turns errors on a connected UDP socket (ICMP port unreachable) into {@link InboundHandler#onFlowError}. */
    @ChannelHandler.Sharable
    private static final class OutboundFlowErrors extends ChannelInboundHandlerAdapter {
        private final InboundDispatcher dispatcher;
        volatile Flow flow;

        OutboundFlowErrors(InboundDispatcher dispatcher) {
            this.dispatcher = dispatcher;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Flow known = flow;
            if (known != null) {
                dispatcher.flowError(known, cause);
            } else {
                ctx.fireExceptionCaught(cause);
            }
        }
    }
}
