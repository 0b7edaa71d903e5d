package io.sipreg.message;

import java.util.List;

/**
 * The semantic checks that follow the grammar of the header block: mandatory headers (RFC 3261 §8.1.1 for
 * requests, §8.2.6.2 for what a response carries), headers that may appear once (§7.3.1, §20), and the typed
 * values of the headers the registrar relies on. Requests are checked in the order of §8.1.1: To, From, Call-ID,
 * CSeq, Max-Forwards, Via; then Contact and Expires. Offsets are byte offsets in the message.
 */
final class MessageValidator {
    /** Where violations go. Returns false when parsing should stop (strict mode). */
    interface Sink {
        boolean violation(Violation v, int offset, String detail);
    }

    @FunctionalInterface
    private interface ValueCheck {
        void check(String value);
    }

    private final Sink sink;
    private final List<HeaderField> fields;
    private final int[] valueOffsets;
    private final int[] lineOffsets;
    private final int headersEnd;

    MessageValidator(Sink sink, List<HeaderField> fields, int[] valueOffsets, int[] lineOffsets, int headersEnd) {
        this.sink = sink;
        this.fields = fields;
        this.valueOffsets = valueOffsets;
        this.lineOffsets = lineOffsets;
        this.headersEnd = headersEnd;
    }

    /** Runs the checks in order; stops at the first violation the sink does not tolerate. */
    void validate(boolean isRequest, String method) {
        boolean goOn = single(HeaderName.TO, Violation.MISSING_TO,
                        v -> HeaderGrammar.parseNameAddress(v, Violation.BAD_TO))
                && single(HeaderName.FROM, Violation.MISSING_FROM,
                        v -> HeaderGrammar.parseNameAddress(v, Violation.BAD_FROM))
                && single(HeaderName.CALL_ID, Violation.MISSING_CALL_ID, HeaderGrammar::checkCallId)
                && cseq(isRequest ? method : null)
                && single(HeaderName.MAX_FORWARDS, isRequest ? Violation.MISSING_MAX_FORWARDS : null,
                        // §20.22: "The Max-Forwards value is an integer in the range 0-255"
                        v -> HeaderGrammar.parseNumber(v, 255, Violation.BAD_MAX_FORWARDS))
                && via(isRequest)
                && contacts()
                && single(HeaderName.EXPIRES, null,
                        v -> HeaderGrammar.parseNumber(v, HeaderGrammar.MAX_DELTA_SECONDS, Violation.BAD_EXPIRES));
        if (goOn) {
            single(HeaderName.CONTENT_LENGTH, null, v -> { });
        }
    }

    /**
     * A header that must appear at most once: present when {@code missing} is not null, not duplicated, and
     * accepted by {@code check}.
     */
    private boolean single(String name, Violation missing, ValueCheck check) {
        int first = -1;
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(name)) {
                if (first < 0) {
                    first = i;
                } else {
                    if (!sink.violation(Violation.DUPLICATE_HEADER, lineOffsets[i], name)) {
                        return false;
                    }
                    break;
                }
            }
        }
        if (first < 0) {
            return missing == null || sink.violation(missing, headersEnd, name);
        }
        return check(first, check);
    }

    private boolean check(int index, ValueCheck check) {
        try {
            check.check(fields.get(index).value());
            return true;
        } catch (SipParseException e) {
            return sink.violation(e.violation(), valueOffsets[index] + e.offset(), fields.get(index).name());
        }
    }

    /** §8.1.1.5: "The method MUST match that of the request." */
    private boolean cseq(String requestMethod) {
        CSeq[] parsed = new CSeq[1];
        if (!single(HeaderName.CSEQ, Violation.MISSING_CSEQ, v -> parsed[0] = HeaderGrammar.parseCSeq(v))) {
            return false;
        }
        if (parsed[0] == null || requestMethod == null || parsed[0].method().equals(requestMethod)) {
            return true;
        }
        int index = indexOf(HeaderName.CSEQ);
        String value = fields.get(index).value();
        return sink.violation(Violation.CSEQ_METHOD_MISMATCH,
                valueOffsets[index] + value.length() - parsed[0].method().length(), HeaderName.CSEQ);
    }

    /** §8.1.1.7: every Via parses; a request's top Via carries a branch. */
    private boolean via(boolean isRequest) {
        boolean first = true;
        for (int i = 0; i < fields.size(); i++) {
            if (!fields.get(i).name().equals(HeaderName.VIA)) {
                continue;
            }
            Via[] parsed = new Via[1];
            if (!check(i, v -> parsed[0] = HeaderGrammar.parseVia(v))) {
                return false;
            }
            if (first && isRequest && parsed[0] != null && !parsed[0].params().has("branch")
                    && !sink.violation(Violation.MISSING_BRANCH, valueOffsets[i], HeaderName.VIA)) {
                return false;
            }
            first = false;
        }
        return !first || sink.violation(Violation.MISSING_VIA, headersEnd, HeaderName.VIA);
    }

    /** §10.2.1, §10.2.2: each Contact is a name-addr, or "*" on its own. */
    private boolean contacts() {
        int count = 0;
        int wildcard = -1;
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(HeaderName.CONTACT)) {
                count++;
                if (fields.get(i).value().equals("*")) {
                    wildcard = i;
                }
            }
        }
        if (wildcard >= 0) {
            return count == 1 || sink.violation(Violation.BAD_CONTACT, valueOffsets[wildcard], HeaderName.CONTACT);
        }
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(HeaderName.CONTACT)
                    && !check(i, HeaderGrammar::parseContact)) {
                return false;
            }
        }
        return true;
    }

    private int indexOf(String name) {
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
