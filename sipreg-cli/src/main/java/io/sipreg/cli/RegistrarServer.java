package io.sipreg.cli;

import io.sipreg.admin.AdminConfig;
import io.sipreg.admin.AdminServer;
import io.sipreg.admin.AttemptHistory;
import io.sipreg.admin.RegistrarMetrics;
import io.sipreg.admin.RegistrarView;
import io.sipreg.registrar.BruteForceGuard;
import io.sipreg.registrar.Challenge;
import io.sipreg.registrar.RegistrarActivity;
import io.sipreg.registrar.KeepaliveMode;
import io.sipreg.registrar.KeepalivePolicy;
import io.sipreg.registrar.KeepaliveScheduler;
import io.sipreg.registrar.NonceService;
import io.sipreg.registrar.RateLimiter;
import io.sipreg.registrar.Refusal;
import io.sipreg.registrar.OverloadControl;
import io.sipreg.registrar.StoreException;
import io.sipreg.registrar.Registrar;
import io.sipreg.registrar.RegistrarConfig;
import io.sipreg.registrar.BlockStore;
import io.sipreg.registrar.MemoryBlockStore;
import io.sipreg.registrar.SecurityPolicy;
import io.sipreg.registrar.SourceFilter;
import io.sipreg.registrar.SqliteStore;
import io.sipreg.registrar.ClusterNode;
import io.sipreg.registrar.PostgresStore;
import io.sipreg.registrar.RegistrationStore;
import io.sipreg.registrar.StoreException;
import io.sipreg.transport.Transport;
import io.sipreg.registrar.User;
import io.sipreg.transaction.ClientTransactions;
import io.sipreg.transaction.ServerTransactions;
import io.sipreg.transaction.TransactionConfig;
import io.sipreg.transaction.TransactionTimers;
import io.sipreg.transport.BoundListener;
import io.sipreg.transport.Flow;
import io.sipreg.transport.ServerTls;
import io.sipreg.transport.SipTransport;
import io.sipreg.transport.TransportConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.HashSet;
import io.sipreg.message.SipResponse;
import io.sipreg.transaction.RequestHandler;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running registrar: store, transport, transactions and registrar wired together, and their shutdown. */
final class RegistrarServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RegistrarServer.class);

    private final RegistrationStore store;
    /** With a shared store: this node's lease and the hand-over of flows; null with the embedded store. */
    private final ClusterNode cluster;
    private final SipTransport transport;
    private final KeepaliveScheduler keepalives;
    private final ScheduledThreadPoolExecutor scheduler;
    private final List<BoundListener> listeners;
    private final Optional<Admin> admin;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread shutdownHook;
    private boolean closed;

    /** The running admin server, what it meters and where the CLI finds it. */
    private record Admin(AdminServer server, RegistrarMetrics metrics, AdminConfig config, AdminEndpoint endpoint,
                         java.nio.file.Path dataDirectory) {
        void close() {
            endpoint.remove(dataDirectory);
            server.close();
            metrics.close();
        }
    }

    private RegistrarServer(RegistrationStore store, ClusterNode cluster, SipTransport transport,
                            KeepaliveScheduler keepalives, ScheduledThreadPoolExecutor scheduler,
                            List<BoundListener> listeners, Optional<Admin> admin) {
        this.store = store;
        this.cluster = cluster;
        this.transport = transport;
        this.keepalives = keepalives;
        this.scheduler = scheduler;
        this.listeners = listeners;
        this.admin = admin;
        // SIGTERM and SIGINT: stop taking requests, let the store commit what it holds, and exit with status 0 (the
        // default JVM handling would exit 143). The hook covers every other way the JVM may be asked to stop.
        this.shutdownHook = new Thread(this::closeFromHook, "sipreg-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    log.info("stopping on SIG{}", name);
                    new Thread(this::shutdown, "sipreg-stop").start();
                });
            } catch (IllegalArgumentException e) {
                // The signal is not available here (or reserved by the JVM); the shutdown hook still runs.
            }
        }
    }

    static RegistrarServer start(ServeSettings settings) {
        return start(settings, OperationsSettings.DEFAULTS);
    }

    static RegistrarServer start(ServeSettings settings, OperationsSettings operations) {
        long startedAt = System.currentTimeMillis();
        ServeSettings.Overload overload = settings.overload();
        var store = settings.store().open(true, overload.storeQueue());
        try {
            String domain = chooseDomain(settings.domain(), store.list());
            KeepalivePolicy keepalive = settings.keepalive();
            // RFC 5626 §4.4.1: outbound clients send their CRLF or STUN keepalives at the pace we ping the others.
            var config = new RegistrarConfig(domain,
                    settings.challenge() == 407 ? Challenge.PROXY_407 : Challenge.WWW_401,
                    settings.minExpires(), settings.maxExpires(), settings.defaultExpires(),
                    settings.algorithms(), Duration.ofSeconds(settings.nonceLifetimeSeconds()),
                    (int) keepalive.interval().toSeconds())
                    .withMaxContacts(settings.security().maxContacts(), settings.security().maxContactsStatus());
            List<String> problems = config.validate();
            if (!problems.isEmpty()) {
                throw new UserError(String.join("; ", problems));
            }
            var scheduler = new ScheduledThreadPoolExecutor(1, r -> {
                var t = new Thread(r, "sipreg-timers");
                t.setDaemon(true);
                return t;
            });
            scheduler.setRemoveOnCancelPolicy(true);
            Clock clock = Clock.systemUTC();
            var nonces = NonceService.create(store.nonceSecret(), config.nonceLifetime(), clock);
            // The registrar must know the bound addresses (RFC 3261 §10.3 step 1), known only once bound; requests
            // that race the binding are answered 503 by the placeholder.
            var registrar = new AtomicReference<RequestHandler>((request, flow) ->
                    CompletableFuture.completedFuture(SipResponse.to(request, 503, "Service Unavailable")));
            ServeSettings.Limits limits = settings.limits();
            var transport = new SipTransport(TransportConfig.defaults()
                    .withParseLimits(limits.parseLimits())
                    .withTcpIdleTimeoutSeconds(limits.tcpIdleTimeoutSeconds())
                    .withMaxTcpConnections(limits.maxConnections())
                    .withUdpReceiveBufferBytes(overload.udpReceiveBufferBytes())
                    .withAbuseLimits(limits.partialMessageTimeoutSeconds(), limits.maxConnectionsPerAddress(),
                            overload.udpBurst(), overload.eventLoopQueue()));
            // Every live transaction holds its request's state and, over UDP, its response for Timer J: bounded so
            // that a flood is answered 503 (RFC 3261 §21.5.4) before the heap runs out.
            int maxTransactions = overload.transactionsFor(Runtime.getRuntime().maxMemory());
            var transactionConfig = TransactionConfig.defaults().withMaxTransactions(maxTransactions)
                    .withRetryAfterSeconds(overload.retryAfterSeconds());
            // With the admin server on, every request and response is counted and every REGISTER remembered.
            Optional<RegistrarMetrics> metrics = operations.admin().map(a -> new RegistrarMetrics());
            var history = new AttemptHistory();
            RequestHandler toRegistrar = (request, flow) -> registrar.get().handle(request, flow);
            RequestHandler metered = metrics.map(m -> m.meter(toRegistrar)).orElse(toRegistrar);
            // Transaction timers live on the event loops: every request arms one while the registrar works on it (and
            // keepalive OPTIONS their retransmissions); set and cancelled on the loop that handles the request they
            // cost no lock and wake no other thread.
            TransactionTimers timers = TransactionTimers.of(() -> transport.scheduler());
            var transactions = new ServerTransactions(transport,
                    new TransactionLog(metered), timers, transactionConfig);
            // Keepalive OPTIONS are client transactions; their answers come in through the server side's seam.
            var clientTransactions = new ClientTransactions(transport, timers, TransactionConfig.defaults(), domain);
            transactions.setResponseListener(clientTransactions);
            var keepalives = new KeepaliveScheduler(keepalive, store, clientTransactions::send, timers, clock,
                    new SplittableRandom(), domain);
            transactions.setFlowClosedListener(keepalives);
            Optional<ServerTls> tls;
            try {
                tls = settings.tls().map(t -> ServerTls.of(t.loaded()));
            } catch (IllegalArgumentException e) {
                throw new UserError(settings.tls().get().files().certificate() + ": " + e.getMessage());
            }
            // Floods and blocked guessers are turned away in front of the transactions (see SourceFilter).
            SecurityPolicy security = settings.security().policy();
            // A store that does not keep blocks (the shared one) leaves them to each node's memory.
            BlockStore blocks = store instanceof BlockStore kept ? kept : new MemoryBlockStore();
            var guard = new BruteForceGuard(security, blocks, clock);
            guard.sync();
            var limiter = new RateLimiter(security.rateLimit(), security.rateBurst(),
                    security.rateLimitAction() == Refusal.ANSWER ? "answered 503" : "dropped", System::nanoTime);
            var guarded = new AtomicReference<Registrar>();
            var filter = new SourceFilter(transactions, transport, limiter, security.rateLimitAction(),
                    retryAfter(security), (request, flow) -> {
                        Registrar r = guarded.get();
                        return r != null && r.dropsSilently(request, flow);
                    });
            List<BoundListener> bound;
            try {
                bound = transport.start(settings.listens(), filter, tls);
            } catch (RuntimeException e) {
                transport.close();
                throw new UserError(e.getMessage());
            }
            Set<InetSocketAddress> localAddresses = new HashSet<>();
            for (BoundListener l : bound) {
                localAddresses.add(l.address());
            }
            var registrarNow = new Registrar(config, store, store, nonces, clock, localAddresses);
            registrarNow.setBindingObserver(keepalives);
            if (metrics.isPresent()) {
                RegistrarActivity activity = RegistrarActivity.both(metrics.get(), history);
                registrarNow.setActivity(activity);
                keepalives.setActivity(activity);
                if (store instanceof SqliteStore embedded) {
                    RegistrarMetrics m = metrics.get();
                    embedded.setCommitListener(new SqliteStore.CommitListener() {
                        @Override
                        public void committed(int writes, long nanos) {
                            m.storeCommitted(writes, nanos);
                        }

                        @Override
                        public void flushed(long nanos) {
                            m.journalFlushed(nanos);
                        }
                    });
                }
            }
            registrarNow.setGuard(guard);
            guarded.set(registrarNow);
            if (store instanceof SqliteStore embedded) {
                registrarNow.setOverloadControl(new OverloadControl(embedded::pendingWrites,
                        embedded.maxPendingWrites(), overload.shedNewAt(), overload.retryAfterSeconds()));
            }
            registrar.set(registrarNow);
            // Bindings from before this start are kept alive too; a REGISTER racing this only reschedules its own.
            // With a shared store, only those whose flows this node holds: each binding's keepalives leave from one.
            ClusterNode cluster = null;
            if (store instanceof PostgresStore shared) {
                try {
                    cluster = ClusterNode.join(shared, settings.store().lease(), keepalives, udpListeners(bound),
                            clock);
                } catch (StoreException e) {
                    transport.close();
                    throw new UserError(e.getMessage());
                }
            } else {
                keepalives.start(store.all());
            }
            scheduleKeepaliveSummary(scheduler, keepalives, keepalive);
            // RFC 3261 §10.3: bindings past their expiry are gone; reads already hide them, this deletes them.
            scheduler.scheduleWithFixedDelay(() -> {
                try {
                    store.removeExpired(clock.instant());
                } catch (StoreException e) {
                    if (!e.isBusy()) {
                        log.warn("removing expired bindings failed: {}", e.getMessage());
                    }
                } catch (RuntimeException e) {
                    log.warn("removing expired bindings failed: {}", e.getMessage());
                }
            }, 1, 1, TimeUnit.SECONDS);
            // Blocks end on time, and one removed with `sipreg blocks remove` is lifted within a second.
            scheduler.scheduleWithFixedDelay(() -> {
                try {
                    guard.sync();
                    limiter.sweep();
                } catch (RuntimeException e) {
                    log.warn("updating blocks failed: {}", e.toString());
                }
            }, 1, 1, TimeUnit.SECONDS);
            scheduleSecuritySummary(scheduler, guard, limiter);
            log.info("serving domain {} with {} challenge, data in {}", domain, settings.challenge(),
                    settings.store().describe());
            if (tls.isPresent()) {
                TlsSettings files = settings.tls().get();
                log.info("tls: presenting {} from {}; the files are checked for changes every {} s",
                        tls.get().credentials().describe(), files.files().certificate(),
                        TlsSettings.RELOAD_CHECK.toSeconds());
                var reload = new CertificateReload(files.files(), tls.get(), files.loadedAt());
                scheduler.scheduleWithFixedDelay(reload, TlsSettings.RELOAD_CHECK.toMillis(),
                        TlsSettings.RELOAD_CHECK.toMillis(), TimeUnit.MILLISECONDS);
            }
            log.info("security: {}; {}; {}", describeBlocks(security), describeRateLimit(security),
                    config.maxContacts() == 0 ? "no contact limit"
                            : "at most " + config.maxContacts() + " contacts per AOR, beyond answered "
                            + config.maxContactsStatus());
            log.info("limits: {} TCP connections, {} per address, idle {} s, partial message {} s; overload: store "
                            + "queue {} (new registrations shed from {}), {} transactions, UDP burst {}, Retry-After {} s",
                    limits.maxConnections(), limits.maxConnectionsPerAddress(), limits.tcpIdleTimeoutSeconds(),
                    limits.partialMessageTimeoutSeconds(), overload.storeQueue(), overload.shedNewAt(), maxTransactions,
                    overload.udpBurst(), overload.retryAfterSeconds());
            log.info("keepalive {}: OPTIONS every {} s, a binding goes after {} unanswered; {} bindings pinged",
                    keepalive.mode().token(), keepalive.interval().toSeconds(), keepalive.failures(),
                    keepalives.pinged());
            Optional<Admin> admin = Optional.empty();
            if (metrics.isPresent()) {
                var view = new RegistrarView(domain, store, blocks, registrarNow, keepalives, transport, transactions::size,
                        startedAt);
                admin = Optional.of(startAdmin(operations.admin().get(), view, metrics.get(), history,
                        settings.dataDirectory(), () -> {
                            keepalives.close();
                            transport.close();
                            scheduler.shutdownNow();
                        }));
            }
            return new RegistrarServer(store, cluster, transport, keepalives, scheduler, bound, admin);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static Admin startAdmin(AdminConfig config, RegistrarView view, RegistrarMetrics metrics,
                                    AttemptHistory history, java.nio.file.Path dataDirectory, Runnable stopSip) {
        metrics.bind(view);
        AdminServer server;
        try {
            server = AdminServer.start(config, view, metrics, history);
        } catch (IllegalStateException e) {
            stopSip.run();
            metrics.close();
            throw new UserError(e.getMessage());
        }
        var endpoint = new AdminEndpoint(server.url(), config.token(), ProcessHandle.current().pid());
        try {
            endpoint.write(dataDirectory);
        } catch (java.io.IOException e) {
            log.warn("cannot write {}: {}; sipreg bindings and users need --admin-url", AdminEndpoint.file(dataDirectory),
                    e.toString());
        }
        return new Admin(server, metrics, config, endpoint, dataDirectory);
    }

    private static List<InetSocketAddress> udpListeners(List<BoundListener> bound) {
        var udp = new ArrayList<InetSocketAddress>();
        for (BoundListener l : bound) {
            if (l.transport() == Transport.UDP) {
                udp.add(l.address());
            }
        }
        return udp;
    }

    /**
     * Once a minute, when keepalives are on and something happened: how many bindings are pinged and how the OPTIONS
     * of the last minute fared, so an operator sees the NAT keepalives work without DEBUG logging.
     */
    private static void scheduleKeepaliveSummary(ScheduledThreadPoolExecutor scheduler, KeepaliveScheduler keepalives,
                                                 KeepalivePolicy policy) {
        if (policy.mode() == KeepaliveMode.OFF) {
            return;
        }
        var last = new AtomicReference<>(keepalives.counts());
        scheduler.scheduleWithFixedDelay(() -> {
            KeepaliveScheduler.Counts now = keepalives.counts();
            KeepaliveScheduler.Counts before = last.getAndSet(now);
            if (now.sent() != before.sent() || now.removed() != before.removed()) {
                log.info("keepalive: {} bindings pinged, {} on TCP connections; last minute {} OPTIONS sent, {} "
                                + "answered, {} unanswered, {} bindings removed", keepalives.pinged(),
                        keepalives.connectionBound(), now.sent() - before.sent(), now.answered() - before.answered(),
                        now.unanswered() - before.unanswered(), now.removed() - before.removed());
            }
        }, 60, 60, TimeUnit.SECONDS);
    }

    /** Retry-After for the rate limit's 503: about the time an emptied bucket takes to fill. */
    private static int retryAfter(SecurityPolicy policy) {
        return policy.rateLimit() == 0 ? 1
                : (int) Math.max(1, Math.min(60, Math.ceil((double) policy.rateBurst() / policy.rateLimit())));
    }

    private static String describeBlocks(SecurityPolicy p) {
        if (!p.countsFailures()) {
            return "no blocks";
        }
        return "blocks after " + (p.userFailures() == 0 ? "-" : p.userFailures()) + " failed authentications per"
                + " source and user, " + (p.sourceFailures() == 0 ? "-" : p.sourceFailures()) + " per source (half-life "
                + p.halfLife().toSeconds() + " s) for " + p.blockTime().toSeconds() + " to "
                + p.maxBlockTime().toSeconds() + " s, " + (p.action() == Refusal.DROP ? "dropped" : "answered 403");
    }

    private static String describeRateLimit(SecurityPolicy p) {
        return p.rateLimit() == 0 ? "no rate limit"
                : "rate limit " + p.rateLimit() + " requests/s per source (burst " + p.rateBurst() + "), excess "
                + (p.rateLimitAction() == Refusal.DROP ? "dropped" : "answered 503");
    }

    /** Once a minute, when something happened: failures counted, attempts refused, requests over the limit. */
    private static void scheduleSecuritySummary(ScheduledThreadPoolExecutor scheduler, BruteForceGuard guard,
                                                RateLimiter limiter) {
        var last = new AtomicReference<>(new long[] {0, 0, 0, 0});
        scheduler.scheduleWithFixedDelay(() -> {
            BruteForceGuard.Counts c = guard.counts();
            long[] now = {c.failures(), c.refused(), c.blocksStarted(), limiter.refused()};
            long[] before = last.getAndSet(now);
            if (!java.util.Arrays.equals(now, before)) {
                log.info("security: last minute {} failed authentications, {} blocks started, {} attempts refused by"
                                + " blocks, {} requests over the rate limit; {} blocks in force", now[0] - before[0],
                        now[2] - before[2], now[1] - before[1], now[3] - before[3], guard.active().size());
            }
        }, 60, 60, TimeUnit.SECONDS);
    }

    /** {@code --domain}, else the one domain the stored users have, else this host's name. */
    static String chooseDomain(String configured, List<User> users) {
        if (!configured.isBlank()) {
            return configured.strip().toLowerCase(Locale.ROOT);
        }
        var domains = new TreeSet<String>();
        for (User u : users) {
            domains.add(u.domain());
        }
        if (domains.size() == 1) {
            return domains.first();
        }
        if (domains.size() > 1) {
            throw new UserError("the store has users in several domains " + domains + "; choose one with --domain");
        }
        try {
            String host = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
            log.warn("no --domain and no users yet: serving domain {}", host);
            return host;
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * {@code listening udp 127.0.0.1:5060}, one per listener, for scripts that wait for readiness; then
     * {@code admin http://127.0.0.1:8080} when the admin server runs, and {@code admin token ...} when its token was
     * generated, since nobody else knows it.
     */
    List<String> listeningLines() {
        var lines = new ArrayList<String>();
        for (BoundListener l : listeners) {
            lines.add("listening " + l.transport().name().toLowerCase(Locale.ROOT) + " "
                    + Flow.hostPort(l.address()));
        }
        admin.ifPresent(a -> {
            lines.add("admin " + a.server().url());
            if (a.config().tokenGenerated()) {
                lines.add("admin token " + a.config().token());
            }
        });
        return lines;
    }

    void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    private void closeFromHook() {
        log.info("stopping");
        shutdown();
    }

    private synchronized void shutdown() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            admin.ifPresent(Admin::close);
            if (cluster != null) {
                cluster.close();
            }
            keepalives.close();
            transport.close();
        } finally {
            scheduler.shutdownNow();
            store.close();
            stopped.countDown();
        }
    }

    @Override
    public void close() {
        shutdown();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook is running or ran.
        }
    }
}
