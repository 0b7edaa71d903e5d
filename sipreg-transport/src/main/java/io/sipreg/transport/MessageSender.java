package io.sipreg.transport;

import io.sipreg.message.SipMessage;
import io.sipreg.message.SipWriter;
import java.util.concurrent.CompletableFuture;

/** Sends messages over a flow. {@link SipTransport} is the real one; tests use a recording fake. */
public interface MessageSender {
    /**
     * Sends bytes already in wire form, as {@link SipWriter#write} made them. Server transactions use this to
     * re-send a final response byte for byte (RFC 3261 §17.2.2) without serializing it again.
     */
    CompletableFuture<Void> sendBytes(Flow flow, byte[] wire);

    /** Serializes {@code message} and sends it; a message that cannot be written fails the future. */
    default CompletableFuture<Void> send(Flow flow, SipMessage message) {
        byte[] wire;
        try {
            wire = SipWriter.write(message);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return sendBytes(flow, wire);
    }
}
