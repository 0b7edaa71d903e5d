package io.sipreg.message;

/**
 * Parses whole SIP messages from bytes (RFC 3261 §7). One instance is immutable and may be shared.
 *
 * <p>Strict mode (the server) rejects a message at its first violation and reports what it could still read, so
 * the caller can answer 400 with the violation's reason. Lenient mode (the analyzer) accepts what it can and
 * lists the violations it tolerated. Neither mode throws for bad input: failures come back as
 * {@link ParseResult.Failed}.
 *
 * <p>Strict mode still accepts what RFC 4475 §1 asks every parser to be liberal about (bare LF line ends, a
 * Status-Line without the SP before an empty reason); lenient mode reports those too. Limits ({@link ParseLimits})
 * and start lines no message can be built from fail in both modes. Requests are checked in the order of RFC 3261
 * §8.1.1 (To, From, Call-ID, CSeq, Max-Forwards, Via), then Contact, Expires and Content-Length, so the first
 * violation of a message is deterministic. Offsets in errors count from {@code offset}, the start of the slice.
 */
public final class SipParser {
    public enum Mode { STRICT, LENIENT }

    private final ParseLimits limits;
    private final Mode mode;

    public SipParser(ParseLimits limits, Mode mode) {
        this.limits = limits;
        this.mode = mode;
    }

    public static SipParser strict() {
        return new SipParser(ParseLimits.DEFAULT, Mode.STRICT);
    }

    public static SipParser lenient() {
        return new SipParser(ParseLimits.DEFAULT, Mode.LENIENT);
    }

    public ParseLimits limits() {
        return limits;
    }

    public Mode mode() {
        return mode;
    }

    /**
     * Parses one datagram's worth of message (RFC 3261 §18.3: on UDP the body ends at Content-Length, or at the
     * end of the datagram when Content-Length is absent; bytes beyond Content-Length are discarded).
     */
    public ParseResult parse(byte[] data, int offset, int length) {
        // A slice outside the array is the caller's bug, not bad input: that one does throw.
        java.util.Objects.checkFromIndexSize(offset, length, data.length);
        return new ParseRun(data, offset, length, limits, mode == Mode.LENIENT).run();
    }

    public ParseResult parse(byte[] data) {
        return parse(data, 0, data.length);
    }

    /**
     * For stream transports: the length of the first complete message in {@code data[offset, offset+length)},
     * or 0 if more bytes are needed. Leading CRLFs are not part of a message (see {@link #leadingCrlfs}); if the
     * caller leaves them in, they are counted in the returned length, which {@link #parse} skips.
     * Throws {@link SipParseException} when the bytes can never become a message: a missing (RFC 3261 §18.3:
     * "MUST be used with stream oriented transports"), malformed or conflicting Content-Length, or a message
     * over {@link ParseLimits#maxMessageBytes()}. Offsets in the exception are relative to {@code offset}.
     */
    public int frameLength(byte[] data, int offset, int length) {
        long total = messageLength(data, offset, length);
        return total <= length ? (int) total : 0;
    }

    /**
     * As {@link #frameLength}, but once the header block is complete it answers the length of the whole message even
     * when the body has not all arrived: a stream reader then waits for that many bytes without asking again, so a
     * body sent byte by byte costs one look at the headers, not one per byte. 0 while the header block is incomplete.
     */
    public long messageLength(byte[] data, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, data.length);
        int end = offset + length;
        int max = limits.maxMessageBytes();
        int start = offset + leadingCrlfs(data, offset, length);
        int lineStart = start;
        long contentLength = -1;
        int headerEnd;
        while (true) {
            int lf = -1;
            for (int i = lineStart; i < end; i++) {
                if (data[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            if (lf < 0) {
                if (end - start > max) {
                    throw new SipParseException(Violation.MESSAGE_TOO_LARGE, max, "");
                }
                return 0;
            }
            int contentEnd = lf > lineStart && data[lf - 1] == '\r' ? lf - 1 : lf;
            if (contentEnd == lineStart && lineStart > start) {
                headerEnd = lf + 1;
                break;
            }
            if (lineStart > start) {
                long value = contentLengthValue(data, lineStart, contentEnd, offset);
                if (value >= 0) {
                    if (contentLength >= 0 && contentLength != value) {
                        throw new SipParseException(Violation.DUPLICATE_HEADER, lineStart - offset,
                                HeaderName.CONTENT_LENGTH);
                    }
                    contentLength = value;
                }
            }
            lineStart = lf + 1;
            if (lineStart - start > max) {
                throw new SipParseException(Violation.MESSAGE_TOO_LARGE, max, "");
            }
        }
        if (contentLength < 0) {
            throw new SipParseException(Violation.MISSING_CONTENT_LENGTH, headerEnd - offset, "");
        }
        long total = headerEnd - offset + contentLength;
        if (total - (start - offset) > max) {
            throw new SipParseException(Violation.MESSAGE_TOO_LARGE, max, HeaderName.CONTENT_LENGTH);
        }
        return total;
    }

    /** The value if {@code data[from, to)} is a Content-Length (or "l") header line, else -1. */
    private static long contentLengthValue(byte[] data, int from, int to, int offset) {
        int i = from;
        while (i < to && ByteClass.is(data[i], ByteClass.TOKEN)) {
            i++;
        }
        int nameLength = i - from;
        boolean isContentLength = nameLength == 1 ? (data[from] | 0x20) == 'l'
                : nameLength == 14 && regionMatchesIgnoreCase(data, from, "content-length");
        if (!isContentLength) {
            return -1;
        }
        while (i < to && ByteClass.isWsp(data[i])) {
            i++;
        }
        if (i >= to || data[i] != ':') {
            return -1;
        }
        i++;
        while (i < to && ByteClass.isWsp(data[i])) {
            i++;
        }
        int digits = i;
        long value = 0;
        while (i < to && ByteClass.is(data[i], ByteClass.DIGIT) && value < 1_000_000_000_000L) {
            value = value * 10 + (data[i] - '0');
            i++;
        }
        int valueEnd = i;
        while (i < to && ByteClass.isWsp(data[i])) {
            i++;
        }
        if (valueEnd == digits || i != to) {
            throw new SipParseException(Violation.BAD_CONTENT_LENGTH, (i == to ? digits : i) - offset,
                    HeaderName.CONTENT_LENGTH);
        }
        return value;
    }

    private static boolean regionMatchesIgnoreCase(byte[] data, int from, String lowerCase) {
        for (int k = 0; k < lowerCase.length(); k++) {
            if ((data[from + k] | 0x20) != lowerCase.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** How many CR/LF bytes start the buffer: keepalives (RFC 5626 §3.5.1) or separators between messages. */
    public static int leadingCrlfs(byte[] data, int offset, int length) {
        int i = 0;
        while (i < length && (data[offset + i] == '\r' || data[offset + i] == '\n')) {
            i++;
        }
        return i;
    }
}
