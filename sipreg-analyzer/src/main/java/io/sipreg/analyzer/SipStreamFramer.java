package io.sipreg.analyzer;

import io.sipreg.message.SipParseException;
import io.sipreg.message.SipParser;
import io.sipreg.message.Violation;

/**
 * Cuts one direction of a TCP stream into SIP messages by Content-Length (RFC 3261 §18.3). Bytes arrive in order
 * from the {@link TcpStreamReassembler}, split anywhere. CRLF keepalives between messages are skipped (RFC 5626
 * §3.5.1). A stream joined in the middle, or one that lost bytes, is resynchronised at the next line that starts
 * a SIP message. Complete messages in a segment are handed on without being copied; only a partial one is kept.
 */
final class SipStreamFramer {
    /** Receives what the framer cut. Arrays are valid only during the call. */
    interface Emitter {
        void message(byte[] d, int at, int len);

        /** Bytes that start a message but can never be framed (no Content-Length, a bad one, too large). */
        void unframeable(byte[] d, int at, int len, SipParseException why);
    }

    private final SipParser parser;
    private byte[] buffer = new byte[0];
    private int length;
    private boolean inSync;
    private long skippedBytes;
    private long keepalives;

    SipStreamFramer(SipParser parser) {
        this.parser = parser;
    }

    /** Appends stream bytes and emits every message they complete. */
    void append(byte[] d, int at, int len, Emitter out) {
        if (length == 0) {
            int consumed = frame(d, at, len, out);
            keep(d, at + consumed, len - consumed);
            return;
        }
        ensure(length + len);
        System.arraycopy(d, at, buffer, length, len);
        length += len;
        int consumed = frame(buffer, 0, length, out);
        System.arraycopy(buffer, consumed, buffer, 0, length - consumed);
        length -= consumed;
        if (buffer.length > 65_536 && length < 16_384) {
            buffer = java.util.Arrays.copyOf(buffer, Math.max(length, 16_384));
        }
    }

    /** Bytes of the stream are missing (a segment never captured): what is buffered can no longer complete. */
    void gap() {
        skippedBytes += length;
        length = 0;
        inSync = false;
    }

    /** The connection closed; returns the number of bytes left inside an unfinished message. */
    int close() {
        int left = length;
        length = 0;
        inSync = false;
        return left;
    }

    long skippedBytes() {
        return skippedBytes;
    }

    long keepalives() {
        return keepalives;
    }

    private void keep(byte[] d, int at, int len) {
        if (len == 0) {
            return;
        }
        ensure(len);
        System.arraycopy(d, at, buffer, 0, len);
        length = len;
    }

    private void ensure(int capacity) {
        if (buffer.length < capacity) {
            buffer = java.util.Arrays.copyOf(buffer, Math.max(capacity, Math.max(4096, buffer.length * 2)));
        }
    }

    /** Emits the messages complete in {@code d[at, at+len)}; returns how many bytes were consumed. */
    private int frame(byte[] d, int at, int len, Emitter out) {
        int p = at;
        int end = at + len;
        int max = parser.limits().maxMessageBytes();
        while (p < end) {
            int crlfs = SipParser.leadingCrlfs(d, p, end - p);
            if (crlfs > 0) {
                // RFC 5626 §3.5.1: a double CRLF ping, or the CRLF pong; not part of any message.
                if (crlfs >= 2 || p + crlfs < end) {
                    keepalives++;
                }
                p += crlfs;
                continue;
            }
            if (!inSync || !SipDetector.startsMessage(d, p, end - p)) {
                int start = SipDetector.find(d, p, end - p);
                if (start < 0) {
                    if (inSync && end - p <= max) {
                        return p - at;          // a start line still arriving
                    }
                    // Out of sync: keep only the last, unfinished line, which may yet become a start line.
                    int lineStart = end;
                    while (lineStart > p && d[lineStart - 1] != '\n' && end - lineStart < 2048) {
                        lineStart--;
                    }
                    skippedBytes += lineStart - p;
                    inSync = false;
                    return lineStart - at;
                }
                skippedBytes += start - p;
                p = start;
                inSync = true;
            }
            int n;
            try {
                n = parser.frameLength(d, p, end - p);
            } catch (SipParseException e) {
                int stop = e.violation() == Violation.MISSING_CONTENT_LENGTH ? p + e.offset() : nextStart(d, p, end);
                out.unframeable(d, p, stop - p, e);
                p = stop;
                continue;
            }
            if (n == 0) {
                return p - at;
            }
            out.message(d, p, n);
            p += n;
        }
        return p - at;
    }

    /** The next line after {@code from} that starts a SIP message, or {@code end}. */
    private static int nextStart(byte[] d, int from, int end) {
        int lf = from;
        while (lf < end && d[lf] != '\n') {
            lf++;
        }
        int next = lf + 1 < end ? SipDetector.find(d, lf + 1, end - lf - 1) : -1;
        return next < 0 ? end : next;
    }
}
