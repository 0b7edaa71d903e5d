package io.sipreg.message;

/**
 * A cursor over one header value, with helpers named after the RFC 3261 §25.1 rules they consume. Values reach
 * it unfolded (§7.3.1), but LWS is still accepted in its folded form so programmatic values work too. Every
 * failure is a {@link SipParseException} with the scanner's violation and the offset in the value.
 */
final class ValueScanner {
    private final String text;
    private final Violation violation;
    private int pos;

    ValueScanner(String text, Violation violation) {
        this.text = text;
        this.violation = violation;
    }

    String text() {
        return text;
    }

    int pos() {
        return pos;
    }

    void pos(int newPos) {
        pos = newPos;
    }

    boolean atEnd() {
        return pos >= text.length();
    }

    /** The current character, or 0 at the end. */
    char peek() {
        return pos < text.length() ? text.charAt(pos) : 0;
    }

    char next() {
        return text.charAt(pos++);
    }

    boolean consume(char c) {
        if (peek() == c && !atEnd()) {
            pos++;
            return true;
        }
        return false;
    }

    SipParseException fail() {
        return new SipParseException(violation, pos);
    }

    SipParseException failAt(int offset) {
        return new SipParseException(violation, offset);
    }

    /** SWS = [LWS]; LWS = [*WSP CRLF] 1*WSP (§25.1). Returns whether anything was skipped. */
    boolean consumeSWS() {
        String t = text;
        int n = t.length();
        int start = pos;
        int p = start;
        while (p < n) {
            char c = t.charAt(p);
            if (ByteClass.isWsp(c) || c == '\r' || c == '\n') {
                p++;
            } else {
                break;
            }
        }
        pos = p;
        return p > start;
    }

    /** SWS c SWS: the separators SEMI, EQUAL, COLON, SLASH, COMMA, LAQUOT of §25.1. */
    boolean consumeSeparator(char c) {
        int start = pos;
        consumeSWS();
        if (consume(c)) {
            consumeSWS();
            return true;
        }
        pos = start;
        return false;
    }

    void expectSeparator(char c) {
        if (!consumeSeparator(c)) {
            consumeSWS();
            throw fail();
        }
    }

    /** Skips characters of {@code mask}; returns how many. */
    int skip(int mask) {
        String t = text;
        int n = t.length();
        int start = pos;
        int p = start;
        while (p < n && ByteClass.is(t.charAt(p), mask)) {
            p++;
        }
        pos = p;
        return p - start;
    }

    /** 1*(characters of {@code mask}). */
    String expect(int mask) {
        int start = pos;
        if (skip(mask) == 0) {
            throw fail();
        }
        return text.substring(start, pos);
    }

    /** token (§25.1). */
    String token() {
        return expect(ByteClass.TOKEN);
    }

    /**
     * quoted-string (§25.1), returned as written with its quotes and quoted-pairs. An unterminated string fails
     * at its opening quote.
     */
    String quotedString() {
        int start = pos;
        if (!consume('"')) {
            throw fail();
        }
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '\\') {
                if (pos >= text.length()) {
                    break;
                }
                pos++;
            } else if (c == '"') {
                return text.substring(start, pos);
            }
        }
        throw failAt(start);
    }

    /** 1*DIGIT as a long, failing on overflow beyond {@code max}. */
    long number(long max) {
        int start = pos;
        long value = 0;
        while (pos < text.length() && ByteClass.is(text.charAt(pos), ByteClass.DIGIT)) {
            value = value * 10 + (text.charAt(pos) - '0');
            if (value > max) {
                throw failAt(start);
            }
            pos++;
        }
        if (pos == start) {
            throw fail();
        }
        return value;
    }

    void expectEnd() {
        consumeSWS();
        if (!atEnd()) {
            throw fail();
        }
    }
}
