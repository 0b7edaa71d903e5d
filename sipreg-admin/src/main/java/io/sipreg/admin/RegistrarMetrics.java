package io.sipreg.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.registrar.BindingCount;
import io.sipreg.registrar.KeepaliveScheduler;
import io.sipreg.registrar.RegisterAttempt;
import io.sipreg.registrar.RegisterOutcome;
import io.sipreg.registrar.RegistrarActivity;
import io.sipreg.registrar.RegistrationStore;
import io.sipreg.transaction.RequestHandler;
import io.sipreg.transport.Flow;
import io.sipreg.transport.TransportCounters;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The registrar's Prometheus metrics (Micrometer). Counters on the request path are resolved once, at start or at the
 * first use of a status code, into arrays indexed by method, status and outcome: a request costs an array read and an
 * increment, never a lookup of tags. Everything else (bindings, keepalives, queues, the JVM) is read when scraped.
 */
public final class RegistrarMetrics implements RegistrarActivity, AutoCloseable {
    /** Methods get their own label; anything else is "other", so a scanner's made-up methods add no series. */
    private static final String[] METHODS = {"REGISTER", "OPTIONS", "other"};
    private static final int OTHER = 2;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter[] requests = new Counter[METHODS.length];
    /** [method][status - 100], created at the first response with that status. */
    private final Counter[][] responses = new Counter[METHODS.length][600];
    private final Counter[] outcomes = new Counter[RegisterOutcome.values().length];
    private final Counter[] authFailures = new Counter[RegisterOutcome.values().length];
    private final Timer storeCommit;
    private final Timer journalFlush;
    private final DistributionSummary storeBatch;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Object countLock = new Object();
    private BindingCount lastCount = new BindingCount(0, 0);
    private long countedAtNanos;
    private RegistrarView view;

    public RegistrarMetrics() {
        for (int m = 0; m < METHODS.length; m++) {
            requests[m] = Counter.builder("sipreg.sip.requests").tag("method", METHODS[m])
                    .description("SIP requests handed to the registrar (retransmissions absorbed)").register(registry);
        }
        for (RegisterOutcome o : RegisterOutcome.values()) {
            outcomes[o.ordinal()] = Counter.builder("sipreg.register.outcomes").tag("outcome", o.token())
                    .description("REGISTER requests by how they ended").register(registry);
            if (o.isAuthentication()) {
                authFailures[o.ordinal()] = Counter.builder("sipreg.auth.failures").tag("reason", o.token())
                        .description("REGISTER requests challenged or refused by digest authentication")
                        .register(registry);
            }
        }
        storeCommit = Timer.builder("sipreg.store.commit")
                .description("one group commit of the store's writer, fsync included with durability fsync")
                .register(registry);
        journalFlush = Timer.builder("sipreg.store.journal.flush")
                .description("one fdatasync of the bindings' journal beside the writer (durability write): what a "
                        + "power loss could take").register(registry);
        storeBatch = DistributionSummary.builder("sipreg.store.commit.writes")
                .description("changes made durable together in one commit").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** {@code next}, with every request and its final response counted. */
    public RequestHandler meter(RequestHandler next) {
        return (request, flow) -> handle(next, request, flow);
    }

    private CompletionStage<SipResponse> handle(RequestHandler next, SipRequest request, Flow flow) {
        int method = methodIndex(request.method());
        requests[method].increment();
        CompletionStage<SipResponse> stage = next.handle(request, flow);
        stage.whenComplete((response, error) -> response(method, response == null ? 500 : response.status())
                .increment());
        return stage;
    }

    private static int methodIndex(String method) {
        if (method.equals("REGISTER")) {
            return 0;
        }
        return method.equals("OPTIONS") ? 1 : OTHER;
    }

    private Counter response(int method, int status) {
        int index = Math.max(0, Math.min(599, status - 100));
        Counter counter = responses[method][index];
        if (counter == null) {
            // Two threads may both get here; the registry hands both the same counter.
            counter = Counter.builder("sipreg.sip.responses").tag("method", METHODS[method])
                    .tag("code", Integer.toString(index + 100)).description("final responses sent by the registrar")
                    .register(registry);
            responses[method][index] = counter;
        }
        return counter;
    }

    @Override
    public void attempted(RegisterAttempt attempt) {
        int o = attempt.outcome().ordinal();
        outcomes[o].increment();
        if (authFailures[o] != null) {
            authFailures[o].increment();
        }
    }

    /** For the embedded store's commit listener ({@code SqliteStore#setCommitListener}). */
    public void storeCommitted(int writes, long nanos) {
        storeCommit.record(nanos, TimeUnit.NANOSECONDS);
        storeBatch.record(writes);
    }

    /** For the embedded store's commit listener, with {@code durability = "write"}. */
    public void journalFlushed(long nanos) {
        journalFlush.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Adds the metrics read from the running registrar when scraped. */
    public void bind(RegistrarView view) {
        this.view = view;
        Gauge.builder("sipreg.bindings", this, m -> m.bindingCount().bindings())
                .description("unexpired bindings").register(registry);
        Gauge.builder("sipreg.bindings.nat", this, m -> m.bindingCount().nat())
                .description("unexpired bindings whose device is behind NAT").register(registry);
        KeepaliveScheduler keepalives = view.keepalives();
        keepaliveCounter("sipreg.keepalive.sent", keepalives, k -> k.counts().sent(), "keepalive OPTIONS sent");
        keepaliveCounter("sipreg.keepalive.answered", keepalives, k -> k.counts().answered(),
                "keepalive OPTIONS answered (any final response)");
        keepaliveCounter("sipreg.keepalive.unanswered", keepalives, k -> k.counts().unanswered(),
                "keepalive OPTIONS that timed out or could not be sent");
        keepaliveCounter("sipreg.keepalive.removed", keepalives, k -> k.counts().removed(),
                "bindings removed for unanswered keepalives or a closed connection");
        Gauge.builder("sipreg.keepalive.pinged", keepalives, KeepaliveScheduler::pinged)
                .description("bindings now getting keepalive OPTIONS").register(registry);
        RegistrationStore store = view.store();
        Gauge.builder("sipreg.store.queue", store, RegistrationStore::pendingWrites)
                .description("writes waiting for the store's writer thread").register(registry);
        Gauge.builder("sipreg.eventloop.pending.tasks", view.transport(), t -> t.pendingTasks())
                .description("tasks queued on the SIP event loops").register(registry);
        Gauge.builder("sipreg.transactions", view.transactions(), s -> s.getAsInt())
                .description("server transactions live (Trying or Completed)").register(registry);
        Gauge.builder("sipreg.tcp.connections", view.transport(), t -> t.counters().openConnections())
                .description("TCP connections open").register(registry);
        transportCounter("sipreg.transport.malformed", view, TransportCounters::malformed,
                "messages that failed to parse (answered 400 when they could be)");
        transportCounter("sipreg.transport.keepalives", view, TransportCounters::keepalives,
                "CRLF and STUN keepalives received (RFC 5626)");
        transportCounter("sipreg.transport.send.failures", view, TransportCounters::sendFailures, "failed sends");
        transportCounter("sipreg.transport.shed", view, TransportCounters::shed,
                "UDP datagrams dropped unparsed: their socket was far behind (overload.udp-burst)");
    }

    private void keepaliveCounter(String name, KeepaliveScheduler k, ToDoubleFunction<KeepaliveScheduler> f,
                                  String description) {
        FunctionCounter.builder(name, k, f).description(description).register(registry);
    }

    private void transportCounter(String name, RegistrarView view, ToDoubleFunction<TransportCounters> f,
                                  String description) {
        FunctionCounter.builder(name, view.transport(), t -> f.applyAsDouble(t.counters())).description(description)
                .register(registry);
    }

    /**
     * Binding counts at most 100 ms old: one scrape reads two gauges, which then cost one pass over memory, not two;
     * the next scrape or tick of the live feed, seconds later, counts afresh.
     */
    BindingCount bindingCount() {
        synchronized (countLock) {
            long now = System.nanoTime();
            if (view != null && (countedAtNanos == 0 || now - countedAtNanos >= 100_000_000L)) {
                lastCount = view.store().countBindings();
                countedAtNanos = now;
            }
            return lastCount;
        }
    }

    /** Cumulative REGISTER outcomes, for the live feed. */
    long outcomeCount(RegisterOutcome outcome) {
        return (long) outcomes[outcome.ordinal()].count();
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    /** The content type of {@link #scrape()}. */
    static String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
