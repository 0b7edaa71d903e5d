package io.sipreg.registrar;

import io.sipreg.message.SipParseException;
import io.sipreg.message.SipResponse;
import io.sipreg.message.SipUri;
import io.sipreg.transaction.FlowClosedListener;
import io.sipreg.transaction.TransactionTimers;
import io.sipreg.transport.Flow;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps NAT bindings reachable and drops dead ones. Every UDP binding the {@link KeepalivePolicy} covers gets an
 * OPTIONS every interval, sent over its flow, from the socket its REGISTER arrived on to the address it came from, so
 * the NAT binding stays open and the device shows it is alive (the seed's provider does it every 30 s). Any response,
 * even a 4xx or 5xx, counts as alive; a binding whose device leaves {@code failures} OPTIONS in a row unanswered is
 * removed from the {@link LocationStore} and the removal logged with its reason. A binding tied to a TCP connection
 * goes when the connection closes (RFC 5626 §5.3: no other way reaches a device behind NAT).
 *
 * <p>One priority queue of due times and one timer armed for the earliest serve every binding: no thread or task per
 * binding, O(log n) per keepalive; wake-ups fall on a 10 ms grid, so OPTIONS due close together leave in one batch. Due times are spread: bindings loaded at startup start at a random point of the
 * interval, and every OPTIONS gets a small jitter (±5 % of the interval) around a nominal time that advances by whole
 * intervals, so thousands of bindings never fire in the same millisecond and no binding's interval drifts.
 *
 * <p>Follows the registrar through {@link BindingObserver} (registered, refreshed, removed) and the transport through
 * {@link FlowClosedListener}. Thread-safe; the lock is held only to update the schedule, never while sending.
 */
public final class KeepaliveScheduler implements BindingObserver, FlowClosedListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeepaliveScheduler.class);
    private static final String UDP = "UDP";
    /**
     * Wake-ups are rounded up to this grid, so the OPTIONS due within one tick leave together: at 3,333 a second that
     * is some 33 per wake-up instead of one thread hand-off per OPTIONS, and still evenly spread over the interval.
     */
    static final long TICK_NANOS = 10_000_000;
    /**
     * Each OPTIONS is sent again once, half a second later (RFC 3261 T1), against a single lost datagram. RFC 3261
     * would go on until Timer F; the next keepalive is the real retry, and ten copies of every OPTIONS to a thousand
     * silent phones, or to a server too busy to read the answers in time, would be a flood of our own making.
     */
    static final int RETRANSMISSIONS = 1;

    private final KeepalivePolicy policy;
    private final LocationStore store;
    private final KeepaliveSender sender;
    private final TransactionTimers timers;
    private final Clock clock;
    private final RandomGenerator random;
    private final String domain;
    private final long intervalNanos;
    private final long jitterNanos;

    private final Object lock = new Object();
    private final Map<BindingKey, KeepaliveEntry> pinged = new HashMap<>();
    private final PriorityQueue<KeepaliveEntry.Due> queue = new PriorityQueue<>();
    /** Bindings tied to a live TCP connection, by the transport's connection id. */
    private final Map<Long, Set<BindingKey>> byConnection = new HashMap<>();
    private final Map<BindingKey, Long> connectionOf = new HashMap<>();
    private final Map<InetSocketAddress, InetSocketAddress> locals = new HashMap<>();
    private TransactionTimers.Timer wake;
    private long wakeAtNanos;
    private boolean closed;

    private final LongAdder sent = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final LongAdder unanswered = new LongAdder();
    private final LongAdder removed = new LongAdder();
    private volatile RegistrarActivity activity = RegistrarActivity.NONE;

    /**
     * @param sender sends each OPTIONS in a client transaction that waits at most the interval for an answer
     * @param timers wakes the schedule; its {@code nanoTime} is the schedule's clock
     * @param clock  decides when a binding has expired, as the store does
     * @param domain the registrar's domain, for From and Call-ID
     */
    public KeepaliveScheduler(KeepalivePolicy policy, LocationStore store, KeepaliveSender sender,
                              TransactionTimers timers, Clock clock, RandomGenerator random, String domain) {
        List<String> problems = policy.validate();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid keepalive policy: " + String.join("; ", problems));
        }
        this.policy = policy;
        this.store = Objects.requireNonNull(store, "store");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.timers = Objects.requireNonNull(timers, "timers");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.domain = Objects.requireNonNull(domain, "domain");
        this.intervalNanos = policy.interval().toNanos();
        this.jitterNanos = intervalNanos / 20;
    }

    /**
     * Schedules the bindings the store already holds, each first due at a random point of the first interval, so a
     * restart with 100,000 bindings does not send 100,000 OPTIONS at once. A binding tied to a TCP connection of the
     * previous run is removed: that connection ended when the server stopped.
     */
    public void start(List<Binding> existing) {
        schedule(existing, "the previous run");
    }

    /**
     * Bindings this node has taken over from {@code node}, a registrar node sharing the store that died: kept alive
     * from here on, over this node's own sockets, each first due at a random point of the first interval. A binding
     * tied to a TCP connection of that node is removed: the connection ended with it, and cannot move here.
     */
    public void adopt(List<Binding> bindings, String node) {
        schedule(bindings, "node " + node);
    }

    /**
     * Another node now holds this binding's flow (the device registered there) or removed it: stop pinging it here,
     * so that exactly one node sends its keepalives.
     */
    public void release(String aor, String contactUri) {
        synchronized (lock) {
            forget(new BindingKey(aor, contactUri));
        }
    }

    /**
     * Makes the schedule follow exactly {@code owned}, the bindings the store says are this node's: every other one
     * is forgotten, and those not yet followed are adopted. For a node that lost track (its lease had expired while
     * it stalled, or it missed notices while its store connection was down).
     */
    public void resync(List<Binding> owned) {
        var keep = new HashSet<BindingKey>();
        var fresh = new ArrayList<Binding>();
        synchronized (lock) {
            for (Binding b : owned) {
                BindingKey key = BindingKey.of(b);
                keep.add(key);
                // A TCP flow of this node that is not followed has closed already: nothing to adopt.
                if (!pinged.containsKey(key) && !connectionOf.containsKey(key) && !isFlowBound(b)) {
                    fresh.add(b);
                }
            }
            for (BindingKey key : new ArrayList<>(pinged.keySet())) {
                if (!keep.contains(key)) {
                    forget(key);
                }
            }
            for (BindingKey key : new ArrayList<>(connectionOf.keySet())) {
                if (!keep.contains(key)) {
                    forget(key);
                }
            }
        }
        schedule(fresh, "the store's last resync");
    }

    /** Whether this node now sends keepalives for the binding; for tests and metrics. */
    public boolean isPinging(String aor, String contactUri) {
        synchronized (lock) {
            return pinged.containsKey(new BindingKey(aor, contactUri));
        }
    }

    private void schedule(List<Binding> existing, String previousOwner) {
        var stale = new ArrayList<Binding>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            long now = timers.nanoTime();
            for (Binding b : existing) {
                if (isFlowBound(b)) {
                    stale.add(b);
                } else {
                    long first = now + random.nextLong(intervalNanos);
                    track(b, first, first);
                }
            }
            armNext(now);
        }
        for (Binding b : stale) {
            removeBinding(null, BindingKey.of(b), b.lastUpdated(),
                    ": its connection " + b.transport().toLowerCase(Locale.ROOT) + " " + b.source()
                            + " ended with " + previousOwner);
        }
    }

    /** The registrar committed a change: new and refreshed bindings are (re)scheduled, removed ones forgotten. */
    @Override
    public void committed(List<Binding> put, List<Binding> removedBindings) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            long now = timers.nanoTime();
            for (Binding b : removedBindings) {
                forget(BindingKey.of(b));
            }
            for (Binding b : put) {
                // A REGISTER refreshed the NAT binding just now: the next OPTIONS is due a whole interval later.
                long nominal = now + intervalNanos;
                track(b, nominal, nominal + jitter());
            }
            armNext(now);
        }
    }

    /** RFC 5626 §5.3: the device behind NAT is unreachable once its connection is gone, so its bindings go. */
    @Override
    public void onFlowClosed(Flow flow) {
        Set<BindingKey> keys;
        synchronized (lock) {
            keys = byConnection.remove(flow.connectionId());
            if (keys == null) {
                return;
            }
            for (BindingKey key : keys) {
                connectionOf.remove(key);
            }
        }
        for (BindingKey key : keys) {
            removeOnConnection(key, flow);
        }
    }

    /** Who hears of unanswered OPTIONS and of the bindings removed for them (the admin API's history). */
    public void setActivity(RegistrarActivity activity) {
        this.activity = Objects.requireNonNull(activity, "activity");
    }

    /**
     * How the keepalives of one binding fare: empty when it gets no OPTIONS (keepalives off or not behind NAT, or a
     * TCP binding, which lives as long as its connection).
     */
    public Optional<KeepaliveStatus> status(String aor, String contactUri) {
        synchronized (lock) {
            KeepaliveEntry entry = pinged.get(new BindingKey(aor, contactUri));
            return entry == null ? Optional.empty() : Optional.of(new KeepaliveStatus(entry.sent,
                    entry.lastSentAtMillis, entry.lastAnsweredAtMillis, entry.failures));
        }
    }

    /**
     * The keepalives of one binding.
     *
     * @param sent                 OPTIONS sent since the binding was first scheduled in this run
     * @param lastSentAtMillis     epoch milliseconds of the last one sent, 0 before the first
     * @param lastAnsweredAtMillis epoch milliseconds of the last answer, 0 when none came yet
     * @param failuresInRow        unanswered in a row now
     */
    public record KeepaliveStatus(int sent, long lastSentAtMillis, long lastAnsweredAtMillis, int failuresInRow) {
    }

    /** Bindings now getting OPTIONS. */
    public int pinged() {
        synchronized (lock) {
            return pinged.size();
        }
    }

    /** Bindings now tied to a live TCP connection. */
    public int connectionBound() {
        synchronized (lock) {
            return connectionOf.size();
        }
    }

    /** OPTIONS sent, answered, left unanswered, and bindings removed, since start. */
    public Counts counts() {
        return new Counts(sent.sum(), answered.sum(), unanswered.sum(), removed.sum());
    }

    /** A snapshot of the keepalive counters. */
    public record Counts(long sent, long answered, long unanswered, long removed) {
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (wake != null) {
                wake.cancel();
                wake = null;
            }
            queue.clear();
            pinged.clear();
        }
    }

    // ---- the schedule (called with the lock held) ----

    /** Schedules {@code b} afresh: its nominal time {@code nominalNanos}, its first OPTIONS at {@code dueNanos}. */
    private void track(Binding b, long nominalNanos, long dueNanos) {
        BindingKey key = BindingKey.of(b);
        Optional<Flow> flow = BindingFlow.of(b);
        if (flow.isEmpty()) {
            forget(key);
            return;
        }
        if (isFlowBound(b)) {
            bindToConnection(key, flow.get().connectionId());
        } else {
            unbindFromConnection(key);
        }
        if (!isPinged(b)) {
            dropEntry(key);
            return;
        }
        if (!isUri(b.contactUri())) {
            dropEntry(key);
            return;
        }
        KeepaliveEntry entry = pinged.computeIfAbsent(key, KeepaliveEntry::new);
        entry.flow = shareLocal(flow.get());
        entry.source = b.source();
        entry.lastUpdated = b.lastUpdated();
        entry.expiresAtMillis = b.expiresAt();
        // OPTIONS still in flight belong to the registration before this one: their outcome no longer counts.
        entry.lastAnswered = entry.sent;
        entry.failures = 0;
        entry.removing = false;
        entry.nominalNanos = nominalNanos;
        entry.generation++;
        queue.add(new KeepaliveEntry.Due(dueNanos, entry.generation, entry));
    }

    private static boolean isUri(String text) {
        try {
            SipUri.parse(text);
            return true;
        } catch (SipParseException e) {
            return false;
        }
    }

    /** One local socket address object per listener instead of one per binding. */
    private Flow shareLocal(Flow flow) {
        InetSocketAddress local = locals.computeIfAbsent(flow.local(), address -> address);
        return local == flow.local() ? flow
                : new Flow(flow.transport(), local, flow.remote(), flow.connectionId());
    }

    private boolean isPinged(Binding b) {
        return UDP.equals(b.transport())
                && (policy.mode() == KeepaliveMode.ALL || policy.mode() == KeepaliveMode.NAT && b.nat());
    }

    /** A TCP binding whose device can be reached only over its connection (or any, in mode all). */
    private boolean isFlowBound(Binding b) {
        return !UDP.equals(b.transport()) && policy.mode() != KeepaliveMode.OFF
                && (policy.mode() == KeepaliveMode.ALL || b.nat() || b.isOutbound());
    }

    private void bindToConnection(BindingKey key, long connectionId) {
        Long previous = connectionOf.put(key, connectionId);
        if (previous != null && previous != connectionId) {
            removeFromConnection(key, previous);
        }
        byConnection.computeIfAbsent(connectionId, id -> new HashSet<>(2)).add(key);
    }

    private void unbindFromConnection(BindingKey key) {
        Long previous = connectionOf.remove(key);
        if (previous != null) {
            removeFromConnection(key, previous);
        }
    }

    private void removeFromConnection(BindingKey key, long connectionId) {
        Set<BindingKey> keys = byConnection.get(connectionId);
        if (keys != null && keys.remove(key) && keys.isEmpty()) {
            byConnection.remove(connectionId);
        }
    }

    private void forget(BindingKey key) {
        dropEntry(key);
        unbindFromConnection(key);
    }

    private void dropEntry(BindingKey key) {
        KeepaliveEntry entry = pinged.remove(key);
        if (entry != null) {
            // Its queued wake-ups are skipped when they come up; removing them now would cost a linear search.
            entry.active = false;
        }
    }

    private long jitter() {
        return jitterNanos == 0 ? 0 : random.nextLong(-jitterNanos, jitterNanos + 1);
    }

    private void armNext(long now) {
        KeepaliveEntry.Due head = queue.peek();
        if (head == null || closed) {
            return;
        }
        long at = head.atNanos() + Math.floorMod(-head.atNanos(), TICK_NANOS);
        if (wake != null && wakeAtNanos <= at) {
            return;
        }
        if (wake != null) {
            wake.cancel();
        }
        wakeAtNanos = at;
        wake = timers.schedule(Duration.ofNanos(Math.max(0, at - now)), this::runDue);
    }

    // ---- sending ----

    /** Sends every OPTIONS that is due, schedules each binding's next one, and arms the timer for the earliest. */
    private void runDue() {
        var due = new ArrayList<KeepaliveEntry>();
        var seqs = new ArrayList<Integer>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            wake = null;
            long now = timers.nanoTime();
            long nowMillis = clock.millis();
            KeepaliveEntry.Due head;
            while ((head = queue.peek()) != null && head.atNanos() - now <= 0) {
                queue.poll();
                KeepaliveEntry entry = head.entry();
                if (!entry.active || head.generation() != entry.generation) {
                    continue;
                }
                if (nowMillis >= entry.expiresAtMillis) {
                    // Expired: the store's purge deletes it; nothing to keep alive.
                    dropEntry(entry.key);
                    continue;
                }
                entry.sent++;
                due.add(entry);
                seqs.add(entry.sent);
                entry.nominalNanos = nextNominal(entry.nominalNanos, now);
                queue.add(new KeepaliveEntry.Due(entry.nominalNanos + jitter(), entry.generation, entry));
            }
            armNext(now);
        }
        for (int i = 0; i < due.size(); i++) {
            send(due.get(i), seqs.get(i));
        }
    }

    /** The next whole interval after {@code nominal} that is still ahead; a late wake-up skips, never bursts. */
    private long nextNominal(long nominal, long now) {
        long next = nominal + intervalNanos;
        if (next - now <= 0) {
            long behind = now - next;
            next += (behind / intervalNanos + 1) * intervalNanos;
        }
        return next;
    }

    private void send(KeepaliveEntry entry, int seq) {
        Flow flow;
        synchronized (lock) {
            flow = entry.flow;
            entry.lastSentAtMillis = clock.millis();
        }
        sent.increment();
        try {
            sender.send(KeepaliveRequest.options(SipUri.parse(entry.key.contactUri()), entry.key.aor(), domain), flow,
                            policy.interval(), RETRANSMISSIONS)
                    .whenComplete((response, error) -> {
                        if (error == null) {
                            answered(entry, seq, response, flow);
                        } else {
                            unanswered(entry, seq, unwrap(error), flow);
                        }
                    });
        } catch (RuntimeException e) {
            unanswered(entry, seq, e, flow);
        }
    }

    /** Any final response, 2xx to 6xx, shows the device and its NAT binding are there. */
    private void answered(KeepaliveEntry entry, int seq, SipResponse response, Flow flow) {
        answered.increment();
        synchronized (lock) {
            entry.lastAnsweredAtMillis = clock.millis();
            if (seq > entry.lastAnswered) {
                entry.lastAnswered = seq;
                entry.failures = 0;
            }
        }
        log.debug("{} keepalive OPTIONS {} -> {} {}", flow, entry.key.contactUri(), response.status(),
                response.reason());
    }

    private void unanswered(KeepaliveEntry entry, int seq, Throwable error, Flow flow) {
        unanswered.increment();
        int failures;
        long lastUpdated;
        String source;
        boolean remove;
        synchronized (lock) {
            if (!entry.active || seq <= entry.lastAnswered) {
                return;
            }
            entry.failures++;
            failures = entry.failures;
            source = entry.source;
            remove = failures >= policy.failures() && !entry.removing;
            entry.removing |= remove;
            lastUpdated = entry.lastUpdated;
        }
        report(entry.key, flow, KeepaliveProbe.Kind.UNANSWERED, failures, "no answer");
        if (!remove) {
            log.debug("{} keepalive OPTIONS {} unanswered ({} in a row): {}", flow, entry.key.contactUri(),
                    failures, error.toString());
            return;
        }
        removeBinding(entry, entry.key, lastUpdated,
                " after " + failures + " unanswered OPTIONS from " + flow.transport().token() + " " + source);
    }

    /**
     * Deletes the binding, durably, unless a REGISTER refreshed it meanwhile: a refresh writes a new lastUpdated,
     * and the decision runs with the AOR's bindings locked (see {@link LocationStore#update}).
     */
    private void removeBinding(KeepaliveEntry entry, BindingKey key, long lastUpdated, String reason) {
        store.update(key.aor(), current -> {
            for (Binding b : current) {
                if (b.hasContactUri(key.contactUri()) && b.lastUpdated() == lastUpdated) {
                    return new BindingChange<>(List.of(), List.of(b), Boolean.TRUE);
                }
            }
            return BindingChange.none(Boolean.FALSE);
        }).whenComplete((done, error) -> {
            if (error != null) {
                log.warn("keepalive: could not remove {} contact {}{}: {}", key.aor(), key.contactUri(), reason,
                        unwrap(error).getMessage());
                if (entry != null) {
                    synchronized (lock) {
                        entry.removing = false;
                    }
                }
                return;
            }
            if (done) {
                removed.increment();
                log.info("keepalive: removed {} contact {}{}", key.aor(), key.contactUri(), reason);
                report(key, null, KeepaliveProbe.Kind.REMOVED, entry == null ? 0 : entry.failures,
                        "removed" + reason);
                synchronized (lock) {
                    if (entry == null || pinged.get(key) == entry) {
                        forget(key);
                    }
                }
            }
        });
    }

    private void removeOnConnection(BindingKey key, Flow flow) {
        store.update(key.aor(), current -> {
            for (Binding b : current) {
                if (b.hasContactUri(key.contactUri()) && b.connectionId() == flow.connectionId()
                        && !UDP.equals(b.transport())) {
                    return new BindingChange<>(List.of(), List.of(b), Boolean.TRUE);
                }
            }
            return BindingChange.none(Boolean.FALSE);
        }).whenComplete((done, error) -> {
            if (error != null) {
                log.warn("keepalive: could not remove {} contact {} after its connection {} closed: {}", key.aor(),
                        key.contactUri(), flow, unwrap(error).getMessage());
            } else if (done) {
                removed.increment();
                log.info("keepalive: removed {} contact {}: connection {} closed", key.aor(), key.contactUri(),
                        flow);
                report(key, flow, KeepaliveProbe.Kind.REMOVED, 0, "removed: connection closed");
            }
        });
    }

    private void report(BindingKey key, Flow flow, KeepaliveProbe.Kind kind, int failures, String detail) {
        RegistrarActivity listener = activity;
        if (listener == RegistrarActivity.NONE) {
            return;
        }
        try {
            listener.keepalive(new KeepaliveProbe(clock.millis(), key.aor(), key.contactUri(),
                    flow == null ? "" : flow.transport().token() + " " + Flow.hostPort(flow.remote()), kind, failures,
                    detail));
        } catch (RuntimeException e) {
            log.warn("activity listener failed: {}", e.toString(), e);
        }
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
