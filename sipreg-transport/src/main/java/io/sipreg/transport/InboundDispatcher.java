package io.sipreg.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.sipreg.message.Headers;
import io.sipreg.message.ParseResult;
import io.sipreg.message.Redaction;
import io.sipreg.message.SipParseException;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of every pipeline: stamps requests with where they came from and hands everything to the
 * {@link InboundHandler}. Nothing thrown here or by the handler reaches Netty.
 */
@ChannelHandler.Sharable
final class InboundDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(InboundDispatcher.class);

    private final InboundHandler handler;
    private final Counters counters;

    InboundDispatcher(InboundHandler handler, Counters counters) {
        this.handler = handler;
        this.counters = counters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof KeepaliveAnswer answer) {
            try {
                handler.onKeepaliveAnswer(answer.flow());
            } catch (RuntimeException e) {
                counters.internalErrors.increment();
                log.debug("{} keepalive handler failed: {}", answer.flow(), e.toString(), e);
            }
            return;
        }
        if (!(msg instanceof ReceivedMessage received)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        counters.messagesReceived.increment();
        Flow flow = received.flow();
        try {
            if (received.result() instanceof ParseResult.Parsed parsed) {
                if (log.isTraceEnabled()) {
                    // Every message at TRACE, for following one device; its credentials never reach the log.
                    log.trace("{} received:\n{}", flow, Redaction.of(parsed.message()));
                }
                if (parsed.message() instanceof SipRequest request) {
                    deliverRequest(request, flow);
                } else {
                    handler.onResponse((SipResponse) parsed.message(), flow);
                }
            } else {
                deliverMalformed((ParseResult.Failed) received.result(), flow);
            }
        } catch (RuntimeException e) {
            counters.internalErrors.increment();
            log.debug("{} inbound handler failed: {}", flow, e.toString(), e);
        }
    }

    private void deliverRequest(SipRequest request, Flow flow) {
        SipRequest stamped;
        try {
            stamped = SymmetricResponseRouting.stamp(request, flow.remote());
        } catch (SipParseException e) {
            deliverMalformed(new ParseResult.Failed(e, true, Optional.of(request.method()), request.headers()), flow);
            return;
        }
        handler.onRequest(stamped, flow);
    }

    private void deliverMalformed(ParseResult.Failed failure, Flow flow) {
        counters.malformed.increment();
        log.debug("{} malformed message: {}", flow, failure.error().getMessage());
        handler.onMalformed(stampPartial(failure, flow), flow);
    }

    /** The 400 for a bad request should carry received/rport too; best effort, as the Via itself may be the defect. */
    private static ParseResult.Failed stampPartial(ParseResult.Failed failure, Flow flow) {
        if (!failure.isRequest()) {
            return failure;
        }
        try {
            Headers stamped = SymmetricResponseRouting.stamp(failure.partialHeaders(), flow.remote());
            return stamped == failure.partialHeaders()
                    ? failure
                    : new ParseResult.Failed(failure.error(), true, failure.method(), stamped);
        } catch (RuntimeException e) {
            return failure;
        }
    }

    /** Tells the handler that a connection's flow ended; called once per connection, when it closes. */
    void flowClosed(Flow flow) {
        try {
            handler.onFlowClosed(flow);
        } catch (RuntimeException e) {
            counters.internalErrors.increment();
            log.debug("{} flow-closed handler failed: {}", flow, e.toString(), e);
        }
    }

    /** Tells the handler of a network error on a flow this side opened, such as an ICMP port unreachable. */
    void flowError(Flow flow, Throwable cause) {
        log.debug("{} flow error: {}", flow, cause.toString());
        try {
            handler.onFlowError(flow, cause);
        } catch (RuntimeException e) {
            counters.internalErrors.increment();
            log.debug("{} flow-error handler failed: {}", flow, e.toString(), e);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            counters.idleClosed.increment();
            log.debug("{} idle, closing", ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        counters.internalErrors.increment();
        log.debug("{} channel error: {}", ctx.channel(), cause.toString(), cause);
        // A UDP socket serves every device: an error tied to one datagram must not take it down.
        if (!(ctx.channel() instanceof DatagramChannel)) {
            ctx.close();
        }
    }
}
