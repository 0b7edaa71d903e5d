package io.sipreg.transaction;

import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.transport.Flow;
import java.util.concurrent.CompletionStage;

/**
 * The transaction user (RFC 3261 §17): sees each new request once, never its retransmissions, and answers with
 * one final response. The stage may complete later on any thread (the registrar answers only after a durable
 * write). The TU never sends: the server transaction does, over the request's flow.
 */
@FunctionalInterface
public interface RequestHandler {
    /**
     * Must not block; called on an event-loop thread. A failed stage, a thrown exception or a provisional
     * response is answered 500.
     */
    CompletionStage<SipResponse> handle(SipRequest request, Flow flow);
}
