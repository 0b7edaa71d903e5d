package io.sipreg.analyzer;

import java.util.ArrayList;
import java.util.List;

/**
 * One non-INVITE client transaction as seen on the wire (RFC 3261 §17.1.2): the request with its
 * retransmissions, the responses, and an ICMP error if the network refused the request.
 */
final class Transaction {
    final String key;
    final CapturedMessage request;
    final MessageGroup owner;
    final List<CapturedMessage> copies = new ArrayList<>(2);
    final List<CapturedMessage> responses = new ArrayList<>(2);
    CapturedMessage finalResponse;
    int finalCopies;
    IcmpUnreachable unreachable;
    /** An ICMP error quoting one of the responses: the answer could not be delivered. */
    IcmpUnreachable responseUnreachable;

    Transaction(String key, CapturedMessage request, MessageGroup owner) {
        this.key = key;
        this.request = request;
        this.owner = owner;
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
     * The transaction key of a request or response, RFC 3261 §17.1.3: the top Via's branch and sent-by and the
     * CSeq method. Without an RFC 3261 branch, Call-ID and CSeq stand in (RFC 2543 matching, §17.2.3).
     */
    static String keyOf(MessageFacts f) {
        if (f.branch().startsWith("z9hG4bK")) {
            return f.branch() + ' ' + f.viaHost() + ':' + f.viaPort() + ' ' + f.cseqMethod();
        }
        return f.callId() + ' ' + f.cseq() + ' ' + f.cseqMethod() + ' ' + f.branch();
    }

    /** True when every answer went to another address than the one the request came from (see port-mismatch). */
    boolean answersMissedTheSender() {
        if (responses.isEmpty()) {
            return false;
        }
        for (CapturedMessage r : responses) {
            if (r.destination().equals(request.source())) {
                return false;
            }
        }
        return true;
    }
}
