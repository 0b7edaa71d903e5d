package io.sipreg.client;

import io.sipreg.message.SipMessage;
import io.sipreg.transport.Flow;

/**
 * What the user agent sends and receives, for a ladder or a log. Called on event-loop and timer threads, so an
 * implementation must be quick and thread-safe. {@link #NONE} costs nothing, which load mode relies on.
 */
public interface MessageTrace {
    MessageTrace NONE = new MessageTrace() {
    };

    /** Bytes leaving over {@code flow}; a retransmission is the same array sent again (RFC 3261 §17.1.2.2). */
    default void sent(Flow flow, byte[] wire) {
    }

    default void received(Flow flow, SipMessage message) {
    }

    /** An RFC 5626 keepalive left over the flow: a double CRLF (TCP) or a STUN Binding request (UDP). */
    default void keepaliveSent(Flow flow) {
    }

    /** A keepalive of ours was answered: a CRLF pong, a STUN Binding success response (RFC 5626 §4.4.1). */
    default void keepaliveAnswered(Flow flow) {
    }

    /** The network reported an error on the flow, such as an ICMP port unreachable. */
    default void flowFailed(Flow flow, Throwable cause) {
    }

    /** Whether {@link #sent} wants the bytes; lets the sender skip the work for {@link #NONE}. */
    default boolean enabled() {
        return this != NONE;
    }
}
