package io.sipreg.message;

import java.util.Objects;

/** A CSeq value (RFC 3261 §20.16): a sequence number below 2**31 and the request method. */
public record CSeq(long sequence, String method) {
    public CSeq {
        Objects.requireNonNull(method, "method");
        if (sequence < 0 || sequence > 0x7FFF_FFFFL) {
            throw new IllegalArgumentException("CSeq out of range: " + sequence);
        }
    }

    /** Throws {@link SipParseException} with {@link Violation#BAD_CSEQ}. */
    public static CSeq parse(String text) {
        return HeaderGrammar.parseCSeq(text);
    }

    @Override
    public String toString() {
        return sequence + " " + method;
    }
}
