package io.sipreg.registrar;

import io.sipreg.message.HeaderName;
import io.sipreg.message.ParseResult;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.transaction.ToTag;
import io.sipreg.transport.Flow;
import io.sipreg.transport.InboundHandler;
import io.sipreg.transport.MessageSender;
import java.util.Objects;
import java.util.function.BiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits between the transport and the server transactions, so what it refuses costs no transaction state, no nonce
 * and no digest: requests (of any method, and malformed ones) from a source over its {@link RateLimiter} are
 * answered 503 with Retry-After without state (RFC 3261 §21.5.4; a malformed one is dropped), or dropped; and with
 * {@link Refusal#DROP} for blocks, a REGISTER a block refuses is dropped. Responses, which answer our own
 * keepalives, always pass. Requests are counted after parsing, as one datagram is one request.
 */
public final class SourceFilter implements InboundHandler {
    private static final Logger log = LoggerFactory.getLogger(SourceFilter.class);

    private final InboundHandler next;
    private final MessageSender sender;
    private final RateLimiter limiter;
    private final Refusal overLimit;
    private final int retryAfterSeconds;
    private final BiPredicate<SipRequest, Flow> dropped;

    /**
     * @param dropped asked for each request within the limit: true drops it unanswered (a block with
     *                {@link Refusal#DROP}, see {@link Registrar#dropsSilently})
     */
    public SourceFilter(InboundHandler next, MessageSender sender, RateLimiter limiter, Refusal overLimit,
                        int retryAfterSeconds, BiPredicate<SipRequest, Flow> dropped) {
        this.next = Objects.requireNonNull(next, "next");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.overLimit = Objects.requireNonNull(overLimit, "overLimit");
        this.retryAfterSeconds = retryAfterSeconds;
        this.dropped = Objects.requireNonNull(dropped, "dropped");
    }

    @Override
    public void onRequest(SipRequest request, Flow flow) {
        if (!limiter.tryAcquire(flow.remote().getAddress())) {
            if (overLimit == Refusal.ANSWER && !request.method().equals("ACK")) {
                SipResponse busy = ToTag.ensure(SipResponse.to(request, 503, "Rate Limit Exceeded"))
                        .with(HeaderName.RETRY_AFTER, Integer.toString(retryAfterSeconds));
                sender.send(flow, busy).whenComplete((ok, error) -> {
                    if (error != null) {
                        log.debug("{} {} 503 not sent: {}", flow, request.callId(), error.toString());
                    }
                });
            }
            return;
        }
        if (dropped.test(request, flow)) {
            log.debug("{} {} {} dropped: blocked", flow, request.callId(), request.method());
            return;
        }
        next.onRequest(request, flow);
    }

    @Override
    public void onMalformed(ParseResult.Failed failure, Flow flow) {
        if (limiter.tryAcquire(flow.remote().getAddress())) {
            next.onMalformed(failure, flow);
        }
    }

    @Override
    public void onResponse(SipResponse response, Flow flow) {
        next.onResponse(response, flow);
    }

    @Override
    public void onFlowClosed(Flow flow) {
        next.onFlowClosed(flow);
    }

    @Override
    public void onFlowError(Flow flow, Throwable cause) {
        next.onFlowError(flow, cause);
    }

    @Override
    public void onKeepaliveAnswer(Flow flow) {
        next.onKeepaliveAnswer(flow);
    }
}
