package io.sipreg.transport;

import java.util.Objects;

/**
 * A keepalive answered on a flow this side opened (RFC 5626 §4.4): a CRLF pong on a stream, a STUN Binding success
 * response over UDP. What the decoders pass down the pipeline instead of a message.
 */
record KeepaliveAnswer(Flow flow) {
    KeepaliveAnswer {
        Objects.requireNonNull(flow, "flow");
    }
}
