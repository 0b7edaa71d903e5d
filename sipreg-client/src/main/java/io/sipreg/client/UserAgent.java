package io.sipreg.client;

import io.sipreg.message.HeaderName;
import io.sipreg.message.ParseResult;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.transaction.ClientTransactions;
import io.sipreg.transaction.ServerTransactions;
import io.sipreg.transaction.ToTag;
import io.sipreg.transaction.TransactionTimers;
import io.sipreg.transport.Flow;
import io.sipreg.transport.InboundHandler;
import io.sipreg.transport.MessageSender;
import io.sipreg.transport.SipTransport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device: a user agent (RFC 3261 §8) that opens flows to a registrar, sends requests over them as a UAC and
 * answers what the registrar sends as a UAS. OPTIONS is answered 200 on the flow it came in on (§11.2), which is
 * what keeps a NAT mapping open when the registrar uses OPTIONS as keepalive; other methods get 405.
 *
 * <p>Lifecycle: {@link #start}, then {@link #close}. Thread-safe.
 */
public final class UserAgent implements AutoCloseable {
    /** RFC 3261 §20.5: what this device accepts. */
    static final String ALLOW = "REGISTER, OPTIONS";

    private static final Logger log = LoggerFactory.getLogger(UserAgent.class);

    private final UserAgentConfig config;
    private final SipTransport transport;
    private final TransactionTimers timers;
    private final ClientTransactions clientTransactions;
    private final ServerTransactions serverTransactions;
    private final ConcurrentHashMap<Flow, BiConsumer<Flow, Throwable>> failureListeners = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Flow, Runnable> keepaliveListeners = new ConcurrentHashMap<>();
    private final LongAdder optionsAnswered = new LongAdder();
    /** Flows this side closed: their end is no failure and is not reported. */
    private final java.util.Set<Flow> closedHere = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    private UserAgent(UserAgentConfig config) {
        this.config = config;
        this.transport = new SipTransport(config.transportConfig());
        // Timers run on the event loops: a transaction's Timer E is set, cancelled and fired on the thread that
        // reads its responses, with no lock and no hand-off between threads.
        this.timers = TransactionTimers.of(() -> transport.scheduler());
        MessageSender sender = config.trace().enabled() ? new TracingSender(transport, config.trace()) : transport;
        this.clientTransactions = new ClientTransactions(sender, timers, config.transactionConfig(), "invalid");
        this.serverTransactions = new ServerTransactions(sender, this::answer, timers, config.transactionConfig());
        serverTransactions.setResponseListener(clientTransactions);
    }

    public static UserAgent start(UserAgentConfig config) {
        var agent = new UserAgent(Objects.requireNonNull(config, "config"));
        agent.transport.start(List.of(), agent.new Inbound());
        return agent;
    }

    /**
     * Opens a flow to the registrar (a connected UDP socket, a TCP connection, or a TLS connection whose server
     * certificate passed the configured checks) from {@code local}.
     * {@code onFailure} hears when the network reports the flow dead later: an ICMP port unreachable, a closed
     * connection. Transactions waiting on it have already failed with the same cause by then.
     */
    public CompletableFuture<Flow> open(RegistrarTarget target, InetSocketAddress local,
                                        BiConsumer<Flow, Throwable> onFailure) {
        CompletableFuture<Flow> opened = target.transport() == io.sipreg.transport.Transport.TLS
                ? transport.openTls(local, target.address(), target.serverName(), config.tls())
                : transport.open(target.transport(), local, target.address());
        return opened.thenApply(flow -> {
            failureListeners.put(flow, onFailure);
            return flow;
        });
    }

    /**
     * Sends an RFC 5626 keepalive over {@code flow} (a double CRLF over TCP, a STUN Binding request over UDP);
     * {@code onAnswer} runs when its answer comes.
     */
    public CompletableFuture<Void> sendKeepalive(Flow flow, Runnable onAnswer) {
        keepaliveListeners.put(flow, onAnswer);
        config.trace().keepaliveSent(flow);
        return transport.sendKeepalive(flow);
    }

    public void close(Flow flow) {
        failureListeners.remove(flow);
        keepaliveListeners.remove(flow);
        closedHere.add(flow);
        transport.close(flow);
        closedHere.remove(flow);
    }

    /** Sends {@code request} in a new client transaction (RFC 3261 §17.1.2); the Via is added here. */
    public CompletionStage<SipResponse> send(SipRequest request, Flow flow) {
        return clientTransactions.send(request, flow);
    }

    public TransactionTimers timers() {
        return timers;
    }

    public UserAgentConfig config() {
        return config;
    }

    /** OPTIONS requests answered 200 so far. */
    public long optionsAnswered() {
        return optionsAnswered.sum();
    }

    /** RFC 3261 §17.1.2.2 Timer F: how long a request waits for its final response. */
    public Duration timerF() {
        return clientTransactions.timerF();
    }

    /** The event loop serving {@code flow}: work scheduled there for the flow needs no hand-off. */
    public ScheduledExecutorService executor(Flow flow) {
        return transport.scheduler(flow);
    }

    @Override
    public void close() {
        closing = true;
        transport.close();
    }

    /** The UAS side (§8.2): OPTIONS gets 200 with what this device supports (§11.2), anything else 405. */
    private CompletionStage<SipResponse> answer(SipRequest request, Flow flow) {
        SipResponse response;
        if (request.method().equals("OPTIONS")) {
            optionsAnswered.increment();
            response = SipResponse.to(request, 200, "OK")
                    .with(HeaderName.ALLOW, ALLOW)
                    .with(HeaderName.ACCEPT, "application/sdp")
                    .with(HeaderName.USER_AGENT, config.userAgent());
        } else {
            // §8.2.1: a method this device does not support.
            response = SipResponse.to(request, 405, "Method Not Allowed").with(HeaderName.ALLOW, ALLOW);
        }
        // §8.2.6.2: the UAS adds a To tag when the request had none.
        return CompletableFuture.completedFuture(ToTag.ensure(response));
    }

    /** Everything inbound: traced, then to the server transactions (requests) or client transactions (responses). */
    private final class Inbound implements InboundHandler {
        @Override
        public void onRequest(SipRequest request, Flow flow) {
            config.trace().received(flow, request);
            serverTransactions.onRequest(request, flow);
        }

        @Override
        public void onResponse(SipResponse response, Flow flow) {
            config.trace().received(flow, response);
            clientTransactions.onResponse(response, flow);
        }

        @Override
        public void onMalformed(ParseResult.Failed failure, Flow flow) {
            log.debug("{} malformed message: {}", flow, failure.error().getMessage());
            serverTransactions.onMalformed(failure, flow);
        }

        @Override
        public void onKeepaliveAnswer(Flow flow) {
            config.trace().keepaliveAnswered(flow);
            Runnable listener = keepaliveListeners.get(flow);
            if (listener != null) {
                listener.run();
            }
        }

        @Override
        public void onFlowClosed(Flow flow) {
            failed(flow, new java.nio.channels.ClosedChannelException());
        }

        @Override
        public void onFlowError(Flow flow, Throwable cause) {
            failed(flow, cause);
        }

        private void failed(Flow flow, Throwable cause) {
            if (closing || closedHere.contains(flow)) {
                return;
            }
            config.trace().flowFailed(flow, cause);
            clientTransactions.failFlow(flow, cause);
            BiConsumer<Flow, Throwable> listener = failureListeners.get(flow);
            if (listener != null) {
                listener.accept(flow, cause);
            }
        }
    }

    /** Reports every send to the trace; retransmissions pass the same array again. */
    private record TracingSender(MessageSender delegate, MessageTrace trace) implements MessageSender {
        @Override
        public CompletableFuture<Void> sendBytes(Flow flow, byte[] wire) {
            trace.sent(flow, wire);
            return delegate.sendBytes(flow, wire);
        }
    }
}
