package io.sipreg.message;

/**
 * Grammar and semantic failures of a message, each with the RFC section it breaks. Strict parsing answers
 * {@code 400 <reason>}; lenient parsing (the analyzer) reports them and goes on.
 */
public enum Violation {
    BAD_START_LINE("RFC 3261 §7.1", "Malformed start line"),
    BAD_VERSION("RFC 3261 §7.1", "Unsupported SIP version"),
    BAD_METHOD("RFC 3261 §25.1", "Malformed method"),
    BAD_REQUEST_URI("RFC 3261 §19.1.1", "Malformed Request-URI"),
    BAD_STATUS_CODE("RFC 3261 §7.2", "Malformed status code"),
    BAD_HEADER_LINE("RFC 3261 §7.3", "Malformed header line"),
    BAD_HEADER_NAME("RFC 3261 §7.3.1", "Malformed header name"),
    BARE_LF("RFC 3261 §7", "Line ends in LF without CR"),
    MESSAGE_TOO_LARGE("RFC 3261 §18.1.1", "Message too large"),
    TOO_MANY_HEADERS("RFC 3261 §20", "Too many headers"),
    HEADER_TOO_LONG("RFC 3261 §20", "Header too long"),
    NO_HEADER_END("RFC 3261 §7", "Headers not terminated by an empty line"),
    MISSING_VIA("RFC 3261 §8.1.1.7", "Missing Via header"),
    BAD_VIA("RFC 3261 §20.42", "Malformed Via header"),
    MISSING_BRANCH("RFC 3261 §8.1.1.7", "Via has no branch parameter"),
    MISSING_FROM("RFC 3261 §8.1.1.3", "Missing From header"),
    BAD_FROM("RFC 3261 §20.20", "Malformed From header"),
    MISSING_TO("RFC 3261 §8.1.1.2", "Missing To header"),
    BAD_TO("RFC 3261 §20.39", "Malformed To header"),
    MISSING_CALL_ID("RFC 3261 §8.1.1.4", "Missing Call-ID"),
    BAD_CALL_ID("RFC 3261 §20.8", "Malformed Call-ID"),
    MISSING_CSEQ("RFC 3261 §8.1.1.5", "Missing CSeq header"),
    BAD_CSEQ("RFC 3261 §20.16", "Malformed CSeq header"),
    CSEQ_METHOD_MISMATCH("RFC 3261 §8.1.1.5", "CSeq method does not match"),
    MISSING_MAX_FORWARDS("RFC 3261 §8.1.1.6", "Missing Max-Forwards header"),
    BAD_MAX_FORWARDS("RFC 3261 §20.22", "Malformed Max-Forwards header"),
    DUPLICATE_HEADER("RFC 3261 §7.3.1", "Header may appear only once"),
    BAD_CONTACT("RFC 3261 §20.10", "Malformed Contact header"),
    BAD_EXPIRES("RFC 3261 §20.19", "Malformed Expires header"),
    BAD_URI("RFC 3261 §19.1.1", "Malformed URI"),
    BAD_CONTENT_LENGTH("RFC 3261 §20.14", "Malformed Content-Length header"),
    CONTENT_LENGTH_TOO_LARGE("RFC 3261 §18.3", "Content-Length larger than the message"),
    MISSING_CONTENT_LENGTH("RFC 3261 §18.3", "Missing Content-Length on a stream transport"),
    BAD_AUTHORIZATION("RFC 3261 §22.4", "Malformed credentials"),
    BAD_CHALLENGE("RFC 3261 §22.4", "Malformed challenge"),
    UNTERMINATED_QUOTE("RFC 3261 §25.1", "Unterminated quoted string"),
    BAD_ESCAPE("RFC 3261 §19.1.2", "Malformed escape sequence"),
    CONTROL_CHARACTER("RFC 3261 §25.1", "Control character in header"),
    INVALID_UTF8("RFC 3261 §25.1", "Invalid UTF-8 in header");

    private final String section;
    private final String reason;

    Violation(String section, String reason) {
        this.section = section;
        this.reason = reason;
    }

    public String section() {
        return section;
    }

    /** A short, human-readable phrase; also the 400 reason phrase in strict mode. */
    public String reason() {
        return reason;
    }
}
