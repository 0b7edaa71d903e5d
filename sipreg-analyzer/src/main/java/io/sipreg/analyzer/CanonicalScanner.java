package io.sipreg.analyzer;

import io.sipreg.message.HeaderName;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The facts of a plainly written message in one pass over its bytes, without building a {@code SipMessage}: the
 * common case of a large capture. It accepts only a narrow, canonical subset of RFC 3261 (CRLF line ends, no folding,
 * printable ASCII headers, no escapes, no whitespace around separators, one element per Via and Contact line) and,
 * within it, checks everything the lenient parser of sipreg-message checks: the start line and Request-URI, the
 * mandatory and single headers, and the grammar of To, From, Call-ID, CSeq, Max-Forwards, Via, Contact, Expires and
 * Content-Length (RFC 3261 §8.1.1, §20, §25.1). So when it accepts a message the parser would have reported no
 * violation, and the facts are made from the very same header values the parser would have kept. Anything else, it
 * declines ({@code null}) and the message goes to the full lenient parser, which reports what is wrong.
 *
 * <p>Every character class here is the RFC's own, as in sipreg-message; where the grammar allows more (LWS, escapes,
 * quoted-pairs, other schemes), this scanner declines rather than follow.
 */
final class CanonicalScanner {
    private static final int MAX_MESSAGE = 65_535;
    /** Below the parser's limit of 8,192 per header line and 128 fields, so nothing near a limit is taken here. */
    private static final int MAX_LINE = 8_000;
    private static final int MAX_FIELDS = 120;

    // Character classes of RFC 3261 §25.1, one bit each.
    private static final int TOKEN = 1;
    private static final int WORD = 1 << 1;
    private static final int HOSTNAME = 1 << 2;
    private static final int DIGIT = 1 << 3;
    private static final int ALPHA = 1 << 4;
    private static final int SCHEME = 1 << 5;
    private static final int IPV6 = 1 << 6;
    /** unreserved / user-unreserved, without "%" escapes. */
    private static final int USER = 1 << 7;
    /** unreserved / param-unreserved, without "%" escapes. */
    private static final int PARAM = 1 << 8;
    /** gen-value outside quotes: token / host characters. */
    private static final int GEN_VALUE = 1 << 9;
    private static final int[] CLASSES = new int[256];

    // What a header is to this scanner.
    private static final int OTHER = 0;
    private static final int VIA = 1;
    private static final int FROM = 2;
    private static final int TO = 3;
    private static final int CALL_ID = 4;
    private static final int CSEQ = 5;
    private static final int CONTACT = 6;
    private static final int EXPIRES = 7;
    private static final int MAX_FORWARDS = 8;
    private static final int CONTENT_LENGTH = 9;
    /** Kept for the facts, with no grammar checked by the parser: Min-Expires, the auth headers, User-Agent, Server. */
    private static final int KEPT = 10;

    /** Long names in lower case, with their kind and canonical spelling. */
    private static final String[] NAMES = {HeaderName.VIA, HeaderName.FROM, HeaderName.TO, HeaderName.CALL_ID,
        HeaderName.CSEQ, HeaderName.CONTACT, HeaderName.EXPIRES, HeaderName.MAX_FORWARDS, HeaderName.CONTENT_LENGTH,
        HeaderName.MIN_EXPIRES, HeaderName.WWW_AUTHENTICATE, HeaderName.PROXY_AUTHENTICATE, HeaderName.AUTHORIZATION,
        HeaderName.PROXY_AUTHORIZATION, HeaderName.USER_AGENT, HeaderName.SERVER};
    private static final int[] KINDS = {VIA, FROM, TO, CALL_ID, CSEQ, CONTACT, EXPIRES, MAX_FORWARDS, CONTENT_LENGTH,
        KEPT, KEPT, KEPT, KEPT, KEPT, KEPT, KEPT};
    private static final byte[][] LOWER = new byte[NAMES.length][];
    // Indexes in NAMES of the headers only kept.
    private static final int MIN_EXPIRES_NAME = 9;
    private static final int WWW_AUTHENTICATE_NAME = 10;
    private static final int PROXY_AUTHENTICATE_NAME = 11;
    private static final int AUTHORIZATION_NAME = 12;
    private static final int USER_AGENT_NAME = 14;
    private static final int SERVER_NAME = 15;
    /** RFC 3261 §7.3.3 compact forms of the names above, by lower-case letter: index into NAMES, or -1. */
    private static final int[] COMPACT = new int[128];

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            add(c, TOKEN | WORD | HOSTNAME | ALPHA | SCHEME | USER | PARAM | GEN_VALUE);
            add(c - 32, TOKEN | WORD | HOSTNAME | ALPHA | SCHEME | USER | PARAM | GEN_VALUE);
        }
        for (int c = '0'; c <= '9'; c++) {
            add(c, TOKEN | WORD | HOSTNAME | DIGIT | SCHEME | IPV6 | USER | PARAM | GEN_VALUE);
        }
        for (char c : "abcdefABCDEF:.".toCharArray()) {
            add(c, IPV6);
        }
        add("-.!%*_+`'~", TOKEN | GEN_VALUE);
        add("-.!%*_+`'~()<>:\\\"/[]?{}", WORD);
        add("-._", HOSTNAME);
        add("+-.", SCHEME);
        add("-_.!~*'()", USER | PARAM);     // mark
        add("&=+$,;?/", USER);              // user-unreserved
        add("[]/:&+$", PARAM);              // param-unreserved
        add("[]:", GEN_VALUE);
        // "%" starts an escape in a URI (RFC 3261 §19.1.2): declined there, though a token may hold it.
        CLASSES['%'] &= ~(USER | PARAM);
        java.util.Arrays.fill(COMPACT, -1);
        for (int i = 0; i < NAMES.length; i++) {
            LOWER[i] = NAMES[i].toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        }
        String[][] compact = {{"v", HeaderName.VIA}, {"f", HeaderName.FROM}, {"t", HeaderName.TO},
            {"i", HeaderName.CALL_ID}, {"m", HeaderName.CONTACT}, {"l", HeaderName.CONTENT_LENGTH}};
        for (String[] c : compact) {
            COMPACT[c[0].charAt(0)] = java.util.Arrays.asList(NAMES).indexOf(c[1]);
        }
    }

    private static void add(int c, int mask) {
        CLASSES[c] |= mask;
    }

    private static void add(String chars, int mask) {
        for (int i = 0; i < chars.length(); i++) {
            CLASSES[chars.charAt(i)] |= mask;
        }
    }

    private CanonicalScanner() {
    }

    /** One reader per thread: its buffers and its strings are reused from message to message. */
    private static final ThreadLocal<Run> RUNS = ThreadLocal.withInitial(Run::new);

    /** The facts of {@code d[at, at+len)}, or null when the message is not plainly well-formed. */
    static MessageFacts scan(byte[] d, int at, int len) {
        if (len > MAX_MESSAGE || len < 16) {
            return null;
        }
        return RUNS.get().scan(d, at, at + len);
    }

    /** Reads one message at a time. */
    private static final class Run {
        private byte[] d;
        private int end;
        private int pos;
        private boolean request;
        private String method;
        private int methodStart;
        private int methodEnd;
        private int status;
        private String reason;
        private String callId;
        private long cseq;
        private String cseqMethod;
        private int fields;
        private int vias;
        private int froms;
        private int tos;
        private int cseqs;
        private int contacts;
        private boolean wildcard;
        private int expires;
        private int maxForwards;
        private int contentLengths;
        private long contentLength;
        // Where the values the facts are read from lie: start and end, or -1.
        private int toStart;
        private int toEnd;
        private int viaStart;
        private int viaEnd;
        /** The top Via: a quoted parameter value; where its first branch, received and rport values are (or -1). */
        private boolean viaQuoted;
        private int viaBranchStart;
        private int viaBranchEnd;
        private int viaReceivedStart;
        private int viaReceivedEnd;
        private int viaRportStart;
        private int viaRportEnd;
        private int expiresStart;
        private int expiresEnd;
        private int minExpiresStart;
        private int minExpiresEnd;
        private int userAgentStart;
        private int userAgentEnd;
        private int serverStart;
        private int serverEnd;
        private int authorizationStart;
        private int authorizationEnd;
        private int proxyAuthorizationStart;
        private int proxyAuthorizationEnd;
        /** Contact values other than "*", and challenges (WWW- then Proxy-Authenticate), as start/end pairs. */
        private final Ranges contactValues = new Ranges();
        private final Ranges wwwAuthenticate = new Ranges();
        private final Ranges proxyAuthenticate = new Ranges();
        private final Interner strings = new Interner();
        private byte[] scratch = new byte[256];
        // A found parameter: start and end of its value.
        private int foundStart;
        private int foundEnd;

        MessageFacts scan(byte[] bytes, int start, int stop) {
            d = bytes;
            pos = start;
            end = stop;
            request = false;
            method = "";
            status = 0;
            reason = "";
            callId = null;
            cseq = -1;
            cseqMethod = "";
            fields = 0;
            vias = 0;
            froms = 0;
            tos = 0;
            cseqs = 0;
            contacts = 0;
            wildcard = false;
            expires = 0;
            maxForwards = 0;
            contentLengths = 0;
            contentLength = -1;
            toStart = -1;
            viaStart = -1;
            expiresStart = -1;
            minExpiresStart = -1;
            userAgentStart = -1;
            serverStart = -1;
            authorizationStart = -1;
            proxyAuthorizationStart = -1;
            contactValues.clear();
            wwwAuthenticate.clear();
            proxyAuthenticate.clear();
            try {
                return run();
            } finally {
                d = null;       // the capture's bytes are not kept alive by a thread's reader
            }
        }

        MessageFacts run() {
            if (!startLine()) {
                return null;
            }
            while (true) {
                int lineStart = pos;
                if (lineStart + 1 >= end) {
                    return null;        // no empty line ends the headers
                }
                if (d[lineStart] == '\r') {
                    if (d[lineStart + 1] != '\n') {
                        return null;
                    }
                    pos = lineStart + 2;
                    break;
                }
                if (!headerLine()) {
                    return null;
                }
            }
            // RFC 3261 §8.1.1: To, From, Call-ID, CSeq, Via in every message, Max-Forwards in requests.
            if (tos != 1 || froms != 1 || callId == null || cseqs != 1 || vias == 0 || (request && maxForwards != 1)
                    || expires > 1 || maxForwards > 1 || contentLengths > 1 || (wildcard && contacts > 1)) {
                return null;
            }
            // RFC 3261 §18.3: a Content-Length beyond the datagram.
            if (contentLength > end - pos) {
                return null;
            }
            return facts();
        }

        // ------------------------------------------------------------------------------------------ start line

        /** {@code SIP/2.0 200 OK} or {@code REGISTER sip:example.com SIP/2.0}, ending in CRLF. */
        private boolean startLine() {
            int lineEnd = lineEnd(pos);
            if (lineEnd < 0 || lineEnd - pos > MAX_LINE) {
                return false;
            }
            int i = pos;
            if (startsWith(i, "SIP/2.0 ")) {
                i += 8;
                if (i + 4 > lineEnd || !is(d[i], DIGIT) || !is(d[i + 1], DIGIT) || !is(d[i + 2], DIGIT)
                        || d[i + 3] != ' ') {
                    return false;
                }
                status = (d[i] - '0') * 100 + (d[i + 1] - '0') * 10 + (d[i + 2] - '0');
                if (status < 100 || status > 699) {
                    return false;
                }
                i += 4;
                for (int k = i; k < lineEnd; k++) {
                    if (!printable(d[k])) {
                        return false;
                    }
                }
                reason = reason(i, lineEnd);
            } else {
                request = true;
                methodStart = i;
                while (i < lineEnd && is(d[i], TOKEN)) {
                    i++;
                }
                if (i == methodStart || i >= lineEnd || d[i] != ' ') {
                    return false;
                }
                methodEnd = i;
                method = method(methodStart, methodEnd);
                int uriStart = ++i;
                while (i < lineEnd && d[i] != ' ') {
                    i++;
                }
                // Request-URI SP SIP-Version: one SP each, no headers in the URI (RFC 3261 §19.1.1).
                if (i != lineEnd - 8 || !startsWith(i, " SIP/2.0") || !sipUri(uriStart, i)) {
                    return false;
                }
            }
            pos = lineEnd + 2;
            return true;
        }

        private String method(int from, int to) {
            if (to - from == 8 && startsWith(from, "REGISTER")) {
                return "REGISTER";
            }
            if (to - from == 7 && startsWith(from, "OPTIONS")) {
                return "OPTIONS";
            }
            return ascii(from, to);
        }

        private String reason(int from, int to) {
            if (to - from == 2 && d[from] == 'O' && d[from + 1] == 'K') {
                return "OK";
            }
            if (to - from == 12 && startsWith(from, "Unauthorized")) {
                return "Unauthorized";
            }
            return ascii(from, to);
        }

        // --------------------------------------------------------------------------------------------- headers

        /** {@code Name: value} CRLF, the value printable ASCII, the next line not a continuation. */
        private boolean headerLine() {
            int lineStart = pos;
            int i = lineStart;
            while (i < end && is(d[i], TOKEN)) {
                i++;
            }
            if (i == lineStart || i >= end || d[i] != ':') {
                return false;
            }
            int nameEnd = i;
            i++;
            while (i < end && d[i] == ' ') {
                i++;
            }
            int valueStart = i;
            int commas = 0;
            long backslashes = 0;
            // Eight bytes at a time (the bytes loop below takes the last few of the message): commas counted,
            // backslashes noted, up to the first byte that is not printable, which must be the line's CR.
            for (int last = end - Long.BYTES; i <= last; i += Long.BYTES) {
                long x = (long) LONGS.get(d, i);
                // A byte below 0x20, 0x7F or above sets its high bit here; printable ones never do. A borrow may
                // flag bytes above a flagged one too, never one below: the lowest flag is the first such byte.
                long unprintable = ((x - CONTROLS) | x | ((x ^ DELS) - ONES)) & HIGH_BITS;
                long before = unprintable == 0 ? -1L : (unprintable & -unprintable) - 1;     // the bytes below it
                commas += Long.bitCount(zeroBytes(x ^ COMMAS) & before);
                backslashes |= zeroBytes(x ^ BACKSLASHES) & before;
                if (unprintable != 0) {
                    i += Long.numberOfTrailingZeros(unprintable) >>> 3;
                    if (d[i] != '\r') {
                        return false;
                    }
                    break;
                }
            }
            while (i < end && d[i] != '\r') {
                byte b = d[i];
                if (!printable(b)) {
                    return false;
                }
                if (b == ',') {
                    commas++;
                } else if (b == '\\') {
                    backslashes = 1;
                }
                i++;
            }
            // CRLF, and no folding (RFC 3261 §7.3.1) on the next line
            if (i + 2 >= end || d[i + 1] != '\n' || d[i + 2] == ' ' || d[i + 2] == '\t') {
                return false;
            }
            int valueEnd = i;
            while (valueEnd > valueStart && d[valueEnd - 1] == ' ') {
                valueEnd--;
            }
            if (i - lineStart > MAX_LINE) {
                return false;
            }
            pos = i + 2;
            // A list-valued header becomes one field per element: at most one more than its commas.
            fields += commas + 1;
            if (fields > MAX_FIELDS) {
                return false;
            }
            int name = name(lineStart, nameEnd);
            if (name < 0) {
                return true;
            }
            int s = valueStart;
            int e = valueEnd;
            return switch (KINDS[name]) {
                case VIA -> via(s, e, commas);
                case FROM -> froms++ == 0 && nameAddress(s, e, false);
                case TO -> {
                    toStart = s;
                    toEnd = e;
                    yield tos++ == 0 && nameAddress(s, e, false);
                }
                case CALL_ID -> callId(s, e);
                case CSEQ -> cseq(s, e);
                case CONTACT -> contact(s, e, commas);
                case EXPIRES -> {
                    expiresStart = s;
                    expiresEnd = e;
                    yield expires++ == 0 && number(s, e, 0xFFFF_FFFFL) >= 0;
                }
                case MAX_FORWARDS -> maxForwards++ == 0 && number(s, e, 255) >= 0;
                case CONTENT_LENGTH -> contentLengths++ == 0 && (contentLength = number(s, e, 999_999_999_999L)) >= 0;
                default -> kept(name, s, e) && backslashes == 0;
            };
        }

        /** A header read only for the facts; the first of each counts, except challenges, which all do. */
        private boolean kept(int name, int s, int e) {
            switch (name) {
                case MIN_EXPIRES_NAME -> {
                    if (minExpiresStart < 0) {
                        minExpiresStart = s;
                        minExpiresEnd = e;
                    }
                    return true;
                }
                case USER_AGENT_NAME -> {
                    if (userAgentStart < 0) {
                        userAgentStart = s;
                        userAgentEnd = e;
                    }
                    return true;
                }
                case SERVER_NAME -> {
                    if (serverStart < 0) {
                        serverStart = s;
                        serverEnd = e;
                    }
                    return true;
                }
                case WWW_AUTHENTICATE_NAME -> wwwAuthenticate.add(s, e);
                case PROXY_AUTHENTICATE_NAME -> proxyAuthenticate.add(s, e);
                case AUTHORIZATION_NAME -> {
                    if (authorizationStart < 0) {
                        authorizationStart = s;
                        authorizationEnd = e;
                    }
                }
                default -> {
                    if (proxyAuthorizationStart < 0) {
                        proxyAuthorizationStart = s;
                        proxyAuthorizationEnd = e;
                    }
                }
            }
            // The authentication values are read as MessageFacts.authParam reads them: without quoted-pairs here
            // (headerLine declines any value with a backslash).
            return true;
        }

        /** The index in NAMES of a header name, compact forms included, any case; -1 for the others. */
        private int name(int from, int to) {
            int length = to - from;
            if (length == 1) {
                int c = lower(d[from]);
                return c < 128 ? COMPACT[c] : -1;
            }
            for (int n = 0; n < LOWER.length; n++) {
                byte[] lower = LOWER[n];
                if (lower.length == length && lower[0] == lower(d[from]) && equalsIgnoreCase(lower, from)) {
                    return n;
                }
            }
            return -1;
        }

        /** Names are tokens and the known ones letters and "-": OR-ing in 0x20 lowers a letter and keeps "-". */
        private boolean equalsIgnoreCase(byte[] lower, int from) {
            for (int k = 1; k < lower.length; k++) {
                if (lower[k] != (d[from + k] | 0x20)) {
                    return false;
                }
            }
            return true;
        }

        /** callid = word [ "@" word ] (RFC 3261 §25.1); it must be the only Call-ID. */
        private boolean callId(int s, int e) {
            if (callId != null) {
                return false;
            }
            int i = skip(s, e, WORD);
            if (i == s) {
                return false;
            }
            if (i < e) {
                if (d[i] != '@') {
                    return false;
                }
                int j = skip(i + 1, e, WORD);
                if (j == i + 1 || j != e) {
                    return false;
                }
            }
            callId = strings.string(d, s, e);
            return true;
        }

        /** CSeq = 1*DIGIT LWS Method, below 2**31 (§8.1.1.5), and a request's CSeq names its method. */
        private boolean cseq(int s, int e) {
            if (cseqs++ > 0) {
                return false;
            }
            int sp = s;
            while (sp < e && d[sp] != ' ') {
                sp++;
            }
            if (number(s, sp, 0x7FFF_FFFFL) < 0 || sp + 1 >= e || skip(sp + 1, e, TOKEN) != e) {
                return false;
            }
            if (request && !java.util.Arrays.equals(d, sp + 1, e, d, methodStart, methodEnd)) {
                return false;
            }
            if (sp - s > 10) {
                return false;       // MessageFacts reads at most ten digits the plain way
            }
            cseq = number(s, sp, 0x7FFF_FFFFL);
            cseqMethod = request ? method : method(sp + 1, e);
            return true;
        }

        /** via-parm = SIP/2.0/transport SP sent-by *(; via-params); a request's top Via has a branch (§8.1.1.7). */
        private boolean via(int s, int e, int commas) {
            if (commas > 0 || e - s < 9 || !startsWith(s, "SIP/2.0/")) {
                return false;
            }
            int i = skip(s + 8, e, TOKEN);
            if (i == s + 8 || i >= e || d[i] != ' ') {
                return false;
            }
            i = host(i + 1, e);
            if (i < 0) {
                return false;
            }
            if (i < e && d[i] == ':') {
                i = port(i + 1, e);
                if (i < 0) {
                    return false;
                }
            }
            boolean top = vias++ == 0;
            boolean branch = false;
            if (top) {
                viaQuoted = false;
                viaBranchStart = -1;
                viaReceivedStart = -1;
                viaRportStart = -1;
            }
            while (i < e) {
                if (d[i] != ';') {
                    return false;
                }
                int nameStart = i + 1;
                i = skip(nameStart, e, TOKEN);
                if (i == nameStart) {
                    return false;
                }
                int nameEnd = i;
                branch |= nameEnd - nameStart == 6 && regionMatchesIgnoreCase(nameStart, "branch");
                i = genericValue(i, e);
                if (i < 0) {
                    return false;
                }
                if (top) {
                    viaParam(nameStart, nameEnd, i);
                }
            }
            if (top) {
                if (request && !branch) {
                    return false;
                }
                viaStart = s;
                viaEnd = e;
            }
            return true;
        }

        /**
         * Notes where the top Via's branch, received and rport parameters are: the first of each (a branch with a
         * value). Without quoted values, the parameters are exactly the pieces between semicolons, so this is what
         * MessageFacts finds by splitting at them.
         */
        private void viaParam(int nameStart, int nameEnd, int paramEnd) {
            boolean hasValue = nameEnd < paramEnd;
            if (hasValue && d[nameEnd + 1] == '"') {
                viaQuoted = true;
            }
            int n = nameEnd - nameStart;
            if (n == 6 && hasValue && viaBranchStart < 0 && regionMatchesIgnoreCase(nameStart, "branch")) {
                viaBranchStart = nameEnd + 1;
                viaBranchEnd = paramEnd;
            } else if (n == 8 && viaReceivedStart < 0 && regionMatchesIgnoreCase(nameStart, "received")) {
                viaReceivedStart = hasValue ? nameEnd + 1 : paramEnd;
                viaReceivedEnd = paramEnd;
            } else if (n == 5 && viaRportStart < 0 && regionMatchesIgnoreCase(nameStart, "rport")) {
                viaRportStart = hasValue ? nameEnd + 1 : paramEnd;
                viaRportEnd = paramEnd;
            }
        }

        /** Contact: "*" alone, or one name-addr whose expires and q parameters are in range (§10.2.1, §20.10). */
        private boolean contact(int s, int e, int commas) {
            contacts++;
            if (e - s == 1 && d[s] == '*') {
                wildcard = true;
                return true;
            }
            contactValues.add(s, e);
            return commas == 0 && nameAddress(s, e, true);
        }

        /** An Expires, Max-Forwards or Content-Length value: 1*DIGIT up to {@code max}, else -1. */
        private long number(int s, int e, long max) {
            if (s == e || e - s > 12) {
                return -1;
            }
            long value = 0;
            for (int i = s; i < e; i++) {
                if (!is(d[i], DIGIT)) {
                    return -1;
                }
                value = value * 10 + (d[i] - '0');
            }
            return value <= max ? value : -1;
        }

        // ---------------------------------------------------------------------------------------- name-addr

        /**
         * (name-addr / addr-spec) *(SEMI generic-param) (§20.10, §20.20, §20.39), with a quoted display name free of
         * quoted-pairs, no LWS but one SP before {@code <}, and a sip or sips URI.
         */
        private boolean nameAddress(int s, int e, boolean contact) {
            int i = s;
            byte c = d[i];
            if (c == '"') {
                i++;
                while (i < e && d[i] != '"') {
                    if (d[i] == '\\') {
                        return false;
                    }
                    i++;
                }
                i++;
                while (i < e && d[i] == ' ') {
                    i++;
                }
                if (i >= e || d[i] != '<') {
                    return false;
                }
                i = bracketed(i, e);
            } else if (c == '<') {
                i = bracketed(i, e);
            } else if (indexOf((byte) '<', s, e) >= 0) {
                // display-name = *(token LWS)
                while (i < e && d[i] != '<') {
                    if (!is(d[i], TOKEN) && d[i] != ' ') {
                        return false;
                    }
                    i++;
                }
                i = bracketed(i, e);
            } else {
                // addr-spec: its parameters are the header's, and a URI with "," or "?" must be in <> (§20.10)
                int uriEnd = i;
                while (uriEnd < e && d[uriEnd] != ';' && d[uriEnd] != ' ') {
                    if (d[uriEnd] == ',' || d[uriEnd] == '?') {
                        return false;
                    }
                    uriEnd++;
                }
                i = sipUri(i, uriEnd) ? uriEnd : -1;
            }
            if (i < 0) {
                return false;
            }
            while (i < e) {
                if (d[i] != ';') {
                    return false;
                }
                int nameStart = i + 1;
                i = skip(nameStart, e, TOKEN);
                if (i == nameStart) {
                    return false;
                }
                int nameEnd = i;
                i = genericValue(i, e);
                if (i < 0 || (contact && !contactParam(nameStart, nameEnd, i))) {
                    return false;
                }
            }
            return true;
        }

        /** After {@code <}: a URI up to the first {@code >}; the index after it, or -1. */
        private int bracketed(int lt, int e) {
            int gt = indexOf((byte) '>', lt + 1, e);
            return gt >= 0 && sipUri(lt + 1, gt) ? gt + 1 : -1;
        }

        /** [ EQUAL gen-value ] after a parameter name: a token/host value or a quoted string without quoted-pairs. */
        private int genericValue(int i, int e) {
            if (i >= e || d[i] != '=') {
                return i;
            }
            i++;
            if (i < e && d[i] == '"') {
                int close = i + 1;
                while (close < e && d[close] != '"') {
                    if (d[close] == '\\') {
                        return -1;
                    }
                    close++;
                }
                return close < e ? close + 1 : -1;
            }
            int valueEnd = skip(i, e, GEN_VALUE);
            return valueEnd == i ? -1 : valueEnd;
        }

        /** contact-expires = delta-seconds; qvalue = "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3("0") ] (§20.10, §25.1). */
        private boolean contactParam(int nameStart, int nameEnd, int paramEnd) {
            int valueStart = nameEnd + 1;
            if (nameEnd - nameStart == 7 && regionMatchesIgnoreCase(nameStart, "expires")) {
                return nameEnd < paramEnd && number(valueStart, paramEnd, 0xFFFF_FFFFL) >= 0;
            }
            if (nameEnd - nameStart == 1 && (d[nameStart] | 0x20) == 'q') {
                int n = paramEnd - valueStart;
                if (nameEnd >= paramEnd || n < 1 || n > 5 || (d[valueStart] != '0' && d[valueStart] != '1')) {
                    return false;
                }
                if (n == 1) {
                    return true;
                }
                if (d[valueStart + 1] != '.') {
                    return false;
                }
                for (int k = valueStart + 2; k < paramEnd; k++) {
                    if (!is(d[k], DIGIT) || (d[valueStart] == '1' && d[k] != '0')) {
                        return false;
                    }
                }
            }
            return true;
        }

        // ---------------------------------------------------------------------------------------------- URI

        /**
         * A sip or sips URI exactly filling {@code d[s, e)} (RFC 3261 §19.1.1): [user "@"] host [":" port]
         * *(";" param), without password, escapes or headers.
         */
        private boolean sipUri(int s, int e) {
            int i;
            if (startsWith(s, "sip:")) {
                i = s + 4;
            } else if (startsWith(s, "sips:")) {
                i = s + 5;
            } else {
                return false;
            }
            // userinfo: the first "@" ends it; ":" (a password) is not among the user characters. An "@" after a
            // stop that is not one is in no part that follows, so such a URI is declined below.
            int userEnd = skip(i, e, USER);
            if (userEnd < e && d[userEnd] == '@') {
                if (userEnd == i) {
                    return false;
                }
                i = userEnd + 1;
            }
            i = host(i, e);
            if (i < 0) {
                return false;
            }
            if (i < e && d[i] == ':') {
                i = port(i + 1, e);
                if (i < 0) {
                    return false;
                }
            }
            while (i < e && d[i] == ';') {
                int nameStart = i + 1;
                i = skip(nameStart, e, PARAM);
                if (i == nameStart) {
                    return false;
                }
                if (i < e && d[i] == '=') {
                    int valueStart = i + 1;
                    i = skip(valueStart, e, PARAM);
                    if (i == valueStart) {
                        return false;
                    }
                }
            }
            return i == e;
        }

        /** host = hostname / IPv4address / IPv6reference; the index after it, or -1. */
        private int host(int i, int e) {
            if (i < e && d[i] == '[') {
                int j = skip(i + 1, e, IPV6);
                return j < e && d[j] == ']' && indexOf((byte) ':', i + 1, j) >= 0 ? j + 1 : -1;
            }
            int j = skip(i, e, HOSTNAME);
            return j == i ? -1 : j;
        }

        /** port = 1*DIGIT, at most 65535; the index after it, or -1. */
        private int port(int i, int e) {
            int j = i;
            int port = 0;
            while (j < e && is(d[j], DIGIT)) {
                port = port * 10 + (d[j] - '0');
                if (port > 65_535) {
                    return -1;
                }
                j++;
            }
            return j == i ? -1 : j;
        }

        // ------------------------------------------------------------------------------------------ facts
        // What MessageFacts reads from the header values, read from the bytes the same way, step by step; where its
        // reading would take a turn not followed here, the message is declined instead.

        private MessageFacts facts() {
            // the top Via: "SIP/2.0/UDP host:port;params", as MessageFacts.scanVia reads it
            int sp = indexOf((byte) ' ', viaStart, viaEnd);
            int semi = indexOf((byte) ';', viaStart, viaEnd);
            int sentByEnd = semi < 0 ? viaEnd : semi;
            int close = lastIndexOf((byte) ']', sp + 1, sentByEnd);
            int colon = lastIndexOf((byte) ':', sp + 1, sentByEnd);
            int hostEnd = sentByEnd;
            int viaPort = -1;
            if (colon > close && (close >= 0 || indexOf((byte) ':', sp + 1, sentByEnd) == colon)) {
                hostEnd = colon;
                viaPort = (int) digits(colon + 1, sentByEnd);
            }
            String viaHost = strings.string(d, sp + 1, hostEnd);
            String branch = "";
            String received = "";
            int rport = -2;
            if (!viaQuoted) {
                // the parameters as the validation found them
                if (viaBranchStart >= 0) {
                    branch = strings.string(d, viaBranchStart, viaBranchEnd);
                }
                if (viaReceivedStart >= 0) {
                    received = strings.string(d, viaReceivedStart, viaReceivedEnd);
                }
                if (viaRportStart >= 0) {
                    rport = viaRportStart == viaRportEnd ? -1 : (int) digits(viaRportStart, viaRportEnd);
                }
            } else {
                int b = semi < 0 ? -1 : indexOfIgnoreCase(";branch=", semi, viaEnd);
                if (b >= 0) {
                    int to = b + 8;
                    while (to < viaEnd && d[to] != ';' && d[to] != ' ') {
                        to++;
                    }
                    branch = ascii(b + 8, to);
                }
                if (param(viaStart, viaEnd, "received")) {
                    received = strings.string(d, foundStart, foundEnd);
                }
                if (param(viaStart, viaEnd, "rport")) {
                    rport = foundStart == foundEnd ? -1 : (int) digits(foundStart, foundEnd);
                }
            }
            String transport = transport(viaStart + 8, sp);

            String aor = aor();
            List<MessageFacts.Contact> contactList = contactList();
            if (contactList == null) {
                return null;
            }
            List<MessageFacts.Challenge> challenges = challenges();
            if (challenges == null) {
                return null;
            }
            String credentialsHeader = authorizationStart >= 0 ? HeaderName.AUTHORIZATION
                    : proxyAuthorizationStart >= 0 ? HeaderName.PROXY_AUTHORIZATION : "";
            String username = "";
            String credentialsRealm = "";
            String credentialsAlgorithm = "";
            if (!credentialsHeader.isEmpty()) {
                int s = authorizationStart >= 0 ? authorizationStart : proxyAuthorizationStart;
                int e = authorizationStart >= 0 ? authorizationEnd : proxyAuthorizationEnd;
                if (!authParams(s, e, "username", "realm", "algorithm")) {
                    return null;
                }
                username = authParam(0);
                credentialsRealm = authParam(1);
                credentialsAlgorithm = algorithm(2);
            }
            String userAgent = request ? (userAgentStart < 0 ? "" : strings.string(d, userAgentStart,
                    userAgentEnd)) : (serverStart < 0 ? "" : strings.string(d, serverStart, serverEnd));
            return new MessageFacts(request, method, status, reason, callId, cseq, cseqMethod, viaHost, viaPort, branch,
                    aor, transport, received, rport, contactList, wildcard,
                    expiresStart < 0 ? -1 : digits(expiresStart, expiresEnd),
                    minExpiresStart < 0 ? -1 : digits(minExpiresStart, minExpiresEnd), challenges, credentialsHeader,
                    username, credentialsRealm, credentialsAlgorithm, userAgent);
        }

        private String transport(int from, int to) {
            if (to - from == 3) {
                if (regionMatchesIgnoreCase(from, "udp")) {
                    return "UDP";
                }
                if (regionMatchesIgnoreCase(from, "tcp")) {
                    return "TCP";
                }
                if (regionMatchesIgnoreCase(from, "tls")) {
                    return "TLS";
                }
            }
            return ascii(from, to).toUpperCase(java.util.Locale.ROOT);
        }

        /** MessageFacts.addressOfRecord on the To value: the plain case here, the rest by that very method. */
        private String aor() {
            int s = toStart;
            int e = toEnd;
            int lt = indexOf((byte) '<', s, e);
            int gt = lt < 0 ? -1 : indexOf((byte) '>', lt, e);
            int u0;
            int u1;
            if (lt >= 0 && gt > lt) {
                u0 = lt + 1;
                u1 = gt;
            } else {
                u0 = s;
                int semi = indexOf((byte) ';', s, e);
                u1 = semi < 0 ? e : semi;
                while (u1 > u0 && d[u1 - 1] == ' ') {
                    u1--;
                }
            }
            // the first ":" and "@", no "%" or "[", and no other ":" between them (a password), in one pass
            int colon = -1;
            int at = -1;
            boolean odd = false;
            for (int k = u0; k < u1; k++) {
                byte c = d[k];
                if (c == ':') {
                    odd |= colon >= 0 && at < 0;
                    colon = colon < 0 ? k : colon;
                } else if (c == '@') {
                    at = at < 0 ? k : at;
                } else if (c == '%' || c == '[') {
                    odd = true;
                }
            }
            boolean plain = colon > u0 && at > colon && !odd;
            boolean sip = colon - u0 == 3 && regionMatchesIgnoreCase(u0, "sip")
                    || colon - u0 == 4 && regionMatchesIgnoreCase(u0, "sips");
            if (!plain || !sip) {
                return MessageFacts.addressOfRecord(ascii(s, e));
            }
            int hostEnd = at + 1;
            while (hostEnd < u1 && d[hostEnd] != ':' && d[hostEnd] != ';' && d[hostEnd] != '?') {
                hostEnd++;
            }
            int n = hostEnd - u0;
            if (scratch.length < n) {
                scratch = new byte[Math.max(n, 2 * scratch.length)];
            }
            for (int k = u0; k < hostEnd; k++) {
                // the scheme and the host in lower case, the user as written
                scratch[k - u0] = (byte) (k < colon || k > at ? lower(d[k]) : d[k]);
            }
            return strings.string(scratch, 0, n);
        }

        /** MessageFacts.contact on each Contact value. */
        private List<MessageFacts.Contact> contactList() {
            int n = contactValues.size();
            if (n == 0) {
                return List.of();
            }
            if (n == 1) {
                return List.of(contact(0));
            }
            var list = new MessageFacts.Contact[n];
            for (int c = 0; c < n; c++) {
                list[c] = contact(c);
            }
            return List.of(list);
        }

        /** MessageFacts.contact on one Contact value. */
        private MessageFacts.Contact contact(int c) {
            int s = contactValues.start(c);
            int e = contactValues.end(c);
            int lt = indexOf((byte) '<', s, e);
            int gt = lt < 0 ? -1 : indexOf((byte) '>', lt, e);
            int u0;
            int u1;
            int p0;
            int p1;
            if (lt >= 0 && gt > lt) {
                u0 = lt + 1;
                u1 = gt;
                p0 = gt + 1;
                p1 = e;
            } else {
                int semi = indexOf((byte) ';', s, e);
                u0 = s;
                u1 = semi < 0 ? e : semi;
                while (u1 > u0 && d[u1 - 1] == ' ') {
                    u1--;
                }
                p0 = semi < 0 ? e : semi;
                p1 = e;
            }
            long expiresParam = param(p0, p1, "expires") ? digits(foundStart, foundEnd) : -1;
            int colon = indexOf((byte) ':', u0, u1);
            int at = indexOf((byte) '@', u0, u1);
            int from = at >= 0 ? at + 1 : (colon < 0 ? u0 : colon + 1);
            int to = from;
            if (to < u1 && d[to] == '[') {
                int bracket = indexOf((byte) ']', to, u1);
                to = Math.max(bracket + 1, to + 1);
            }
            while (to < u1 && d[to] != ':' && d[to] != ';' && d[to] != '?') {
                to++;
            }
            int port = -1;
            if (to < u1 && d[to] == ':') {
                int p = to + 1;
                while (p < u1 && is(d[p], DIGIT)) {
                    p++;
                }
                port = (int) digits(to + 1, p);
            }
            return new MessageFacts.Contact(strings.string(d, u0, u1), strings.string(d, Math.min(from, to), to),
                    port, expiresParam);
        }

        /** MessageFacts.readChallenges: WWW-Authenticate, then Proxy-Authenticate; null to decline. */
        private List<MessageFacts.Challenge> challenges() {
            int n = wwwAuthenticate.size() + proxyAuthenticate.size();
            if (n == 0) {
                return List.of();
            }
            var list = new MessageFacts.Challenge[n];
            for (int c = 0; c < n; c++) {
                boolean www = c < wwwAuthenticate.size();
                Ranges r = www ? wwwAuthenticate : proxyAuthenticate;
                int k = www ? c : c - wwwAuthenticate.size();
                if (!authParams(r.start(k), r.end(k), "realm", "algorithm", "stale")) {
                    return null;
                }
                boolean stale = found[2] >= 0 && foundEnds[2] - found[2] == 4 && regionMatchesIgnoreCase(found[2], "true");
                list[c] = new MessageFacts.Challenge(www ? HeaderName.WWW_AUTHENTICATE : HeaderName.PROXY_AUTHENTICATE,
                        authParam(0), algorithm(1), stale);
            }
            return List.of(list);
        }

        // The auth-params found by authParams: start and end of each value, start -1 when absent.
        private final int[] found = new int[3];
        private final int[] foundEnds = new int[3];

        /**
         * MessageFacts.authParam for three names in one pass over {@code d[s, e)}: the first value of each. False
         * when the value takes a turn that method reads otherwise (a quoted-pair, an unterminated quoted string).
         */
        private boolean authParams(int s, int e, String name0, String name1, String name2) {
            found[0] = found[1] = found[2] = -1;
            // no quoted-pairs: kept() declined any
            int i = indexOf((byte) ' ', s, e);     // after the scheme ("Digest")
            while (i >= 0 && i < e) {
                while (i < e && (d[i] == ' ' || d[i] == ',' || d[i] == '\t')) {
                    i++;
                }
                int keyStart = i;
                while (i < e && d[i] != '=' && d[i] != ',') {
                    i++;
                }
                int keyEnd = i;
                while (keyEnd > keyStart && d[keyEnd - 1] == ' ') {
                    keyEnd--;
                }
                while (keyStart < keyEnd && d[keyStart] == ' ') {
                    keyStart++;
                }
                int vs = -1;
                int ve = -1;
                if (i < e && d[i] == '=') {
                    i++;
                    while (i < e && d[i] == ' ') {
                        i++;
                    }
                    if (i < e && d[i] == '"') {
                        int close = indexOf((byte) '"', i + 1, e);
                        if (close < 0) {
                            return false;
                        }
                        vs = i + 1;
                        ve = close;
                        i = close + 1;
                    } else {
                        vs = i;
                        while (i < e && d[i] != ',') {
                            i++;
                        }
                        ve = i;
                        while (ve > vs && d[ve - 1] == ' ') {
                            ve--;
                        }
                        while (vs < ve && d[vs] == ' ') {
                            vs++;
                        }
                    }
                } else {
                    vs = ve = 0;        // a key without a value: ""
                }
                for (int n = 0; n < 3; n++) {
                    String name = n == 0 ? name0 : n == 1 ? name1 : name2;
                    if (found[n] < 0 && keyEnd - keyStart == name.length() && regionMatchesIgnoreCase(keyStart, name)) {
                        found[n] = vs;
                        foundEnds[n] = ve;
                    }
                }
                if (keyStart == keyEnd && i < e && d[i] != ',') {
                    i++;
                }
            }
            return true;
        }

        /** The value of a found auth-param, "" when absent. */
        private String authParam(int n) {
            return found[n] < 0 ? "" : strings.string(d, found[n], foundEnds[n]);
        }

        /** An algorithm auth-param in upper case, MD5 when absent (RFC 2617 §3.2.1). */
        private String algorithm(int n) {
            if (found[n] < 0) {
                return "MD5";
            }
            int s = found[n];
            if (foundEnds[n] - s == 3 && regionMatchesIgnoreCase(s, "md5")) {
                return "MD5";
            }
            return ascii(s, foundEnds[n]).toUpperCase(java.util.Locale.ROOT);
        }

        /**
         * MessageFacts.viaParam over {@code d[s, e)}: the parameters after the first ";", split at every ";", keys
         * compared without case; the value (empty when there is no "=") goes to foundStart/foundEnd.
         */
        private boolean param(int s, int e, String name) {
            int i = indexOf((byte) ';', s, e);
            while (i >= 0 && i < e) {
                int start = i + 1;
                int next = indexOf((byte) ';', start, e);
                int stop = next < 0 ? e : next;
                while (start < stop && d[start] == ' ') {
                    start++;
                }
                while (stop > start && d[stop - 1] == ' ') {
                    stop--;
                }
                int eq = indexOf((byte) '=', start, stop);
                int keyEnd = eq < 0 ? stop : eq;
                int keyStart = start;
                while (keyEnd > keyStart && d[keyEnd - 1] == ' ') {
                    keyEnd--;
                }
                if (keyEnd - keyStart == name.length() && regionMatchesIgnoreCase(keyStart, name)) {
                    if (eq < 0) {
                        foundStart = foundEnd = stop;
                    } else {
                        foundStart = eq + 1;
                        foundEnd = stop;
                        while (foundStart < foundEnd && d[foundStart] == ' ') {
                            foundStart++;
                        }
                    }
                    return true;
                }
                i = next;
            }
            return false;
        }

        /** MessageFacts.number: up to ten digits, else -1. */
        private long digits(int s, int e) {
            if (s >= e || e - s > 10) {
                return -1;
            }
            long v = 0;
            for (int k = s; k < e; k++) {
                if (!is(d[k], DIGIT)) {
                    return -1;
                }
                v = v * 10 + (d[k] - '0');
            }
            return v;
        }

        private int lastIndexOf(byte b, int from, int to) {
            for (int i = to - 1; i >= from; i--) {
                if (d[i] == b) {
                    return i;
                }
            }
            return -1;
        }

        private int indexOfIgnoreCase(String lower, int from, int to) {
            for (int i = from; i + lower.length() <= to; i++) {
                if (regionMatchesIgnoreCase(i, lower)) {
                    return i;
                }
            }
            return -1;
        }

        // ------------------------------------------------------------------------------------------- bytes

        private int lineEnd(int from) {
            for (int i = from; i + 1 < end; i++) {
                if (d[i] == '\r') {
                    return d[i + 1] == '\n' ? i : -1;
                }
                if (d[i] == '\n') {
                    return -1;
                }
            }
            return -1;
        }

        private int skip(int i, int e, int mask) {
            while (i < e && is(d[i], mask)) {
                i++;
            }
            return i;
        }

        /** The first {@code b} in {@code d[from, to)}, or -1; eight bytes at a time (the zero-byte test). */
        private int indexOf(byte b, int from, int to) {
            int i = from;
            long pattern = ONES * (b & 0xFF);
            for (int last = to - Long.BYTES; i <= last; i += Long.BYTES) {
                long y = (long) LONGS.get(d, i) ^ pattern;
                long zeros = ~(((y & LOW_BITS) + LOW_BITS) | y | LOW_BITS);
                if (zeros != 0) {
                    return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
                }
            }
            for (; i < to; i++) {
                if (d[i] == b) {
                    return i;
                }
            }
            return -1;
        }

        private boolean startsWith(int from, String s) {
            if (from + s.length() > end) {
                return false;
            }
            for (int k = 0; k < s.length(); k++) {
                if (d[from + k] != s.charAt(k)) {
                    return false;
                }
            }
            return true;
        }

        private boolean regionMatchesIgnoreCase(int from, String lower) {
            for (int k = 0; k < lower.length(); k++) {
                if (lower(d[from + k]) != lower.charAt(k)) {
                    return false;
                }
            }
            return true;
        }

        private String ascii(int from, int to) {
            return new String(d, from, to - from, StandardCharsets.ISO_8859_1);
        }
    }

    /** Start/end pairs of header values, reused from message to message. */
    private static final class Ranges {
        private int[] pairs = new int[8];
        private int size;

        void clear() {
            size = 0;
        }

        void add(int start, int end) {
            if (2 * size + 2 > pairs.length) {
                pairs = java.util.Arrays.copyOf(pairs, pairs.length * 2);
            }
            pairs[2 * size] = start;
            pairs[2 * size + 1] = end;
            size++;
        }

        int size() {
            return size;
        }

        int start(int i) {
            return pairs[2 * i];
        }

        int end(int i) {
            return pairs[2 * i + 1];
        }
    }

    /**
     * Strings made from the bytes, handed out again when the same bytes come back: a large capture repeats its users,
     * hosts and realms, and a request and its answers their Call-ID and branch. Fewer allocations, and one String
     * shared by many messages in open groups (with its hash code, made once). Direct-mapped; a collision replaces.
     *
     * <p>The bytes each string was made from are kept in one ring of bytes rather than an array each (most strings of
     * a capture, its Call-IDs and branches, are seen only a few times and then replaced): a slot's bytes are still
     * there while less than the ring's size has been written after them.
     */
    private static final class Interner {
        private static final int SLOTS = 1 << 13;
        private static final int MAX = 128;
        private static final int RING = 1 << 20;

        /** The bytes of the strings in the table, to compare a candidate with. */
        private final ByteRing ring = new ByteRing(RING);
        private final long[] positions = new long[SLOTS];
        private final String[] strings = new String[SLOTS];

        String string(byte[] d, int from, int to) {
            int n = to - from;
            if (n > MAX) {
                return new String(d, from, n, StandardCharsets.ISO_8859_1);
            }
            int h = n;
            int k = from;
            for (int last = to - Long.BYTES; k <= last; k += Long.BYTES) {
                long x = (long) LONGS.get(d, k);
                h = 31 * h + (int) (x ^ (x >>> 29));
            }
            for (; k < to; k++) {
                h = 31 * h + d[k];
            }
            int slot = (h ^ (h >>> 13)) & (SLOTS - 1);
            String s = strings[slot];
            if (s != null && s.length() == n && ring.holds(positions[slot], d, from, n)) {
                return s;
            }
            positions[slot] = ring.put(d, from, n);
            return strings[slot] = new String(d, from, n, StandardCharsets.ISO_8859_1);
        }
    }

    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    private static final long CONTROLS = ONES * 0x20;
    private static final long DELS = ONES * 0x7F;
    private static final long COMMAS = ONES * ',';
    private static final long BACKSLASHES = ONES * '\\';

    private static final long LOW_BITS = 0x7F7F_7F7F_7F7F_7F7FL;

    /** The high bit of each zero byte of {@code y}, exactly (no borrow between bytes). */
    private static long zeroBytes(long y) {
        return ~(((y & LOW_BITS) + LOW_BITS) | y | LOW_BITS);
    }

    private static boolean is(byte b, int mask) {
        return (CLASSES[b & 0xFF] & mask) != 0;
    }

    /** Printable ASCII, SP included: no controls (HT, CR, LF among them), no DEL, nothing above 0x7E. */
    private static boolean printable(byte b) {
        return b >= 0x20 && b < 0x7F;
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b & 0xFF;
    }
}
