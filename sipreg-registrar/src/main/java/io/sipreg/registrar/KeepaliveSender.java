package io.sipreg.registrar;

import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.transport.Flow;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Sends one keepalive OPTIONS in a client transaction and reports its final response or failure; in production
 * {@link io.sipreg.transaction.ClientTransactions#send(SipRequest, Flow, Duration, int)}.
 */
@FunctionalInterface
public interface KeepaliveSender {
    /**
     * Completes with any final response; fails when none came within {@code timeout} or the send failed. Over UDP
     * the request goes out again at most {@code maxRetransmissions} times.
     */
    CompletionStage<SipResponse> send(SipRequest request, Flow flow, Duration timeout, int maxRetransmissions);
}
