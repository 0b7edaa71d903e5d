package io.sipreg.cli;

import io.sipreg.registrar.Challenge;
import io.sipreg.registrar.KeepaliveMode;
import io.sipreg.registrar.KeepalivePolicy;
import io.sipreg.registrar.KeepaliveScheduler;
import io.sipreg.registrar.NonceService;
import io.sipreg.registrar.OverloadControl;
import io.sipreg.registrar.StoreException;
import io.sipreg.registrar.Registrar;
import io.sipreg.registrar.RegistrarConfig;
import io.sipreg.registrar.SqliteStore;
import io.sipreg.registrar.User;
import io.sipreg.transaction.ClientTransactions;
import io.sipreg.transaction.ServerTransactions;
import io.sipreg.transaction.TransactionConfig;
import io.sipreg.transaction.TransactionTimers;
import io.sipreg.transport.BoundListener;
import io.sipreg.transport.Flow;
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

    private final SqliteStore store;
    private final SipTransport transport;
    private final KeepaliveScheduler keepalives;
    private final ScheduledThreadPoolExecutor scheduler;
    private final List<BoundListener> listeners;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread shutdownHook;
    private boolean closed;

    private RegistrarServer(SqliteStore store, SipTransport transport, KeepaliveScheduler keepalives,
                            ScheduledThreadPoolExecutor scheduler, List<BoundListener> listeners) {
        this.store = store;
        this.transport = transport;
        this.keepalives = keepalives;
        this.scheduler = scheduler;
        this.listeners = listeners;
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
        ServeSettings.Overload overload = settings.overload();
        var store = SqliteStore.open(settings.dataDirectory(), Clock.systemUTC(), overload.storeQueue());
        try {
            String domain = chooseDomain(settings.domain(), store.list());
            KeepalivePolicy keepalive = settings.keepalive();
            // RFC 5626 §4.4.1: outbound clients send their CRLF or STUN keepalives at the pace we ping the others.
            var config = new RegistrarConfig(domain,
                    settings.challenge() == 407 ? Challenge.PROXY_407 : Challenge.WWW_401,
                    settings.minExpires(), settings.maxExpires(), settings.defaultExpires(),
                    settings.algorithms(), Duration.ofSeconds(settings.nonceLifetimeSeconds()),
                    (int) keepalive.interval().toSeconds());
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
                    .withAbuseLimits(limits.partialMessageTimeoutSeconds(), limits.maxConnectionsPerAddress(),
                            overload.udpBurst(), overload.eventLoopQueue()));
            // Every live transaction holds its request's state and, over UDP, its response for Timer J: bounded so
            // that a flood is answered 503 (RFC 3261 §21.5.4) before the heap runs out.
            int maxTransactions = overload.transactionsFor(Runtime.getRuntime().maxMemory());
            var transactionConfig = TransactionConfig.defaults().withMaxTransactions(maxTransactions)
                    .withRetryAfterSeconds(overload.retryAfterSeconds());
            // Transaction timers live on the event loops: each 401 and 200 over UDP keeps its transaction for Timer J
            // (32 s), so at thousands of registrations a second hundreds of thousands are pending; set and cancelled
            // on the loop that handles the request they cost no lock and wake no other thread.
            TransactionTimers timers = TransactionTimers.of(() -> transport.scheduler());
            var transactions = new ServerTransactions(transport,
                    new TransactionLog((request, flow) -> registrar.get().handle(request, flow)), timers,
                    transactionConfig);
            // Keepalive OPTIONS are client transactions; their answers come in through the server side's seam.
            var clientTransactions = new ClientTransactions(transport, timers, TransactionConfig.defaults(), domain);
            transactions.setResponseListener(clientTransactions);
            var keepalives = new KeepaliveScheduler(keepalive, store, clientTransactions::send, timers, clock,
                    new SplittableRandom(), domain);
            transactions.setFlowClosedListener(keepalives);
            List<BoundListener> bound;
            try {
                bound = transport.start(settings.listens(), transactions);
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
            registrarNow.setOverloadControl(new OverloadControl(store::pendingWrites, store.maxPendingWrites(),
                    overload.shedNewAt(), overload.retryAfterSeconds()));
            registrar.set(registrarNow);
            // Bindings from before this start are kept alive too; a REGISTER racing this only reschedules its own.
            keepalives.start(store.all());
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
            log.info("serving domain {} with {} challenge, data in {}", domain, settings.challenge(),
                    store.file());
            log.info("limits: {} TCP connections, {} per address, idle {} s, partial message {} s; overload: store "
                            + "queue {} (new registrations shed from {}), {} transactions, UDP burst {}, Retry-After {} s",
                    limits.maxConnections(), limits.maxConnectionsPerAddress(), limits.tcpIdleTimeoutSeconds(),
                    limits.partialMessageTimeoutSeconds(), overload.storeQueue(), overload.shedNewAt(), maxTransactions,
                    overload.udpBurst(), overload.retryAfterSeconds());
            log.info("keepalive {}: OPTIONS every {} s, a binding goes after {} unanswered; {} bindings pinged",
                    keepalive.mode().token(), keepalive.interval().toSeconds(), keepalive.failures(),
                    keepalives.pinged());
            return new RegistrarServer(store, transport, keepalives, scheduler, bound);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
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

    /** {@code listening udp 127.0.0.1:5060}, one per listener, for scripts that wait for readiness. */
    List<String> listeningLines() {
        var lines = new ArrayList<String>();
        for (BoundListener l : listeners) {
            lines.add("listening " + l.transport().name().toLowerCase(Locale.ROOT) + " "
                    + Flow.hostPort(l.address()));
        }
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
