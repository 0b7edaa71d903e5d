package io.sipreg.transport;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;

/**
 * Receives what the transport read. Called on Netty event-loop threads: implementations must not block, and
 * whatever they throw is caught, logged at DEBUG and counted by the transport.
 */
public interface InboundHandler {
    /** A request whose top Via already carries {@code received}/{@code rport} (RFC 3261 §18.2.1, RFC 3581 §4). */
    void onRequest(SipRequest request, Flow flow);

    void onResponse(SipResponse response, Flow flow);

    /** Bytes that did not parse; for a request, {@code failure.partialHeaders()} may be enough to answer 400. */
    void onMalformed(ParseResult.Failed failure, Flow flow);

    /**
     * The TCP/TLS connection of {@code flow} has closed, whichever side closed it: nothing more can be sent over
     * it, and a device behind NAT is unreachable until it connects again (RFC 5626 §5.3: a flow that fails
     * takes its bindings with it). Never called for UDP, whose flows have no end.
     */
    default void onFlowClosed(Flow flow) {
    }

    /**
     * The network reported an error on a flow this side opened ({@link SipTransport#open}): over UDP an ICMP
     * port unreachable (a {@link java.net.PortUnreachableException}: nothing listens at the remote address),
     * which the kernel reports only to connected sockets.
     */
    default void onFlowError(Flow flow, Throwable cause) {
    }

    /**
     * A keepalive sent with {@link SipTransport#sendKeepalive} was answered (RFC 5626 §4.4.1): a CRLF pong over
     * TCP, a STUN Binding success response over UDP. The flow is alive.
     */
    default void onKeepaliveAnswer(Flow flow) {
    }
}
