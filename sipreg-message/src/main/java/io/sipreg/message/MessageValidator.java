package io.sipreg.message;

import java.util.List;

/**
 * The semantic checks that follow the grammar of the header block: mandatory headers (RFC 3261 §8.1.1 for
 * requests, §8.2.6.2 for what a response carries), headers that may appear once (§7.3.1, §20), and the typed
 * values of the headers the registrar relies on. Requests are checked in the order of §8.1.1: To, From, Call-ID,
 * CSeq, Max-Forwards, Via; then Contact and Expires. Offsets are byte offsets in the message.
 *
 * <p>One pass over the fields' ids (from {@link HeaderName#id}) finds where each checked header first and second
 * appears; the checks then run in their fixed order from those indexes, so the order of the violations is the same
 * as if each check had scanned the headers itself.
 */
final class MessageValidator {
    /** Where violations go. Returns false when parsing should stop (strict mode). */
    interface Sink {
        boolean violation(Violation v, int offset, String detail);
    }

    /** Ids 0..ID_CONTENT_LENGTH are the headers checked here. */
    private static final int CHECKED = HeaderName.ID_CONTENT_LENGTH + 1;

    // The typed checks of single-valued headers.
    private static final int NONE = 0;
    private static final int NAME_ADDRESS = 1;
    private static final int CALL_ID = 2;
    private static final int CSEQ = 3;
    private static final int MAX_FORWARDS = 4;
    private static final int EXPIRES = 5;

    private final Sink sink;
    private final List<HeaderField> fields;
    private final int[] ids;
    private final int[] valueOffsets;
    private final int[] lineOffsets;
    private final int headersEnd;
    private final int count;

    /** Per checked id: index of its first and second field, -1 when there is none. */
    private final int[] first = new int[CHECKED];
    private final int[] second = new int[CHECKED];
    private int wildcard = -1;
    private CSeq cseq;

    MessageValidator(Sink sink, List<HeaderField> fields, int[] ids, int[] valueOffsets, int[] lineOffsets,
                     int headersEnd) {
        this.sink = sink;
        this.fields = fields;
        this.ids = ids;
        this.valueOffsets = valueOffsets;
        this.lineOffsets = lineOffsets;
        this.headersEnd = headersEnd;
        this.count = fields.size();
    }

    /** Runs the checks in order; stops at the first violation the sink does not tolerate. */
    void validate(boolean isRequest, String method) {
        classify();
        boolean goOn = single(HeaderName.ID_TO, Violation.MISSING_TO, NAME_ADDRESS, Violation.BAD_TO)
                && single(HeaderName.ID_FROM, Violation.MISSING_FROM, NAME_ADDRESS, Violation.BAD_FROM)
                && single(HeaderName.ID_CALL_ID, Violation.MISSING_CALL_ID, CALL_ID, null)
                && cseq(isRequest ? method : null)
                // §20.22: "The Max-Forwards value is an integer in the range 0-255"
                && single(HeaderName.ID_MAX_FORWARDS, isRequest ? Violation.MISSING_MAX_FORWARDS : null, MAX_FORWARDS,
                        null)
                && via(isRequest)
                && contacts()
                && single(HeaderName.ID_EXPIRES, null, EXPIRES, null);
        if (goOn) {
            single(HeaderName.ID_CONTENT_LENGTH, null, NONE, null);
        }
    }

    private void classify() {
        java.util.Arrays.fill(first, -1);
        java.util.Arrays.fill(second, -1);
        for (int i = 0; i < count; i++) {
            int id = ids[i];
            if (id >= 0 && id < CHECKED) {
                if (first[id] < 0) {
                    first[id] = i;
                } else if (second[id] < 0) {
                    second[id] = i;
                }
                if (id == HeaderName.ID_CONTACT && fields.get(i).value().equals("*")) {
                    // The last "*" is the one reported.
                    wildcard = i;
                }
            }
        }
    }

    /**
     * A header that must appear at most once: present when {@code missing} is not null, not duplicated, and
     * accepted by its typed check.
     */
    private boolean single(int id, Violation missing, int check, Violation violation) {
        String name = HeaderName.name(id);
        if (second[id] >= 0 && !sink.violation(Violation.DUPLICATE_HEADER, lineOffsets[second[id]], name)) {
            return false;
        }
        int index = first[id];
        if (index < 0) {
            return missing == null || sink.violation(missing, headersEnd, name);
        }
        return check(index, check, violation);
    }

    private boolean check(int index, int check, Violation violation) {
        String value = fields.get(index).value();
        try {
            switch (check) {
                case NAME_ADDRESS -> HeaderGrammar.parseNameAddress(value, violation);
                case CALL_ID -> HeaderGrammar.checkCallId(value);
                case CSEQ -> cseq = HeaderGrammar.parseCSeq(value);
                case MAX_FORWARDS -> HeaderGrammar.parseNumber(value, 255, Violation.BAD_MAX_FORWARDS);
                case EXPIRES -> HeaderGrammar.parseNumber(value, HeaderGrammar.MAX_DELTA_SECONDS,
                        Violation.BAD_EXPIRES);
                default -> {
                }
            }
            return true;
        } catch (SipParseException e) {
            return sink.violation(e.violation(), valueOffsets[index] + e.offset(), fields.get(index).name());
        }
    }

    /** §8.1.1.5: "The method MUST match that of the request." */
    private boolean cseq(String requestMethod) {
        if (!single(HeaderName.ID_CSEQ, Violation.MISSING_CSEQ, CSEQ, null)) {
            return false;
        }
        if (cseq == null || requestMethod == null || cseq.method().equals(requestMethod)) {
            return true;
        }
        int index = first[HeaderName.ID_CSEQ];
        String value = fields.get(index).value();
        return sink.violation(Violation.CSEQ_METHOD_MISMATCH,
                valueOffsets[index] + value.length() - cseq.method().length(), HeaderName.CSEQ);
    }

    /** §8.1.1.7: every Via parses; a request's top Via carries a branch. */
    private boolean via(boolean isRequest) {
        int top = first[HeaderName.ID_VIA];
        if (top < 0) {
            return sink.violation(Violation.MISSING_VIA, headersEnd, HeaderName.VIA);
        }
        for (int i = top; i < count; i++) {
            if (ids[i] != HeaderName.ID_VIA) {
                continue;
            }
            Via parsed;
            try {
                parsed = HeaderGrammar.parseVia(fields.get(i).value());
            } catch (SipParseException e) {
                if (!sink.violation(e.violation(), valueOffsets[i] + e.offset(), HeaderName.VIA)) {
                    return false;
                }
                continue;
            }
            if (i == top && isRequest && !parsed.params().has("branch")
                    && !sink.violation(Violation.MISSING_BRANCH, valueOffsets[i], HeaderName.VIA)) {
                return false;
            }
        }
        return true;
    }

    /** §10.2.1, §10.2.2: each Contact is a name-addr, or "*" on its own. */
    private boolean contacts() {
        int firstContact = first[HeaderName.ID_CONTACT];
        if (wildcard >= 0) {
            return second[HeaderName.ID_CONTACT] < 0
                    || sink.violation(Violation.BAD_CONTACT, valueOffsets[wildcard], HeaderName.CONTACT);
        }
        if (firstContact < 0) {
            return true;
        }
        for (int i = firstContact; i < count; i++) {
            if (ids[i] != HeaderName.ID_CONTACT) {
                continue;
            }
            try {
                HeaderGrammar.parseContact(fields.get(i).value());
            } catch (SipParseException e) {
                if (!sink.violation(e.violation(), valueOffsets[i] + e.offset(), HeaderName.CONTACT)) {
                    return false;
                }
            }
        }
        return true;
    }
}
