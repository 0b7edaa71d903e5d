package io.sipreg.analyzer;

/**
 * What matches a response to its request and a retransmission to the original, RFC 3261 §17.1.3: the top Via's
 * branch and sent-by and the CSeq method. Without an RFC 3261 branch (no "z9hG4bK" cookie) the Call-ID and CSeq
 * number stand in beside the branch, as RFC 2543 matching does (§17.2.3).
 *
 * <p>A capture has one per message, so it holds the strings the message already has (the scanner shares them
 * between a request and its answers) rather than a string made of them, and its hash is made once, on the parsing
 * thread.
 */
final class TransactionKey {
    private static final String MAGIC_COOKIE = "z9hG4bK";

    private final boolean rfc3261;
    /** The branch (RFC 3261) or the Call-ID (RFC 2543). */
    private final String id;
    /** The sent-by host (RFC 3261) or the branch, possibly empty (RFC 2543). */
    private final String other;
    /** The sent-by port (RFC 3261, -1 when absent) or the CSeq number (RFC 2543). */
    private final long number;
    private final String method;
    private final int hash;

    private TransactionKey(boolean rfc3261, String id, String other, long number, String method) {
        this.rfc3261 = rfc3261;
        this.id = id;
        this.other = other;
        this.number = number;
        this.method = method;
        int h = id.hashCode();
        h = 31 * h + other.hashCode();
        h = 31 * h + Long.hashCode(number);
        this.hash = 31 * h + method.hashCode() + (rfc3261 ? 1 : 0);
    }

    static TransactionKey of(MessageFacts f) {
        if (f.branch().startsWith(MAGIC_COOKIE)) {
            return new TransactionKey(true, f.branch(), f.viaHost(), f.viaPort(), f.cseqMethod());
        }
        return new TransactionKey(false, f.callId(), f.branch(), f.cseq(), f.cseqMethod());
    }

    /** The same key for a message of another method: an answer cut before its CSeq names none. */
    TransactionKey withMethod(String other) {
        return new TransactionKey(rfc3261, id, this.other, number, other);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TransactionKey k && hash == k.hash && number == k.number && rfc3261 == k.rfc3261
                && id.equals(k.id) && other.equals(k.other) && method.equals(k.method);
    }

    @Override
    public String toString() {
        return rfc3261 ? id + ' ' + other + ':' + number + ' ' + method : id + ' ' + number + ' ' + method + ' ' + other;
    }
}
