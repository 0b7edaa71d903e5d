package io.sipreg.message;

/**
 * Parses whole SIP messages from bytes (RFC 3261 §7). One instance is immutable and may be shared.
 *
 * <p>Strict mode (the server) rejects a message at its first violation and reports what it could still read, so
 * the caller can answer 400 with the violation's reason. Lenient mode (the analyzer) accepts what it can and
 * lists the violations it tolerated. Neither mode throws for bad input: failures come back as
 * {@link ParseResult.Failed}.
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
        throw new UnsupportedOperationException("not implemented yet");
    }

    public ParseResult parse(byte[] data) {
        return parse(data, 0, data.length);
    }

    /**
     * For stream transports: the length of the first complete message in {@code data[offset, offset+length)},
     * 0 if more bytes are needed, or -1 if the bytes can never become a message (then the caller reports the
     * violation thrown here). Leading CRLFs are not part of a message; see {@link #leadingCrlfs}.
     * Throws {@link SipParseException} for a missing or malformed Content-Length or an oversized header block.
     */
    public int frameLength(byte[] data, int offset, int length) {
        throw new UnsupportedOperationException("not implemented yet");
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
