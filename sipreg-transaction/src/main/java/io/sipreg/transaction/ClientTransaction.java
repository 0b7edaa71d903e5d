package io.sipreg.transaction;

import io.sipreg.message.SipResponse;
import io.sipreg.transport.Flow;
import java.util.concurrent.CompletableFuture;

/**
 * One non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6): Trying until a provisional response moves it to
 * Proceeding, either of them until a final response or the timeout terminates it. Completed is not kept: its only
 * duty for a non-INVITE transaction is to swallow retransmissions of the final response, and a response that finds
 * no transaction is dropped just the same. Timer E (retransmit) and Timer F (give up) share one scheduled timer,
 * armed for whichever comes first. Called from event loops, the timer thread and the sender's thread, hence
 * synchronized; the stage is completed outside the lock.
 */
final class ClientTransaction {
    enum State { TRYING, PROCEEDING, TERMINATED }

    private static final TransactionTimers.Timer NO_TIMER = () -> { };

    private final ClientTransactionKey key;
    private final Flow flow;
    private final byte[] wire;
    private final String callId;
    private final long startNanos;
    private final long deadlineNanos;
    private final CompletableFuture<SipResponse> result = new CompletableFuture<>();
    private State state = State.TRYING;
    /** The current Timer E interval; 0 over a reliable transport, which never retransmits (§17.1.2.2), and once
     *  the caller's cap on retransmissions is reached. */
    private long retransmitNanos;
    private int retransmissionsLeft;
    private TransactionTimers.Timer timer = NO_TIMER;

    ClientTransaction(ClientTransactionKey key, Flow flow, byte[] wire, String callId, long startNanos,
                      long timeoutNanos, long t1Nanos, int maxRetransmissions) {
        this.key = key;
        this.flow = flow;
        this.wire = wire;
        this.callId = callId;
        this.startNanos = startNanos;
        this.deadlineNanos = startNanos + timeoutNanos;
        this.retransmissionsLeft = flow.transport().isStream() ? 0 : maxRetransmissions;
        this.retransmitNanos = retransmissionsLeft == 0 ? 0 : t1Nanos;
    }

    ClientTransactionKey key() {
        return key;
    }

    Flow flow() {
        return flow;
    }

    byte[] wire() {
        return wire;
    }

    String callId() {
        return callId;
    }

    long startNanos() {
        return startNanos;
    }

    CompletableFuture<SipResponse> result() {
        return result;
    }

    synchronized State state() {
        return state;
    }

    /** When the one timer should next fire: the next retransmission or the deadline, whichever is first. */
    synchronized long nextWakeNanos(long nowNanos) {
        return retransmitNanos == 0 ? deadlineNanos : Math.min(nowNanos + retransmitNanos, deadlineNanos);
    }

    synchronized boolean isPastDeadline(long nowNanos) {
        return nowNanos - deadlineNanos >= 0;
    }

    /**
     * §17.1.2.2 Timer E fired: whether to send the request again, and the next interval, which doubles up to T2 in
     * Trying and stays at T2 in Proceeding. False once terminated or when the cap is reached; the transaction then
     * only waits for its deadline.
     */
    synchronized boolean retransmit(long t2Nanos) {
        if (state == State.TERMINATED || retransmissionsLeft == 0) {
            return false;
        }
        retransmissionsLeft--;
        retransmitNanos = retransmissionsLeft == 0 ? 0
                : state == State.PROCEEDING ? t2Nanos : Math.min(2 * retransmitNanos, t2Nanos);
        return true;
    }

    /** Keeps {@code armed} unless the transaction has ended meanwhile. */
    synchronized void arm(TransactionTimers.Timer armed) {
        if (state == State.TERMINATED) {
            armed.cancel();
            return;
        }
        timer.cancel();
        timer = armed;
    }

    /** A 1xx: Trying → Proceeding (§17.1.2.2). */
    synchronized void proceeding() {
        if (state == State.TRYING) {
            state = State.PROCEEDING;
        }
    }

    /** → Terminated; false if it already was. The caller then completes {@link #result()}. */
    synchronized boolean terminate() {
        if (state == State.TERMINATED) {
            return false;
        }
        state = State.TERMINATED;
        timer.cancel();
        timer = NO_TIMER;
        return true;
    }
}
