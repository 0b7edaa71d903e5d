package io.sipreg.client;

import io.sipreg.transaction.TransactionTimers;
import io.sipreg.transport.Flow;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Keeps one account registered, as a phone does: registers, refreshes at half the granted expiry, re-registers
 * over a new flow when the old one fails (RFC 5626 §4.4.1), backs off after failures (§4.5) and stops for good
 * only on failures that need a person (403, a challenge loop). {@link #stop} unregisters.
 *
 * <p>Events are handled one at a time under the session's lock; the listener is called under it, so it must not
 * call back into the session.
 */
public final class RegistrationSession {
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
    }

    private final UserAgent agent;
    private final Account account;
    private final Supplier<RegistrarTarget> target;
    private final InetSocketAddress local;
    private final int expires;
    private final RetryBackoff backoff;
    private final Listener listener;
    private final CompletableFuture<RegistrationResult> gaveUp = new CompletableFuture<>();
    private Registration registration;
    private boolean flowUsable;
    private boolean exchanging;
    private boolean registered;
    private boolean stopped;
    private int consecutiveFailures;
    private TransactionTimers.Timer next;

    /**
     * @param target where the registrar is, asked again before every new flow (DNS may have changed); may throw
     *     {@link RegistrarNotFoundException}
     * @param local the local address to send from; port 0 for any
     */
    public RegistrationSession(UserAgent agent, Account account, Supplier<RegistrarTarget> target,
                               InetSocketAddress local, int expires, RetryBackoff backoff, Listener listener) {
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
                        exchanged(result != null ? result : openFailed(unwrap(error)));
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
        return agent.open(where, local, this::onFlowFailure).thenApply(flow -> {
            synchronized (this) {
                if (registration == null) {
                    registration = new Registration(agent, account, flow);
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
            return;
        }
        registered = false;
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

    /** RFC 5626 §4.4.1: a failed flow is replaced at once; failures to do so back off as usual. */
    private synchronized void onFlowFailure(Flow flow, Throwable cause) {
        if (stopped || registration == null || !flow.equals(registration.flow())) {
            return;
        }
        flowUsable = false;
        if (registered && !exchanging) {
            listener.flowFailed(flow, cause);
            registered = false;
            cancelNext();
            attempt();
        }
    }

    private RegistrationResult openFailed(Throwable error) {
        RegistrationOutcome outcome;
        String reason;
        if (error instanceof RegistrarNotFoundException) {
            outcome = RegistrationOutcome.DNS_FAILURE;
            reason = error.getMessage();
        } else if (error instanceof ConnectException) {
            outcome = RegistrationOutcome.PORT_UNREACHABLE;
            reason = "connection refused: " + error.getMessage();
        } else {
            outcome = RegistrationOutcome.TRANSPORT_ERROR;
            reason = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        }
        return new RegistrationResult(outcome, 0, reason, 0, -1, local, Optional.empty(), 0, Duration.ZERO);
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

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
