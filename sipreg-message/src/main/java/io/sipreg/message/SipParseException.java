package io.sipreg.message;

/**
 * A message or header that breaks the grammar. Carries the {@link Violation} and the byte offset in the
 * message (or in the header value, for typed header parsing) where the defect was found.
 */
public final class SipParseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Violation violation;
    private final int offset;
    private final String detail;

    public SipParseException(Violation violation, int offset) {
        this(violation, offset, "");
    }

    /** {@code detail} names the place, e.g. the header name: "Bad Via at byte 57: ...". */
    public SipParseException(Violation violation, int offset, String detail) {
        super((detail.isEmpty() ? "" : detail + " at ") + "byte " + offset + ": " + violation.reason()
                + " (" + violation.section() + ")", null, false, false);
        this.violation = violation;
        this.offset = offset;
        this.detail = detail;
    }

    public Violation violation() {
        return violation;
    }

    public int offset() {
        return offset;
    }

    public String detail() {
        return detail;
    }
}
