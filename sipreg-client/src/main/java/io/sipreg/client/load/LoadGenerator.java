package io.sipreg.client.load;

import io.sipreg.client.Registration;
import io.sipreg.client.RegistrationOutcome;
import io.sipreg.client.RegistrationResult;
import io.sipreg.client.RetryBackoff;
import io.sipreg.client.UserAgent;
import io.sipreg.transport.Flow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Registers many accounts at a steady rate and keeps them registered, each as a {@link Registration} of its
 * own (its Call-ID, CSeq and remembered challenge), the accounts spread over a few flows. Refreshes come at half
 * the granted expiry with the remembered credentials; failures are retried with the RFC 5626 back-off, except 403
 * and challenge loops. OPTIONS keepalives are answered by the user agent for all of them.
 */
public final class LoadGenerator {
    /** Pacing granularity: new registrations are started in batches this far apart. */
    private static final long TICK_MILLIS = 2;

    private final UserAgent agent;
    private final List<Flow> flows;
    private final AccountSource accounts;
    private final int expires;
    private final double rate;
    private final double rampSeconds;
    private final RetryBackoff backoff;
    private final LoadStatistics statistics = new LoadStatistics();
    private final Registration[] registrations;
    private final AtomicIntegerArray failuresInARow;
    /** 1 while the account's contact is bound: from its first 200 to a failed refresh. */
    private final AtomicIntegerArray bound;
    /** 1 while an exchange of the account is under way; a Registration does one at a time. */
    private final AtomicIntegerArray busy;
    private final AtomicInteger registered = new AtomicInteger();
    private final AtomicInteger gaveUp = new AtomicInteger();
    private final List<ScheduledFuture<?>> pacers = new ArrayList<>();
    private final int[] launchedPerFlow;
    private volatile boolean stopping;
    private long startNanos;

    /**
     * @param rate new registrations per second once ramped up
     * @param ramp how long the rate takes to grow from 0 to {@code rate}; zero starts at full rate
     */
    public LoadGenerator(UserAgent agent, List<Flow> flows, AccountSource accounts, int expires, double rate,
                         Duration ramp, RetryBackoff backoff) {
        this.agent = Objects.requireNonNull(agent, "agent");
        this.flows = List.copyOf(flows);
        this.accounts = Objects.requireNonNull(accounts, "accounts");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        if (this.flows.isEmpty()) {
            throw new IllegalArgumentException("no flows to send over");
        }
        if (!(rate > 0)) {
            throw new IllegalArgumentException("the rate must be > 0, was " + rate);
        }
        this.expires = expires;
        this.rate = rate;
        this.rampSeconds = Math.max(1e-9, ramp.toNanos() / 1e9);
        this.registrations = new Registration[accounts.size()];
        this.failuresInARow = new AtomicIntegerArray(accounts.size());
        this.launchedPerFlow = new int[this.flows.size()];
        this.bound = new AtomicIntegerArray(accounts.size());
        this.busy = new AtomicIntegerArray(accounts.size());
    }

    /**
     * Starts one pacer per flow, on the flow's own event loop, so that a new REGISTER is written by the thread
     * that owns the socket: no hand-off between threads per request.
     */
    public void start() {
        startNanos = System.nanoTime();
        for (int flow = 0; flow < flows.size(); flow++) {
            int f = flow;
            pacers.add(agent.executor(flows.get(f)).scheduleAtFixedRate(() -> pace(f), 0, TICK_MILLIS,
                    TimeUnit.MILLISECONDS));
        }
    }

    public LoadStatistics statistics() {
        return statistics;
    }

    /** Accounts whose last exchange left them registered. */
    public int registered() {
        return registered.get();
    }

    /** Accounts given up for good (403, challenge loop). */
    public int gaveUp() {
        return gaveUp.get();
    }

    /** Accounts whose first REGISTER has gone out. */
    public int launched() {
        int sum = 0;
        for (int flow = 0; flow < flows.size(); flow++) {
            synchronized (launchedPerFlow) {
                sum += launchedPerFlow[flow];
            }
        }
        return sum;
    }

    public int size() {
        return accounts.size();
    }

    /**
     * Starts the registrations of flow {@code f} due by now: accounts f, f + flows, f + 2 * flows, ... at
     * 1/flows of the rate. Runs on the flow's event loop only.
     */
    private void pace(int f) {
        int flowCount = flows.size();
        int accountsOfFlow = (accounts.size() - f + flowCount - 1) / flowCount;
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        int due = (int) Math.min(accountsOfFlow, Math.floor(startedBy(elapsed) / flowCount));
        int started;
        synchronized (launchedPerFlow) {
            started = launchedPerFlow[f];
        }
        while (!stopping && started < due) {
            int index = f + started * flowCount;
            registrations[index] = new Registration(agent, accounts.account(index), flows.get(f));
            started++;
            synchronized (launchedPerFlow) {
                launchedPerFlow[f] = started;
            }
            exchange(index);
        }
        if (started >= accountsOfFlow) {
            pacers.get(f).cancel(false);
        }
    }

    /**
     * Registrations due {@code seconds} into the run: the rate grows linearly from 0 during the ramp, then holds.
     * The ramp gives the JIT time to compile the hot path before the full rate arrives; without it a cold JVM
     * falls behind, its requests are retransmitted, and the retransmissions add to the load.
     */
    private double startedBy(double seconds) {
        if (seconds >= rampSeconds) {
            return rate * (seconds - rampSeconds / 2);
        }
        return rate * seconds * seconds / (2 * rampSeconds);
    }

    private void exchange(int index) {
        if (stopping || !busy.compareAndSet(index, 0, 1)) {
            return;
        }
        statistics.started();
        registrations[index].register(expires).whenComplete((result, error) -> {
            busy.set(index, 0);
            if (result != null) {
                finished(index, result);
            }
        });
    }

    private void finished(int index, RegistrationResult result) {
        statistics.finished(result);
        if (result.outcome() == RegistrationOutcome.REGISTERED) {
            failuresInARow.set(index, 0);
            if (bound.getAndSet(index, 1) == 0) {
                registered.incrementAndGet();
            }
            // Refresh at half the granted time (RFC 3261 leaves the margin to the UA).
            agent.timers().schedule(Duration.ofMillis(Math.max(1_000L, result.grantedExpires() * 500L)),
                    () -> exchange(index));
            return;
        }
        if (bound.getAndSet(index, 0) == 1) {
            registered.decrementAndGet();
        }
        if (!result.isRetryable()) {
            gaveUp.incrementAndGet();
            return;
        }
        int failures = failuresInARow.incrementAndGet(index);
        agent.timers().schedule(backoff.next(failures), () -> exchange(index));
    }

    /**
     * Stops starting and refreshing; with {@code unregister}, then removes every account's binding at the
     * configured rate, waiting up to {@code wait} for the answers.
     *
     * @return how many unregistrations were confirmed
     */
    public int stop(boolean unregister, Duration wait) throws InterruptedException {
        stopping = true;
        pacers.forEach(p -> p.cancel(false));
        if (!unregister) {
            return 0;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        int count = accounts.size();
        launched(); // synchronizes with the pacers, so every Registration they created is visible here
        // Exchanges under way end first (a Registration does one at a time), bounded by the wait.
        for (int i = 0; i < count; i++) {
            while (registrations[i] != null && busy.get(i) == 1 && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(1);
            }
        }
        var removals = new java.util.ArrayList<CompletableFuture<RegistrationResult>>();
        long intervalNanos = (long) (1e9 / rate);
        long next = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (registrations[i] == null || bound.get(i) == 0 || busy.get(i) == 1) {
                continue;
            }
            removals.add(registrations[i].unregister().toCompletableFuture());
            next += intervalNanos;
            long sleep = next - System.nanoTime();
            if (sleep > 1_000_000) {
                TimeUnit.NANOSECONDS.sleep(sleep);
            }
        }
        deadline = Math.max(deadline, System.nanoTime() + wait.toNanos() / 2);
        int confirmed = 0;
        for (CompletableFuture<RegistrationResult> removal : removals) {
            try {
                long left = Math.max(1, deadline - System.nanoTime());
                if (removal.get(left, TimeUnit.NANOSECONDS).outcome() == RegistrationOutcome.UNREGISTERED) {
                    confirmed++;
                }
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // Counted as not confirmed.
            }
        }
        return confirmed;
    }
}
