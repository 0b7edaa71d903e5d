package io.sipreg.transaction;

import io.sipreg.message.HeaderName;
import io.sipreg.message.Headers;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.SipWriter;
import io.sipreg.transport.Flow;
import io.sipreg.transport.MessageSender;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Non-INVITE client transactions (RFC 3261 §17.1.2): send a request over a flow, retransmit it over UDP (Timer E:
 * T1, doubling up to T2), give up after Timer F (64*T1) or a shorter timeout of the caller's, and hand back the
 * final response. Responses are matched by top Via branch and CSeq method (§17.1.3), whatever flow they came in on.
 *
 * <p>The flow names the local socket to send from and the remote address to send to; it need not be one a request
 * arrived on, so a registration client can send to any address from a chosen UDP listener. Over TCP the flow's
 * connection must be open: opening outbound connections is not done yet, and such a send fails with
 * {@link io.sipreg.transport.FlowClosedException}.
 *
 * <p>Install as the {@link ServerTransactions}' {@link ResponseListener}. Thread-safe.
 */
public final class ClientTransactions implements ResponseListener {
    /** RFC 3261 §17.1.1.1: the longest Timer E interval for non-INVITE requests. */
    static final Duration T2 = Duration.ofSeconds(4);

    private static final Logger log = LoggerFactory.getLogger(ClientTransactions.class);
    private static final String MAGIC_COOKIE = "z9hG4bK";

    private final MessageSender sender;
    private final TransactionTimers timers;
    private final long t1Nanos;
    private final Duration timerF;
    private final String wildcardSentByHost;
    private final ConcurrentHashMap<ClientTransactionKey, ClientTransaction> table = new ConcurrentHashMap<>(4096);

    /**
     * @param wildcardSentByHost the host written in the Via sent-by when the flow's local socket is bound to a
     *     wildcard address ({@code 0.0.0.0}, {@code ::}), typically the served domain: a device answers to the
     *     address the request came from anyway (RFC 3261 §18.2.2 with the {@code received} it adds, §18.2.1)
     */
    public ClientTransactions(MessageSender sender, TransactionTimers timers, TransactionConfig config,
                              String wildcardSentByHost) {
        this.sender = Objects.requireNonNull(sender, "sender");
        this.timers = Objects.requireNonNull(timers, "timers");
        this.t1Nanos = config.t1().toNanos();
        this.timerF = config.t1().multipliedBy(64);
        this.wildcardSentByHost = Objects.requireNonNull(wildcardSentByHost, "wildcardSentByHost");
    }

    /** Transactions waiting for a final response now. */
    public int size() {
        return table.size();
    }

    /** RFC 3261 §17.1.2.2 Timer F, 64*T1: the longest a client transaction waits. */
    public Duration timerF() {
        return timerF;
    }

    /** {@link #send(SipRequest, Flow, Duration)} with Timer F as the timeout. */
    public CompletionStage<SipResponse> send(SipRequest request, Flow flow) {
        return send(request, flow, timerF);
    }

    /** {@link #send(SipRequest, Flow, Duration, int)} retransmitting as RFC 3261 has it, until the timeout. */
    public CompletionStage<SipResponse> send(SipRequest request, Flow flow, Duration timeout) {
        return send(request, flow, timeout, Integer.MAX_VALUE);
    }

    /**
     * Sends {@code request} over {@code flow}. A request without Via gets one naming the flow's local socket, with a
     * fresh branch and {@code rport} (RFC 3581 §3, so the answer comes back to the port it left from); a request that
     * has a top Via must carry an RFC 3261 branch, which then identifies the transaction.
     *
     * @param timeout how long to wait for a final response, at most Timer F; keepalives use their interval
     * @param maxRetransmissions how often Timer E may send it again over UDP. RFC 3261 retransmits until Timer F;
     *     a sender with its own retry, such as a keepalive whose next OPTIONS is the retry, caps it so that thousands
     *     of requests to dead or slow devices cannot multiply into a flood (unanswered, each would go out ten times
     *     within 30 s)
     * @return completes with the final response (any status); fails with {@link TimeoutException} when none came
     *     in time, with the transport's exception when the request could not be sent, and with
     *     {@link IllegalArgumentException} for a request that cannot start a transaction. Never throws.
     */
    public CompletionStage<SipResponse> send(SipRequest request, Flow flow, Duration timeout,
                                             int maxRetransmissions) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(timeout, "timeout");
        ClientTransaction tx;
        try {
            SipRequest withVia;
            ClientTransactionKey key;
            if (request.headers().contains(HeaderName.VIA)) {
                withVia = checkedVia(request);
                key = ClientTransactionKey.of(withVia);
            } else {
                String branch = newBranch();
                withVia = withVia(request, flow, branch);
                key = new ClientTransactionKey(branch, request.method());
            }
            long timeoutNanos = Math.max(1, Math.min(timeout.toNanos(), timerF.toNanos()));
            tx = new ClientTransaction(key, flow, SipWriter.write(withVia), request.callId(), timers.nanoTime(),
                    timeoutNanos, t1Nanos, Math.max(0, maxRetransmissions));
            if (table.putIfAbsent(key, tx) != null) {
                return CompletableFuture.failedFuture(
                        new IllegalArgumentException("branch " + key.branch() + " is already in use"));
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        sender.sendBytes(flow, tx.wire()).whenComplete((ok, error) -> {
            if (error != null) {
                // §17.1.4: a transport error ends the transaction at once, and the TU is told.
                finish(tx, null, unwrap(error));
            } else {
                // §17.1.2.2: Timer E counts from when the request left, not from when it was handed over; the
                // first send of a fresh process can take tens of milliseconds.
                arm(tx);
            }
        });
        return tx.result();
    }

    /** §17.1.3: the response belongs to the transaction whose branch and method it carries; others are dropped. */
    @Override
    public void onResponse(SipResponse response, Flow flow) {
        ClientTransaction tx;
        try {
            tx = table.get(ClientTransactionKey.of(response));
        } catch (RuntimeException e) {
            log.debug("{} {} response {} without a usable Via or CSeq dropped: {}", flow, response.callId(),
                    response.status(), e.toString());
            return;
        }
        if (tx == null) {
            log.debug("{} {} response {} matches no client transaction, dropped", flow, response.callId(),
                    response.status());
            return;
        }
        if (!response.isFinal()) {
            tx.proceeding();
            return;
        }
        finish(tx, response, null);
    }

    /**
     * §17.1.4: the transport reported that {@code flow} failed (a connection closed, an ICMP port unreachable):
     * every transaction waiting on it ends now with {@code cause} instead of retransmitting until Timer F.
     *
     * @return how many transactions ended
     */
    public int failFlow(Flow flow, Throwable cause) {
        int failed = 0;
        for (ClientTransaction tx : table.values()) {
            if (sameFlow(tx.flow(), flow)) {
                finish(tx, null, cause);
                failed++;
            }
        }
        return failed;
    }

    /** A UDP flow is its two addresses; a connection also has its id, 0 when the caller does not know it. */
    private static boolean sameFlow(Flow a, Flow b) {
        return a.transport() == b.transport() && a.local().equals(b.local()) && a.remote().equals(b.remote())
                && (a.connectionId() == b.connectionId() || a.connectionId() == 0 || b.connectionId() == 0);
    }

    /** A fresh branch: the magic cookie and 96 random bits, unique enough across space and time (§8.1.1.7). */
    public static String newBranch() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return MAGIC_COOKIE + Long.toHexString(random.nextLong() | Long.MIN_VALUE)
                + Integer.toHexString(random.nextInt() | Integer.MIN_VALUE);
    }

    private static SipRequest checkedVia(SipRequest request) {
        if (!request.topVia().hasRfc3261Branch()) {
            throw new IllegalArgumentException("the top Via of a request to send needs a z9hG4bK branch");
        }
        return request;
    }

    /** §8.1.1.7: the Via names the transport and where responses should go; §18.1.1: the sent-by is ours. */
    private SipRequest withVia(SipRequest request, Flow flow, String branch) {
        String via = "SIP/2.0/" + flow.transport().name() + " " + sentBy(flow.local()) + ";rport;branch=" + branch;
        return request.withHeaders(Headers.builder().add(HeaderName.VIA, via).addAll(request.headers()).build());
    }

    private String sentBy(InetSocketAddress local) {
        InetAddress ip = local.getAddress();
        if (ip == null || ip.isAnyLocalAddress()) {
            return wildcardSentByHost + ":" + local.getPort();
        }
        return Flow.hostPort(local);
    }

    private void arm(ClientTransaction tx) {
        long now = timers.nanoTime();
        long delay = Math.max(0, tx.nextWakeNanos(now) - now);
        tx.arm(timers.schedule(Duration.ofNanos(delay), () -> wake(tx)));
    }

    /** Timer F ends the wait; otherwise Timer E sends the request again over UDP and backs off (§17.1.2.2). */
    private void wake(ClientTransaction tx) {
        long now = timers.nanoTime();
        if (tx.isPastDeadline(now)) {
            finish(tx, null, new TimeoutException("no final response to " + tx.key().method() + " within "
                    + (now - tx.startNanos()) / 1_000_000 + " ms"));
            return;
        }
        if (tx.retransmit(T2.toNanos())) {
            log.debug("{} {} {} retransmitted", tx.flow(), tx.callId(), tx.key().method());
            sender.sendBytes(tx.flow(), tx.wire()).whenComplete((ok, error) -> {
                if (error != null) {
                    log.debug("{} {} retransmission not sent: {}", tx.flow(), tx.callId(),
                            unwrap(error).toString());
                }
            });
        }
        arm(tx);
    }

    private void finish(ClientTransaction tx, SipResponse response, Throwable error) {
        if (!tx.terminate()) {
            return;
        }
        table.remove(tx.key(), tx);
        if (error != null) {
            log.debug("{} {} {} failed: {}", tx.flow(), tx.callId(), tx.key().method(), error.toString());
            tx.result().completeExceptionally(error);
        } else {
            log.debug("{} {} {} -> {} after {} us", tx.flow(), tx.callId(), tx.key().method(), response.status(),
                    (timers.nanoTime() - tx.startNanos()) / 1_000);
            tx.result().complete(response);
        }
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
