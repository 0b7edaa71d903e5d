package io.sipreg.analyzer;

import java.util.ArrayList;
import java.util.List;

/**
 * One non-INVITE client transaction as seen on the wire (RFC 3261 §17.1.2): the request with its
 * retransmissions, the responses, and an ICMP error if the network refused the request.
 */
final class Transaction {
    final TransactionKey key;
    final CapturedMessage request;
    final MessageGroup owner;
    /** From the request's source to its destination: where an ICMP error about it is looked up. */
    final MessageCorrelator.Pair addresses;
    final List<CapturedMessage> copies = new ArrayList<>(2);
    final List<CapturedMessage> responses = new ArrayList<>(2);
    CapturedMessage finalResponse;
    int finalCopies;
    IcmpUnreachable unreachable;
    /** An ICMP error quoting one of the responses: the answer could not be delivered. */
    IcmpUnreachable responseUnreachable;

    Transaction(TransactionKey key, CapturedMessage request, MessageGroup owner) {
        this.key = key;
        this.request = request;
        this.owner = owner;
        this.addresses = new MessageCorrelator.Pair(request.source(), request.destination());
        copies.add(request);
    }

    void response(CapturedMessage m) {
        responses.add(m);
        if (m.facts().status() >= 200) {
            if (finalResponse == null) {
                finalResponse = m;
            }
            finalCopies++;
        }
    }

    int retransmissions() {
        return copies.size() - 1;
    }

    int finalStatus() {
        return finalResponse == null ? 0 : finalResponse.facts().status();
    }

    boolean answered() {
        return !responses.isEmpty();
    }

    /**
     * True when every answer went to another address than the one the request came from (see port-mismatch); the
     * two sides of a NAT the capture showed are one address.
     */
    boolean answersMissedTheSender(NatTranslations nat) {
        if (responses.isEmpty()) {
            return false;
        }
        for (CapturedMessage r : responses) {
            if (nat.same(r.destination(), request.source())) {
                return false;
            }
        }
        return true;
    }
}
