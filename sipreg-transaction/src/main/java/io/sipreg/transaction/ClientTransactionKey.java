package io.sipreg.transaction;

import io.sipreg.message.SipMessage;
import java.util.Objects;

/**
 * What ties a response to the client transaction that sent its request (RFC 3261 §17.1.3): the branch of the top
 * Via, which this side chose, and the CSeq method, because a CANCEL shares the branch of the request it cancels.
 */
record ClientTransactionKey(String branch, String method) {
    ClientTransactionKey {
        Objects.requireNonNull(branch, "branch");
        Objects.requireNonNull(method, "method");
    }

    /** Throws {@link io.sipreg.message.SipParseException} when the top Via or CSeq does not parse. */
    static ClientTransactionKey of(SipMessage message) {
        return new ClientTransactionKey(message.topVia().branch().orElse(""), message.cseq().method());
    }
}
