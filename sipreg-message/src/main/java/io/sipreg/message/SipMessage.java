package io.sipreg.message;

/** A parsed SIP message (RFC 3261 §7). Immutable and safe to share between threads. */
public sealed interface SipMessage permits SipRequest, SipResponse {
    Headers headers();

    Body body();

    /** The Call-ID header value; every message that passed strict parsing has one. */
    default String callId() {
        String callId = headers().firstOrNull(HeaderName.CALL_ID);
        return callId != null ? callId : "";
    }

    /** The parsed CSeq header. */
    default CSeq cseq() {
        String cseq = headers().firstOrNull(HeaderName.CSEQ);
        if (cseq == null) {
            throw new SipParseException(Violation.MISSING_CSEQ, 0);
        }
        return CSeq.parse(cseq);
    }

    /** The topmost Via (RFC 3261 §8.1.1.7), the one this hop's transaction belongs to. */
    default Via topVia() {
        String via = headers().firstOrNull(HeaderName.VIA);
        if (via == null) {
            throw new SipParseException(Violation.MISSING_VIA, 0);
        }
        return Via.parse(via);
    }
}
