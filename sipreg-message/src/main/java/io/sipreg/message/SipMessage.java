package io.sipreg.message;

/** A parsed SIP message (RFC 3261 §7). Immutable and safe to share between threads. */
public sealed interface SipMessage permits SipRequest, SipResponse {
    Headers headers();

    Body body();

    /** The Call-ID header value; every message that passed strict parsing has one. */
    default String callId() {
        return headers().first(HeaderName.CALL_ID).orElse("");
    }

    /** The parsed CSeq header. */
    default CSeq cseq() {
        return CSeq.parse(headers().first(HeaderName.CSEQ).orElseThrow(
                () -> new SipParseException(Violation.MISSING_CSEQ, 0)));
    }

    /** The topmost Via (RFC 3261 §8.1.1.7), the one this hop's transaction belongs to. */
    default Via topVia() {
        return Via.parse(headers().first(HeaderName.VIA).orElseThrow(
                () -> new SipParseException(Violation.MISSING_VIA, 0)));
    }
}
