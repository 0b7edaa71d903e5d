package io.sipreg.analyzer;

import java.util.ArrayList;
import java.util.List;

/**
 * The REGISTER transactions of one Call-ID from a first request to a final answer that ends the attempt
 * (RFC 3261 §10.2): a 401/407 challenge or a 423 Interval Too Brief keeps it open for the device's next try;
 * a 2xx or any other final answer concludes it. A refresh on the same Call-ID after that is a new attempt.
 */
final class RegistrationAttempt extends MessageGroup {
    final String callId;
    String aor = "";
    /** New REGISTERs whose CSeq did not go up (§10.2.4), with the CSeq they should have exceeded. */
    final List<CapturedMessage> staleCseq = new ArrayList<>(0);
    final List<Long> staleCseqPrevious = new ArrayList<>(0);
    /** The binding of this contact the capture saw granted before, when it ran out before this attempt's 2xx. */
    MessageCorrelator.Binding lapsed;
    /**
     * The first REGISTER of the attempt seen again past a router that rewrote its top Via and Contact but kept its
     * branch (a SIP ALG): before and after.
     */
    CapturedMessage algBefore;
    CapturedMessage algAfter;
    /** Responses that matched no REGISTER of the capture (it started after the request was sent). */
    int orphanResponses;
    /** Waiting in the correlator's queue of concluded attempts, since {@code concludedAt}. */
    boolean lingering;
    long concludedAt;

    RegistrationAttempt(String callId) {
        this.callId = callId;
    }

    /** True once a final answer other than a challenge or a 423 came back to the latest REGISTER. */
    boolean concluded() {
        if (transactions.isEmpty()) {
            return false;
        }
        int status = last().finalStatus();
        return status >= 200 && status != 401 && status != 407 && status != 423;
    }
}
