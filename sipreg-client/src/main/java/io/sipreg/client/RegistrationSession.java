package io.sipreg.client;

import io.sipreg.transaction.TransactionTimers;
import io.sipreg.transport.Flow;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Keeps one account registered, as a phone does: registers, refreshes at half the granted expiry, re-registers
 * over a new flow when the old one fails (RFC 5626 §4.4.1), backs off after failures (§4.5) and stops for good
 * only on failures that need a person (403, a challenge loop). {@link #stop} unregisters.
 *
 * <p>Events are handled one at a time under the session's lock; the listener is called under it, so it must not
 * call back into the session.
 */
public final class RegistrationSession {
    /** RFC 5626 §4.4.1: how long a keepalive may go unanswered before the flow counts as failed. */
    static final Duration PONG_TIMEOUT = Duration.ofSeconds(10);

    /** What the session did, for a ladder or a log. */
    public interface Listener {
        /** One REGISTER exchange ended. */
        void exchanged(RegistrationResult result);

        /** After a failure: the next attempt comes in {@code wait}. */
        default void retrying(Duration wait, int consecutiveFailures) {
        }

        /** The flow to the registrar failed while registered; a new one is being opened. */
        default void flowFailed(Flow flow, Throwable cause) {
        }

        /** RFC 5626 outbound is in effect: keepalives go out about every {@code interval}. */
        default void keepingAlive(Flow flow, Duration interval) {
        }
    }

    private final UserAgent agent;
    private final Account account;
    private final Supplier<RegistrarTarget> target;
    private final InetSocketAddress local;
    private final int expires;
    private final RetryBackoff backoff;
    private final Listener listener;
    private final String instanceId;
    private final RandomGenerator random = RandomGenerator.getDefault();
    private final CompletableFuture<RegistrationResult> gaveUp = new CompletableFuture<>();
    private Registration registration;
    private boolean flowUsable;
    private boolean exchanging;
    private boolean registered;
    private boolean stopped;
    private int consecutiveFailures;
    private TransactionTimers.Timer next;
    /** Where the last flow was opened to, for the result when opening it fails. */
    private RegistrarTarget lastTarget;
    private TransactionTimers.Timer keepalive;
    private TransactionTimers.Timer pongDeadline;

    /**
     * @param target where the registrar is, asked again before every new flow (DNS may have changed); may throw
     *     {@link RegistrarNotFoundException}
     * @param local the local address to send from; port 0 for any
     */
    public RegistrationSession(UserAgent agent, Account account, Supplier<RegistrarTarget> target,
                               InetSocketAddress local, int expires, RetryBackoff backoff, Listener listener) {
        this(agent, account, target, local, expires, backoff, listener, null);
    }

    /**
     * @param instanceId the device's RFC 5626 instance id ({@code urn:uuid:...}) to register with outbound; null
     *     for a plain registration
     */
    public RegistrationSession(UserAgent agent, Account account, Supplier<RegistrarTarget> target,
                               InetSocketAddress local, int expires, RetryBackoff backoff, Listener listener,
                               String instanceId) {
        this.instanceId = instanceId;
        this.agent = Objects.requireNonNull(agent, "agent");
        this.account = Objects.requireNonNull(account, "account");
        this.target = Objects.requireNonNull(target, "target");
        this.local = Objects.requireNonNull(local, "local");
        this.expires = expires;
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Starts registering; the returned stage completes only if the session gives up (403, challenge loop). */
    public synchronized CompletionStage<RegistrationResult> start() {
        attempt();
        return gaveUp;
    }

    /** Whether the last exchange left the contact bound. */
    public synchronized boolean isRegistered() {
        return registered;
    }

    /**
     * Stops refreshing and, when registered, unregisters (§10.2.2, Expires 0), waiting up to {@code wait}.
     *
     * @return the unregistration's result, or empty when there was nothing to remove
     */
    public Optional<RegistrationResult> stop(Duration wait) {
        Registration current;
        synchronized (this) {
            stopped = true;
            cancelNext();
            cancelKeepalive();
            current = registered && flowUsable ? registration : null;
            registered = false;
        }
        if (current == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(current.unregister().toCompletableFuture()
                    .get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return Optional.empty();
        }
    }

    private void attempt() {
        if (stopped || exchanging) {
            return;
        }
        exchanging = true;
        flow().thenCompose(flow -> registration.register(expires))
                .whenComplete((result, error) -> {
                    synchronized (this) {
                        exchanging = false;
                        exchanged(result != null ? result
                                : RegistrationResult.flowNotOpened(Registration.unwrap(error), lastTarget,
                                        local));
                    }
                });
    }

    /** The current flow, or a new one to wherever the registrar is now. */
    private CompletionStage<Flow> flow() {
        if (registration != null && flowUsable) {
            return CompletableFuture.completedFuture(registration.flow());
        }
        if (registration != null) {
            agent.close(registration.flow());
        }
        RegistrarTarget where;
        try {
            where = target.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        lastTarget = where;
        return agent.open(where, local, this::onFlowFailure).thenApply(flow -> {
            synchronized (this) {
                if (registration == null) {
                    registration = new Registration(agent, account, flow, instanceId);
                } else {
                    registration.useFlow(flow);
                }
                flowUsable = true;
                return flow;
            }
        });
    }

    private void exchanged(RegistrationResult result) {
        if (stopped) {
            return;
        }
        listener.exchanged(result);
        if (result.outcome() == RegistrationOutcome.REGISTERED) {
            registered = true;
            consecutiveFailures = 0;
            // Refresh at half the granted time, leaving the other half for retransmissions and a retry.
            schedule(Duration.ofMillis(Math.max(1_000L, result.grantedExpires() * 500L)));
            if (result.outbound()) {
                Duration interval = keepaliveInterval(result.flowTimerSeconds());
                listener.keepingAlive(registration.flow(), interval);
                scheduleKeepalive(interval);
            }
            return;
        }
        registered = false;
        cancelKeepalive();
        if (!result.isRetryable()) {
            stopped = true;
            gaveUp.complete(result);
            return;
        }
        if (result.outcome() == RegistrationOutcome.TRANSPORT_ERROR
                || result.outcome() == RegistrationOutcome.PORT_UNREACHABLE) {
            flowUsable = false;
        }
        consecutiveFailures++;
        Duration wait = backoff.next(consecutiveFailures);
        listener.retrying(wait, consecutiveFailures);
        schedule(wait);
    }

    /**
     * RFC 5626 §4.4.1: with a Flow-Timer, a random time between 80 and 100 % of it; without one, 95-120 s on a
     * connection and 24-29 s over UDP, where NAT mappings are shorter lived.
     */
    private Duration keepaliveInterval(int flowTimerSeconds) {
        double seconds;
        if (flowTimerSeconds > 0) {
            seconds = flowTimerSeconds * (0.8 + 0.2 * random.nextDouble());
        } else if (registration.flow().transport().isStream()) {
            seconds = 95 + 25 * random.nextDouble();
        } else {
            seconds = 24 + 5 * random.nextDouble();
        }
        return Duration.ofMillis((long) (seconds * 1000));
    }

    private void scheduleKeepalive(Duration interval) {
        cancelKeepalive();
        keepalive = agent.timers().schedule(interval, () -> ping(interval));
    }

    /** One keepalive; RFC 5626 §4.4.1: no answer within 10 s and the flow has failed. */
    private synchronized void ping(Duration interval) {
        keepalive = null;
        if (stopped || !registered || !flowUsable) {
            return;
        }
        Flow flow = registration.flow();
        pongDeadline = agent.timers().schedule(PONG_TIMEOUT, () -> onFlowFailure(flow,
                new java.util.concurrent.TimeoutException("no answer to the keepalive within "
                        + PONG_TIMEOUT.toSeconds() + " s")));
        agent.sendKeepalive(flow, () -> pong(flow, interval));
    }

    private synchronized void pong(Flow flow, Duration interval) {
        if (pongDeadline == null || registration == null || !flow.equals(registration.flow())) {
            return;
        }
        pongDeadline.cancel();
        pongDeadline = null;
        scheduleKeepalive(interval);
    }

    private void cancelKeepalive() {
        if (keepalive != null) {
            keepalive.cancel();
            keepalive = null;
        }
        if (pongDeadline != null) {
            pongDeadline.cancel();
            pongDeadline = null;
        }
    }

    /** RFC 5626 §4.4.1: a failed flow is replaced at once; failures to do so back off as usual. */
    private synchronized void onFlowFailure(Flow flow, Throwable cause) {
        if (stopped || registration == null || !flow.equals(registration.flow())) {
            return;
        }
        cancelKeepalive();
        flowUsable = false;
        if (registered && !exchanging) {
            listener.flowFailed(flow, cause);
            registered = false;
            cancelNext();
            attempt();
        }
    }

    private void schedule(Duration delay) {
        cancelNext();
        next = agent.timers().schedule(delay, () -> {
            synchronized (this) {
                next = null;
                attempt();
            }
        });
    }

    private void cancelNext() {
        if (next != null) {
            next.cancel();
            next = null;
        }
    }
}
