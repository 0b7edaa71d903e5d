package io.sipreg.transaction;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParser;
import io.sipreg.message.SipResponse;
import io.sipreg.transport.Flow;
import io.sipreg.transport.MessageSender;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** A MessageSender that keeps what it was given, in wire form, as the real transport would send it. */
final class RecordingSender implements MessageSender {
    record Sent(Flow flow, byte[] wire) {
        SipResponse response() {
            ParseResult result = SipParser.strict().parse(wire);
            if (result instanceof ParseResult.Failed failed) {
                throw new AssertionError("sent bytes do not parse: " + failed.error().getMessage());
            }
            return (SipResponse) ((ParseResult.Parsed) result).message();
        }

        io.sipreg.message.SipRequest request() {
            ParseResult result = SipParser.strict().parse(wire);
            if (result instanceof ParseResult.Failed failed) {
                throw new AssertionError("sent bytes do not parse: " + failed.error().getMessage());
            }
            return (io.sipreg.message.SipRequest) ((ParseResult.Parsed) result).message();
        }
    }

    final List<Sent> sent = new CopyOnWriteArrayList<>();
    /** When set, every send fails with it, as the transport fails a send to a closed connection. */
    volatile Throwable failWith;

    @Override
    public CompletableFuture<Void> sendBytes(Flow flow, byte[] wire) {
        sent.add(new Sent(flow, wire.clone()));
        return failWith == null ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(failWith);
    }
}
