package io.sipreg.message;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One pass of {@link SipParser} over one message: a small state machine over the bytes, then the semantic checks
 * of {@link MessageValidator}. Not thread-safe and used once.
 *
 * <p>Every doubtful byte asks one question, {@link #violation}: is this allowed in the current mode? Lenient mode
 * records it and goes on; strict mode remembers the first one, keeps reading header lines so the 400 can still
 * copy Via, From, To, Call-ID and CSeq (RFC 3261 §8.2.6.2), and skips the rest. Resource limits and start lines
 * that cannot make a message at all are {@link #fatal} in both modes.
 */
final class ParseRun implements MessageValidator.Sink {
    private enum State { SKIP_CONTROL_CHARS, READ_START_LINE, READ_HEADERS, VALIDATE, READ_BODY, BAD_MESSAGE }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    private static final long LFS = ONES * '\n';

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final String SIP_2_0 = "SIP/2.0";
    private static final String REQUEST_LINE = "Request-Line";
    private static final String STATUS_LINE = "Status-Line";

    private final byte[] data;
    private final int base;
    /** The end of what is read: the end of the input, or of its first maxMessageBytes when it is longer. */
    private final int end;
    private final boolean tooLarge;
    private final ParseLimits limits;
    private final boolean lenient;

    private List<SipParseException> tolerated = List.of();
    private SipParseException failure;
    private boolean bareLfSeen;
    private int pos;

    private boolean isRequest;
    private String method;
    private SipUri requestUri;
    private int status;
    private String reason;

    // Sized for a REGISTER with a split Allow list (baresip: 24 fields), so they rarely grow.
    private final ArrayList<HeaderField> fields = new ArrayList<>(24);
    /** Per field: its {@link HeaderName#id}, so later passes compare ints. */
    private int[] ids = new int[24];
    private int[] valueOffsets = new int[24];
    private int[] lineOffsets = new int[24];
    private int headersEnd;
    private int bodyStart;
    private Body body = Body.EMPTY;

    ParseRun(byte[] data, int offset, int length, ParseLimits limits, boolean lenient) {
        this.data = data;
        this.base = offset;
        this.tooLarge = length > limits.maxMessageBytes();
        this.end = offset + Math.min(length, limits.maxMessageBytes());
        this.limits = limits;
        this.lenient = lenient;
    }

    ParseResult run() {
        if (tooLarge) {
            // Still read the headers within the limit, so a 513 (RFC 3261 §21.5.11) can copy Via and friends.
            fatal(Violation.MESSAGE_TOO_LARGE, limits.maxMessageBytes(), "");
        }
        State state = State.SKIP_CONTROL_CHARS;
        pos = base;
        while (true) {
            switch (state) {
                case SKIP_CONTROL_CHARS -> {
                    // RFC 3261 §7.5: CRLFs before the start-line are ignored.
                    while (pos < end && (data[pos] == CR || data[pos] == LF)) {
                        pos++;
                    }
                    state = State.READ_START_LINE;
                }
                case READ_START_LINE -> {
                    // Even a bad start line is followed by header lines worth reading for the 400.
                    readStartLine();
                    state = State.READ_HEADERS;
                }
                case READ_HEADERS -> {
                    readHeaders();
                    state = failure == null ? State.VALIDATE : State.BAD_MESSAGE;
                }
                case VALIDATE -> {
                    // Header checks come before framing: the header defect is the better 400 reason when both are
                    // wrong (RFC 4475 §3.3.8's Content-Length is 2 bytes too large, its point is the duplicates).
                    new MessageValidator(this, fields, ids, valueOffsets, lineOffsets, headersEnd)
                            .validate(isRequest, method);
                    state = failure == null ? State.READ_BODY : State.BAD_MESSAGE;
                }
                case READ_BODY -> {
                    readBody();
                    return result();
                }
                case BAD_MESSAGE -> {
                    return result();
                }
            }
        }
    }

    private ParseResult result() {
        if (failure != null) {
            return new ParseResult.Failed(failure, isRequest, Optional.ofNullable(method),
                    Headers.ofCanonical(fields));
        }
        Headers headers = Headers.ofCanonical(fields);
        SipMessage message = isRequest
                ? new SipRequest(method, requestUri, headers, body)
                : new SipResponse(status, reason, headers, body);
        return new ParseResult.Parsed(message, tolerated);
    }

    // ------------------------------------------------------------------------------------- reporting

    /** A grammar violation: tolerated in lenient mode, the failure in strict mode. True if parsing goes on. */
    @Override
    public boolean violation(Violation v, int offset, String detail) {
        if (lenient) {
            tolerate(new SipParseException(v, offset, detail));
            return true;
        }
        if (failure == null) {
            failure = new SipParseException(v, offset, detail);
        }
        return false;
    }

    /** Something no mode can build a message from, or a resource limit. */
    private void fatal(Violation v, int offset, String detail) {
        if (failure == null) {
            failure = new SipParseException(v, offset, detail);
        }
    }

    /** Liberal-acceptance notes (RFC 4475 §1): reported in lenient mode, silently accepted in strict mode. */
    private void note(Violation v, int offset, String detail) {
        if (lenient) {
            tolerate(new SipParseException(v, offset, detail));
        }
    }

    private void tolerate(SipParseException e) {
        if (tolerated.isEmpty()) {
            tolerated = new ArrayList<>(4);
        }
        tolerated.add(e);
    }

    private int rel(int absolute) {
        return absolute - base;
    }

    // ------------------------------------------------------------------------------------- lines

    /**
     * The next LF at or after {@code from}, or -1. Every byte of a message passes through here, so it looks at eight
     * at a time: XOR with LFs turns an LF into a zero byte, and {@code (x - 0x01..) & ~x & 0x80..} sets the high bit
     * of the lowest zero byte (bits above it may be false alarms, so only the lowest counts).
     */
    private int indexOfLf(int from) {
        int i = from;
        for (int last = end - Long.BYTES; i <= last; i += Long.BYTES) {
            long x = (long) LONGS.get(data, i) ^ LFS;
            long found = (x - ONES) & ~x & HIGH_BITS;
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < end; i++) {
            if (data[i] == LF) {
                return i;
            }
        }
        return -1;
    }

    /** The end of a line's content: before CRLF, or before a bare LF (reported once, RFC 3261 §7). */
    private int contentEnd(int lineStart, int lf) {
        if (lf < 0) {
            return end;
        }
        if (lf > lineStart && data[lf - 1] == CR) {
            return lf - 1;
        }
        if (!bareLfSeen) {
            bareLfSeen = true;
            // RFC 4475 §1 asks to be liberal: bare LF is accepted in both modes, reported in lenient mode only.
            note(Violation.BARE_LF, rel(lf), "");
        }
        return lf;
    }

    private String text(int from, int to) {
        for (int i = from; i < to; i++) {
            if (data[i] < 0) {
                return new String(data, from, to - from, StandardCharsets.UTF_8);
            }
        }
        return ascii(from, to);
    }

    /** {@code data[from, to)}, known to be ASCII: a plain copy, no UTF-8 decoding. */
    private String ascii(int from, int to) {
        return new String(data, from, to - from, StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------------------------- start line

    private void readStartLine() {
        int lineStart = pos;
        if (lineStart >= end) {
            fatal(Violation.BAD_START_LINE, rel(lineStart), "");
            return;
        }
        int lf = indexOfLf(lineStart);
        int lineEnd = contentEnd(lineStart, lf);
        pos = lf < 0 ? end : lf + 1;
        if (lineEnd - lineStart > limits.maxHeaderLineBytes()) {
            fatal(Violation.HEADER_TOO_LONG, rel(lineStart), "");
        } else if (startsWithSipVersion(lineStart, lineEnd)) {
            readStatusLine(lineStart, lineEnd);
        } else {
            readRequestLine(lineStart, lineEnd);
        }
        if (lf < 0) {
            fatal(Violation.NO_HEADER_END, rel(end), "");
        }
    }

    private boolean startsWithSipVersion(int from, int to) {
        if (to - from < 4) {
            return false;
        }
        return (data[from] | 0x20) == 's' && (data[from + 1] | 0x20) == 'i' && (data[from + 2] | 0x20) == 'p'
                && data[from + 3] == '/';
    }

    private boolean isSipVersion(int from, int to) {
        if (to - from != SIP_2_0.length()) {
            return false;
        }
        for (int i = 0; i < SIP_2_0.length(); i++) {
            // RFC 3261 §7.1: "SIP" in SIP-Version is case-insensitive like every ABNF literal.
            int b = data[from + i];
            if (i < 3 ? (b | 0x20) != (SIP_2_0.charAt(i) | 0x20) : b != SIP_2_0.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Request-Line = Method SP Request-URI SP SIP-Version CRLF (RFC 3261 §7.1). */
    private void readRequestLine(int from, int to) {
        isRequest = true;
        int sp1 = indexOf((byte) ' ', from, to);
        if (sp1 <= from) {
            fatal(Violation.BAD_START_LINE, rel(sp1 < 0 ? to : from), REQUEST_LINE);
            return;
        }
        method = text(from, sp1);
        for (int i = from; i < sp1; i++) {
            if (!ByteClass.is(data[i], ByteClass.TOKEN)) {
                violation(Violation.BAD_METHOD, rel(i), REQUEST_LINE);
                break;
            }
        }
        // RFC 4475 §3.1.2.10 (trws): SP after SIP-Version may be rejected, or ignored by a liberal element.
        int lineEnd = to;
        while (lineEnd > sp1 && ByteClass.isWsp(data[lineEnd - 1])) {
            lineEnd--;
        }
        if (lineEnd < to) {
            violation(Violation.BAD_START_LINE, rel(lineEnd), REQUEST_LINE);
        }
        int sp2 = lastIndexOf((byte) ' ', sp1 + 1, lineEnd);
        if (sp2 < 0) {
            fatal(Violation.BAD_START_LINE, rel(lineEnd), REQUEST_LINE);
            return;
        }
        // RFC 4475 §3.1.2.9 (lwsstart): several SP between the elements, the same choice.
        int uriStart = sp1 + 1;
        int uriEnd = sp2;
        while (uriStart < uriEnd && data[uriStart] == ' ') {
            uriStart++;
        }
        while (uriEnd > uriStart && data[uriEnd - 1] == ' ') {
            uriEnd--;
        }
        if (uriStart == uriEnd) {
            fatal(Violation.BAD_START_LINE, rel(sp1 + 1), REQUEST_LINE);
            return;
        }
        if (uriStart != sp1 + 1) {
            violation(Violation.BAD_START_LINE, rel(sp1 + 1), REQUEST_LINE);
        } else if (uriEnd != sp2) {
            violation(Violation.BAD_START_LINE, rel(uriEnd), REQUEST_LINE);
        }
        String uriText = text(uriStart, uriEnd);
        try {
            requestUri = UriGrammar.parseUri(uriText, Violation.BAD_REQUEST_URI);
            if (!requestUri.headers().isEmpty()) {
                // RFC 3261 §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11)
                violation(Violation.BAD_REQUEST_URI, rel(uriStart) + uriText.indexOf('?'), "Request-URI");
            }
        } catch (SipParseException e) {
            violation(Violation.BAD_REQUEST_URI, rel(uriStart) + e.offset(), "Request-URI");
            // Lenient: keep the Request-URI as opaque text so the message can still be read and written back.
            requestUri = new SipUri("", "", "", uriText, -1, Parameters.EMPTY, "");
        }
        if (!isSipVersion(sp2 + 1, lineEnd)) {
            violation(Violation.BAD_VERSION, rel(sp2 + 1), REQUEST_LINE);
        }
    }

    /** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF (RFC 3261 §7.2). */
    private void readStatusLine(int from, int to) {
        isRequest = false;
        int sp = indexOf((byte) ' ', from, to);
        if (sp < 0) {
            fatal(Violation.BAD_START_LINE, rel(to), STATUS_LINE);
            return;
        }
        if (!isSipVersion(from, sp)) {
            violation(Violation.BAD_VERSION, rel(from), STATUS_LINE);
        }
        int code = 0;
        int i = sp + 1;
        for (; i < sp + 4 && i < to; i++) {
            if (!ByteClass.is(data[i], ByteClass.DIGIT)) {
                break;
            }
            code = code * 10 + (data[i] - '0');
        }
        if (i != sp + 4 || code < 100 || code > 699 || (i < to && data[i] != ' ')) {
            fatal(Violation.BAD_STATUS_CODE, rel(sp + 1), STATUS_LINE);
            return;
        }
        status = code;
        if (i == to) {
            // RFC 4475 §3.1.1.13 (noreason) requires the SP; a liberal reader accepts its absence.
            note(Violation.BAD_START_LINE, rel(to), STATUS_LINE);
            reason = "";
        } else {
            reason = text(i + 1, to);
        }
    }

    private int indexOf(byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private int lastIndexOf(byte b, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------------------------- headers

    /** Reads header lines up to the empty line, or until the header count limit stops the reading. */
    private void readHeaders() {
        while (true) {
            if (pos >= end) {
                // The header block never ended: no body, and a violation.
                headersEnd = rel(end);
                bodyStart = end;
                violation(Violation.NO_HEADER_END, rel(end), "");
                return;
            }
            int lineStart = pos;
            int lf = indexOfLf(lineStart);
            int firstEnd = contentEnd(lineStart, lf);
            if (firstEnd == lineStart || (lf < 0 && firstEnd == lineStart + 1 && data[lineStart] == CR)) {
                headersEnd = rel(lineStart);
                bodyStart = lf < 0 ? end : lf + 1;
                return;
            }
            // RFC 3261 §7.3.1: a line starting with SP or HT continues the previous one.
            int lastEnd = firstEnd;
            int next = lf < 0 ? end : lf + 1;
            boolean folded = false;
            while (next < end && ByteClass.isWsp(data[next])) {
                folded = true;
                int lf2 = indexOfLf(next);
                lastEnd = contentEnd(next, lf2);
                next = lf2 < 0 ? end : lf2 + 1;
            }
            pos = next;
            if (!readHeaderLine(lineStart, firstEnd, lastEnd, folded)) {
                return;
            }
        }
    }

    /** message-header = header-name HCOLON header-value, unfolded and trimmed (§7.3.1). */
    private boolean readHeaderLine(int lineStart, int firstEnd, int lastEnd, boolean folded) {
        if (ByteClass.isWsp(data[lineStart])) {
            // Folding needs a header to continue; right after the start line there is none.
            violation(Violation.BAD_HEADER_LINE, rel(lineStart), "");
            return true;
        }
        int i = lineStart;
        while (i < firstEnd && ByteClass.is(data[i], ByteClass.TOKEN)) {
            i++;
        }
        int nameEnd = i;
        // HCOLON = *( SP / HTAB ) ":" SWS
        while (i < firstEnd && ByteClass.isWsp(data[i])) {
            i++;
        }
        if (i >= firstEnd || data[i] != ':' || nameEnd == lineStart) {
            boolean hasColon = indexOf((byte) ':', lineStart, firstEnd) >= 0;
            if (hasColon) {
                violation(Violation.BAD_HEADER_NAME, rel(nameEnd), "");
            } else {
                violation(Violation.BAD_HEADER_LINE, rel(lineStart), "");
            }
            return true;
        }
        int id = HeaderName.id(data, lineStart, nameEnd - lineStart);
        String name = id != HeaderName.UNKNOWN ? HeaderName.name(id)
                : new String(data, lineStart, nameEnd - lineStart, StandardCharsets.ISO_8859_1);
        int valueStart = i + 1;
        int valueEnd = folded ? lastEnd : firstEnd;
        while (valueStart < valueEnd && isLwsByte(data[valueStart])) {
            valueStart++;
        }
        while (valueEnd > valueStart && isLwsByte(data[valueEnd - 1])) {
            valueEnd--;
        }
        // One pass over the value: the lone-CR and control-character checks, and what decides how the value becomes
        // fields.
        boolean crReported = false;
        boolean controlReported = false;
        boolean comma = false;
        boolean ascii = true;
        for (int k = valueStart; k < valueEnd; k++) {
            byte b = data[k];
            if (b == CR) {
                if (!crReported && data[k + 1] != LF) {
                    // RFC 3261 §7.3.1: CR appears only in CRLF; a lone one could end the line for another parser.
                    violation(Violation.BAD_HEADER_LINE, rel(k), name);
                    crReported = true;
                }
            } else if (isControl(b) && !controlReported && data[k - 1] != '\\') {
                // RFC 3261 §25.1: TEXT-UTF8, qdtext and token have no control characters; only a quoted-pair may
                // escape one. A NUL cuts the value short for a C string and hides what follows from a log reader.
                violation(Violation.CONTROL_CHARACTER, rel(k), name);
                controlReported = true;
            }
            comma |= b == ',';
            ascii &= b >= 0;
        }
        if (!ascii) {
            // RFC 3261 §25.1 UTF8-NONASCII: well-formed UTF-8 only (RFC 3629); decoding would hide the bytes behind
            // U+FFFD, and two readers could disagree on what the value was.
            int bad = invalidUtf8(valueStart, valueEnd);
            if (bad >= 0) {
                violation(Violation.INVALID_UTF8, rel(bad), name);
            }
        }
        int valueOffset = rel(valueStart);
        boolean list = comma && HeaderName.isListValued(id);
        if (list && ascii && !folded) {
            // The elements straight from the bytes, without the whole value as a String first. ASCII only, so
            // that offsets in chars and in bytes agree.
            if (nameEnd - lineStart + 2 + (valueEnd - valueStart) > limits.maxHeaderLineBytes()) {
                fatal(Violation.HEADER_TOO_LONG, rel(lineStart), name);
                return true;
            }
            return addListElements(id, name, valueStart, valueEnd, rel(lineStart));
        }
        String value = folded ? unfold(valueStart, valueEnd)
                : ascii ? ascii(valueStart, valueEnd) : text(valueStart, valueEnd);
        if (nameEnd - lineStart + 2 + value.length() > limits.maxHeaderLineBytes()) {
            fatal(Violation.HEADER_TOO_LONG, rel(lineStart), name);
            return true;
        }
        // An unfolded value gains no comma, and a folded value's commas were all in the lines scanned above.
        if (list) {
            return addListElements(id, name, value, valueOffset, rel(lineStart));
        }
        return addField(id, name, value, valueOffset, rel(lineStart));
    }

    /** C0 controls other than HT, CR and LF (which line folding leaves inside a value), and DEL. */
    private static boolean isControl(byte b) {
        return b >= 0 && b < 0x20 && b != '\t' && b != LF || b == 0x7F;
    }

    /**
     * The index of the first byte of {@code data[from, to)} that is not part of well-formed UTF-8 (RFC 3629 §4: no
     * overlong forms, no surrogates, nothing above U+10FFFF), or -1.
     */
    private int invalidUtf8(int from, int to) {
        int i = from;
        while (i < to) {
            int b = data[i] & 0xFF;
            if (b < 0x80) {
                i++;
                continue;
            }
            int length;
            int min2;
            int max2 = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                length = 2;
                min2 = 0x80;
            } else if (b >= 0xE0 && b <= 0xEF) {
                length = 3;
                min2 = b == 0xE0 ? 0xA0 : 0x80;
                max2 = b == 0xED ? 0x9F : 0xBF;
            } else if (b >= 0xF0 && b <= 0xF4) {
                length = 4;
                min2 = b == 0xF0 ? 0x90 : 0x80;
                max2 = b == 0xF4 ? 0x8F : 0xBF;
            } else {
                return i;
            }
            if (i + length > to) {
                return i;
            }
            int second = data[i + 1] & 0xFF;
            if (second < min2 || second > max2) {
                return i;
            }
            for (int k = 2; k < length; k++) {
                int next = data[i + k] & 0xFF;
                if (next < 0x80 || next > 0xBF) {
                    return i;
                }
            }
            i += length;
        }
        return -1;
    }

    private static boolean isLwsByte(byte b) {
        return b == ' ' || b == '\t' || b == CR || b == LF;
    }

    private static boolean isLwsChar(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Replaces each line break with the whitespace around it by one SP (§7.3.1). */
    private String unfold(int from, int to) {
        byte[] out = new byte[to - from];
        int n = 0;
        int i = from;
        while (i < to) {
            byte b = data[i];
            if (isLwsByte(b)) {
                int j = i;
                boolean lineBreak = false;
                while (j < to && isLwsByte(data[j])) {
                    lineBreak |= data[j] == LF;
                    j++;
                }
                if (lineBreak) {
                    out[n++] = ' ';
                } else {
                    System.arraycopy(data, i, out, n, j - i);
                    n += j - i;
                }
                i = j;
            } else {
                out[n++] = b;
                i++;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /** One field per element of a comma-separated list (§7.3.1); commas in quotes or brackets do not split. */
    private boolean addListElements(int id, String name, String value, int valueOffset, int lineOffset) {
        int from = 0;
        boolean added = false;
        while (from <= value.length()) {
            int elementEnd = HeaderGrammar.listElementEnd(value, from);
            int s = from;
            int e = elementEnd;
            while (s < e && isLwsChar(value.charAt(s))) {
                s++;
            }
            while (e > s && isLwsChar(value.charAt(e - 1))) {
                e--;
            }
            if (s < e) {
                if (!addField(id, name, value.substring(s, e), valueOffset + s, lineOffset)) {
                    return false;
                }
                added = true;
            }
            from = elementEnd + 1;
        }
        return added || addField(id, name, "", valueOffset, lineOffset);
    }

    /** {@link #addListElements(int, String, String, int, int)} over the ASCII bytes {@code data[from, to)}. */
    private boolean addListElements(int id, String name, int from, int to, int lineOffset) {
        int start = from;
        boolean added = false;
        while (start <= to) {
            int elementEnd = listElementEnd(start, to);
            int s = start;
            int e = elementEnd;
            while (s < e && isLwsByte(data[s])) {
                s++;
            }
            while (e > s && isLwsByte(data[e - 1])) {
                e--;
            }
            if (s < e) {
                if (!addField(id, name, ascii(s, e), rel(s), lineOffset)) {
                    return false;
                }
                added = true;
            }
            start = elementEnd + 1;
        }
        return added || addField(id, name, "", rel(from), lineOffset);
    }

    /** {@link HeaderGrammar#listElementEnd} over {@code data[from, to)}. */
    private int listElementEnd(int from, int to) {
        boolean quoted = false;
        boolean bracketed = false;
        for (int i = from; i < to; i++) {
            byte c = data[i];
            if (bracketed) {
                bracketed = c != '>';
            } else if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '<') {
                bracketed = true;
            } else if (c == ',') {
                return i;
            }
        }
        return to;
    }

    private boolean addField(int id, String name, String value, int valueOffset, int lineOffset) {
        int n = fields.size();
        if (n >= limits.maxHeaders()) {
            fatal(Violation.TOO_MANY_HEADERS, lineOffset, name);
            return false;
        }
        if (n == valueOffsets.length) {
            ids = java.util.Arrays.copyOf(ids, n * 2);
            valueOffsets = java.util.Arrays.copyOf(valueOffsets, n * 2);
            lineOffsets = java.util.Arrays.copyOf(lineOffsets, n * 2);
        }
        ids[n] = id;
        valueOffsets[n] = valueOffset;
        lineOffsets[n] = lineOffset;
        fields.add(new HeaderField(name, value));
        return true;
    }

    // ------------------------------------------------------------------------------------- body

    /**
     * RFC 3261 §18.3 for datagrams: the body ends at Content-Length, bytes beyond it are discarded; a
     * Content-Length beyond the datagram is an error; without Content-Length the body is the rest of the datagram.
     */
    private void readBody() {
        int available = end - bodyStart;
        int cl = -1;
        for (int i = 0; i < fields.size(); i++) {
            if (ids[i] == HeaderName.ID_CONTENT_LENGTH) {
                cl = i;
                break;
            }
        }
        int bodyEnd = end;
        if (cl >= 0) {
            try {
                long length = HeaderGrammar.parseNumber(fields.get(cl).value(), 999_999_999_999L,
                        Violation.BAD_CONTENT_LENGTH);
                if (length > available) {
                    violation(Violation.CONTENT_LENGTH_TOO_LARGE, valueOffsets[cl], HeaderName.CONTENT_LENGTH);
                } else {
                    bodyEnd = bodyStart + (int) length;
                }
            } catch (SipParseException e) {
                violation(e.violation(), valueOffsets[cl] + e.offset(), HeaderName.CONTENT_LENGTH);
            }
        }
        if (failure == null) {
            body = Body.copyOf(data, bodyStart, bodyEnd);
        }
    }
}
