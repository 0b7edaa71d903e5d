package io.sipreg.transaction;

import io.sipreg.message.HeaderName;
import io.sipreg.message.Headers;
import io.sipreg.message.ParseResult;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.SipWriter;
import io.sipreg.transport.Flow;
import io.sipreg.transport.InboundHandler;
import io.sipreg.transport.MessageSender;
import io.sipreg.transport.Transport;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The non-INVITE server transactions (RFC 3261 §17.2.2) between the transport and the TU. The TU sees each
 * request once; retransmissions are absorbed while it works and answered with the very same bytes after. Every
 * response leaves over the flow its request came in on (§18.2.2 with RFC 3581 §4).
 *
 * <p>Install as the transport's {@link InboundHandler}. Thread-safe. Wiring:
 *
 * <pre>{@code
 * var scheduler = new ScheduledThreadPoolExecutor(1);
 * scheduler.setRemoveOnCancelPolicy(true);
 * var transport = new SipTransport(TransportConfig.defaults());
 * var transactions = new ServerTransactions(transport, registrar::handle, TransactionTimers.of(scheduler));
 * transport.start(List.of(ListenAddress.parse("udp:0.0.0.0:5060")), transactions);
 * }</pre>
 */
public final class ServerTransactions implements InboundHandler {
    private static final Logger log = LoggerFactory.getLogger(ServerTransactions.class);

    private final MessageSender sender;
    private final RequestHandler tu;
    private final TransactionTimers timers;
    private final TransactionConfig config;
    private final Duration timerJ;
    /** Transactions in Trying, and in Completed until their response has been sent. */
    private final ConcurrentHashMap<TransactionKey, ServerTransaction> table = new ConcurrentHashMap<>(4096);
    /** Exact count of {@link #table} for the bound; the map's size() is only an estimate under concurrent updates. */
    private final AtomicInteger live = new AtomicInteger();
    /** Completed over UDP, until Timer J. */
    private final CompletedTransactions completed;
    /** A release of expired Completed transactions is scheduled: when the load stops, their memory goes too. */
    private final AtomicBoolean releaseArmed = new AtomicBoolean();
    private volatile ResponseListener responseListener = ServerTransactions::dropResponse;
    private volatile FlowClosedListener flowClosedListener = flow -> { };

    public ServerTransactions(MessageSender sender, RequestHandler tu, TransactionTimers timers) {
        this(sender, tu, timers, TransactionConfig.defaults());
    }

    public ServerTransactions(MessageSender sender, RequestHandler tu, TransactionTimers timers,
                              TransactionConfig config) {
        this.sender = Objects.requireNonNull(sender, "sender");
        this.tu = Objects.requireNonNull(tu, "tu");
        this.timers = Objects.requireNonNull(timers, "timers");
        this.config = Objects.requireNonNull(config, "config");
        this.timerJ = config.timerJ();
        this.completed = new CompletedTransactions(config.maxCompletedBytes());
    }

    /** Where incoming responses go (client transactions); by default they are dropped. */
    public void setResponseListener(ResponseListener listener) {
        this.responseListener = Objects.requireNonNull(listener, "listener");
    }

    /** Who hears that a TCP/TLS flow closed (the registrar's keepalives); by default nobody. */
    public void setFlowClosedListener(FlowClosedListener listener) {
        this.flowClosedListener = Objects.requireNonNull(listener, "listener");
    }

    /** Transactions in Trying or Completed now. */
    public int size() {
        return live.get() + completed.size(timers.nanoTime());
    }

    @Override
    public void onRequest(SipRequest request, Flow flow) {
        if (request.method().equals("ACK")) {
            // §17: ACK belongs to INVITE transactions, which this layer does not serve; it is never answered.
            log.debug("{} {} ACK ignored", flow, request.callId());
            return;
        }
        TransactionKey key;
        try {
            key = TransactionKey.of(request);
        } catch (RuntimeException e) {
            log.debug("{} {} no transaction key, dropped: {}", flow, request.callId(), e.toString());
            return;
        }
        ServerTransaction existing = table.get(key);
        if (existing != null) {
            retransmitted(existing, flow);
            return;
        }
        long now = timers.nanoTime();
        // Over UDP a Completed transaction may be in the store of those (§17.2.2); other transports keep none.
        byte[] keyBytes = flow.transport() == Transport.UDP ? CompletedTransactions.keyBytes(key) : null;
        if (keyBytes != null) {
            Optional<byte[]> sent = completed.response(keyBytes, now);
            if (sent.isPresent()) {
                // §17.2.2: to where this copy came from: after a NAT rebinding that is where the client now listens.
                log.debug("{} {} retransmission, final response sent again", flow, request.callId());
                sendLogged(flow, request.callId(), sent.get());
                return;
            }
        }
        // The bound is on transactions still waiting for their answer, which are objects. Completed ones are bytes
        // within a room of their own that releases its oldest early when full: counted here they capped a storm
        // held for 30 s at maxTransactions / 32 s (19,000 registrations/s in a heap of 1,200 MB) with 503s while
        // the heap and the CPU had room to spare.
        if (live.incrementAndGet() > config.maxTransactions()) {
            live.decrementAndGet();
            rejectOverload(request, flow);
            return;
        }
        var tx = new ServerTransaction(key, flow, request.callId(), now);
        existing = table.putIfAbsent(key, tx);
        if (existing != null) {
            live.decrementAndGet();
            retransmitted(existing, flow);
            return;
        }
        CompletionStage<SipResponse> answer;
        try {
            answer = Objects.requireNonNull(tu.handle(request, flow), "RequestHandler returned no stage");
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((response, error) -> completed(tx, request, keyBytes, response, error));
        if (tx.state() == ServerTransaction.State.TRYING) {
            // The client gives up after Timer F (64*T1, §17.1.2.2); a TU still silent by then never will be
            // heard, and its transaction must not stay in the table for good.
            tx.arm(ServerTransaction.State.TRYING, timers.schedule(timerJ, () -> abandon(tx)));
        }
    }

    /** §17.2.2: absorbed in Trying; in Completed the stored final response is sent again. */
    private void retransmitted(ServerTransaction tx, Flow flow) {
        Optional<byte[]> wire = tx.retransmission();
        if (wire.isEmpty()) {
            log.debug("{} {} retransmission absorbed, TU still working", flow, tx.callId());
            return;
        }
        log.debug("{} {} retransmission, final response sent again", flow, tx.callId());
        // To where this copy came from: after a NAT rebinding that is where the client now listens (RFC 3581).
        sendLogged(flow, tx.callId(), wire.get());
    }

    private void completed(ServerTransaction tx, SipRequest request, byte[] keyBytes, SipResponse response,
                           Throwable error) {
        SipResponse answer = response;
        if (error != null || response == null || !response.isFinal()) {
            Throwable cause = unwrap(error);
            if (cause != null) {
                log.warn("{} {} TU failed, answering 500: {}", tx.flow(), tx.callId(), cause.toString(), cause);
            } else {
                log.warn("{} {} TU gave no final response ({}), answering 500", tx.flow(), tx.callId(),
                        response == null ? "none" : response.status());
            }
            answer = ToTag.ensure(SipResponse.to(request, 500, "Server Internal Error"));
        }
        byte[] wire;
        try {
            wire = SipWriter.write(answer);
        } catch (RuntimeException e) {
            log.warn("{} {} response {} cannot be written, answering 500", tx.flow(), tx.callId(), answer.status(), e);
            try {
                wire = SipWriter.write(ToTag.ensure(SipResponse.to(request, 500, "Server Internal Error")));
            } catch (RuntimeException again) {
                log.warn("{} {} no response possible", tx.flow(), tx.callId(), again);
                terminate(tx);
                return;
            }
        }
        if (!tx.complete(wire)) {
            log.debug("{} {} TU answered after the transaction ended; response dropped", tx.flow(), tx.callId());
            return;
        }
        log.debug("{} {} {} after {} us", tx.flow(), tx.callId(), answer.status(),
                (timers.nanoTime() - tx.startNanos()) / 1_000);
        // §17.2.2: Timer J is 64*T1 for unreliable transports, zero for reliable ones, which never retransmit.
        // §8.2.7: a challenge is answered statelessly. Keeping every 401 for Timer J would let a flood of
        // unauthenticated requests pile up state (§26.1.5), and at thousands of registrations a second it is half of
        // all retained responses; a retransmitted request simply gets a fresh challenge. A 503 for overload is not kept
        // either: state held for the requests we turn away would grow with the very load we shed.
        if (keyBytes != null && !isChallenge(answer) && answer.status() != 503) {
            // The transaction moves to the store of Completed ones once the send completes, on the socket's event
            // loop: most 200 OKs are answered from the store's writer thread, which must not wait on that lock.
            // Until then the table still answers a retransmission, from the transaction itself.
            byte[] sent = wire;
            sender.sendBytes(tx.flow(), wire).whenComplete((ok, sendError) -> {
                logSendFailure(tx.flow(), tx.callId(), sendError);
                keepUntilTimerJ(tx, keyBytes, sent);
            });
        } else {
            sendLogged(tx.flow(), tx.callId(), wire);
            terminate(tx);
        }
    }

    /** §17.2.2: Completed until Timer J, kept as bytes; added before it leaves the table, so no copy falls between. */
    private void keepUntilTimerJ(ServerTransaction tx, byte[] keyBytes, byte[] wire) {
        long now = timers.nanoTime();
        long droppedBefore = completed.droppedEarly();
        if (!completed.add(keyBytes, wire, now + timerJ.toNanos(), now)) {
            log.debug("{} {} response of {} bytes too large to keep for Timer J", tx.flow(), tx.callId(), wire.length);
        }
        long dropped = completed.droppedEarly();
        if (dropped / 10_000 > droppedBefore / 10_000 || droppedBefore == 0 && dropped > 0) {
            log.warn("{} completed transactions ended before Timer J: more than {} bytes of responses to keep",
                    dropped, config.maxCompletedBytes());
        }
        terminate(tx);
        if (releaseArmed.compareAndSet(false, true)) {
            timers.schedule(timerJ.dividedBy(4), this::releaseExpired);
        }
    }

    /** Adding and looking up release expired segments as they go; this does it when nothing else comes. */
    private void releaseExpired() {
        releaseArmed.set(false);
        if (completed.size(timers.nanoTime()) > 0 && releaseArmed.compareAndSet(false, true)) {
            timers.schedule(timerJ.dividedBy(4), this::releaseExpired);
        }
    }

    private static boolean isChallenge(SipResponse response) {
        return response.status() == 401 || response.status() == 407;
    }

    private void abandon(ServerTransaction tx) {
        if (tx.abandon()) {
            remove(tx);
            log.warn("{} {} TU did not answer within {} s; transaction dropped", tx.flow(), tx.callId(),
                    timerJ.toSeconds());
        }
    }

    private void terminate(ServerTransaction tx) {
        if (tx.terminate()) {
            remove(tx);
        }
    }

    private void remove(ServerTransaction tx) {
        if (table.remove(tx.key(), tx)) {
            live.decrementAndGet();
        }
    }

    /** Beyond the table's bound: a stateless 503 so the client backs off (RFC 3261 §21.5.4). */
    private void rejectOverload(SipRequest request, Flow flow) {
        log.debug("{} {} {} transactions live, answering 503", flow, request.callId(), config.maxTransactions());
        SipResponse busy = ToTag.ensure(SipResponse.to(request, 503, "Service Unavailable"))
                .with(HeaderName.RETRY_AFTER, Integer.toString(config.retryAfterSeconds()));
        sendLogged(flow, request.callId(), busy);
    }

    /**
     * RFC 3261 §21.4.1: a request with malformed syntax is answered 400, here with the violation as the reason
     * phrase, built per §8.2.6.2 from the headers that were read. That needs a Via to route it; anything else is
     * dropped, as is a malformed response or ACK, which are never answered.
     */
    @Override
    public void onMalformed(ParseResult.Failed failure, Flow flow) {
        Headers partial = failure.partialHeaders();
        String callId = partial.first(HeaderName.CALL_ID).orElse("-");
        if (!failure.isRequest() || !partial.contains(HeaderName.VIA)
                || failure.method().filter("ACK"::equals).isPresent()) {
            log.debug("{} {} malformed {} dropped: {}", flow, callId, failure.isRequest() ? "request" : "message",
                    failure.error().getMessage());
            return;
        }
        log.debug("{} {} malformed request answered 400: {}", flow, callId, failure.error().getMessage());
        SipResponse badRequest;
        try {
            badRequest = ToTag.ensure(SipResponse.forHeaders(partial, 400, failure.error().violation().reason()));
        } catch (RuntimeException e) {
            log.debug("{} {} cannot build a 400: {}", flow, callId, e.toString());
            return;
        }
        sendLogged(flow, callId, badRequest);
    }

    @Override
    public void onResponse(SipResponse response, Flow flow) {
        responseListener.onResponse(response, flow);
    }

    @Override
    public void onFlowClosed(Flow flow) {
        flowClosedListener.onFlowClosed(flow);
    }

    private void sendLogged(Flow flow, String callId, SipResponse response) {
        sender.send(flow, response).whenComplete((ok, error) -> logSendFailure(flow, callId, error));
    }

    private void sendLogged(Flow flow, String callId, byte[] wire) {
        sender.sendBytes(flow, wire).whenComplete((ok, error) -> logSendFailure(flow, callId, error));
    }

    private static void logSendFailure(Flow flow, String callId, Throwable error) {
        if (error != null) {
            log.debug("{} {} response not sent: {}", flow, callId, unwrap(error).toString());
        }
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private static void dropResponse(SipResponse response, Flow flow) {
        log.debug("{} {} response {} dropped: no client transactions", flow, response.callId(), response.status());
    }
}
