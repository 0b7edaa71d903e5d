package io.sipreg.transaction;

import io.sipreg.transport.Flow;
import java.util.Optional;

/**
 * One non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8). Trying until the TU answers, then Completed
 * holding the final response as sent until the send is done; over UDP the rest of its Completed state, until Timer J,
 * is spent as bytes in {@link CompletedTransactions}. Proceeding is never entered: sipreg sends no
 * provisional responses to non-INVITE requests. Its methods are called from event loops, the TU's thread and the
 * timer thread, hence synchronized; each holds the lock for a few field writes.
 */
final class ServerTransaction {
    enum State { TRYING, COMPLETED, TERMINATED }

    private static final byte[] NO_RESPONSE = new byte[0];
    private static final TransactionTimers.Timer NO_TIMER = () -> { };

    private final TransactionKey key;
    private final Flow flow;
    private final String callId;
    private final long startNanos;
    private State state = State.TRYING;
    private byte[] finalResponse = NO_RESPONSE;
    private TransactionTimers.Timer timer = NO_TIMER;

    ServerTransaction(TransactionKey key, Flow flow, String callId, long startNanos) {
        this.key = key;
        this.flow = flow;
        this.callId = callId;
        this.startNanos = startNanos;
    }

    TransactionKey key() {
        return key;
    }

    Flow flow() {
        return flow;
    }

    String callId() {
        return callId;
    }

    long startNanos() {
        return startNanos;
    }

    synchronized State state() {
        return state;
    }

    /** Trying → Completed with {@code wire} as the response; false if the transaction already left Trying. */
    synchronized boolean complete(byte[] wire) {
        if (state != State.TRYING) {
            return false;
        }
        state = State.COMPLETED;
        finalResponse = wire;
        timer.cancel();
        timer = NO_TIMER;
        return true;
    }

    /**
     * The bytes to send again for a retransmitted request (§17.2.2): the final response once there is one, in
     * Completed and also after Terminated. A copy that found this transaction in the table just before it left
     * for the store of Completed ones is answered, not absorbed; in Trying, nothing.
     */
    synchronized Optional<byte[]> retransmission() {
        return finalResponse == NO_RESPONSE ? Optional.empty() : Optional.of(finalResponse);
    }

    /** Keeps {@code armed} only while the transaction is still in {@code expected}; cancels it otherwise. */
    synchronized void arm(State expected, TransactionTimers.Timer armed) {
        if (state != expected) {
            armed.cancel();
            return;
        }
        timer.cancel();
        timer = armed;
    }

    /** → Terminated from any state; false if it already was. The final response stays for a late copy. */
    synchronized boolean terminate() {
        if (state == State.TERMINATED) {
            return false;
        }
        state = State.TERMINATED;
        timer.cancel();
        timer = NO_TIMER;
        return true;
    }

    /** Trying → Terminated, for a TU that never answered; false in any other state. */
    synchronized boolean abandon() {
        return state == State.TRYING && terminate();
    }
}
