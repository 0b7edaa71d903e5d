package io.sipreg.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parsing and formatting of the structured header values (RFC 3261 §25.1 ABNF): name-addr, Via, CSeq, Contact
 * and the small scalar rules; URIs are {@link UriGrammar}'s. Package-private. Failures are
 * {@link SipParseException}s whose offset is in the text that was handed in.
 */
final class HeaderGrammar {
    /** delta-seconds values above this are out of range (RFC 3261 §20.19: "between 0 and (2**32)-1"). */
    static final long MAX_DELTA_SECONDS = 0xFFFF_FFFFL;

    /** Transports of RFC 3261 §20.42 and RFC 7118, as a Via's transport() reports them. */
    private static final String[] TRANSPORTS = {"UDP", "TCP", "TLS", "SCTP", "WS", "WSS", "TLS-SCTP"};

    private static final ThreadLocal<Recent> RECENT = ThreadLocal.withInitial(Recent::new);

    private HeaderGrammar() {
    }

    /**
     * The values this thread parsed last, by identity, and what they gave. One request's Via, CSeq, To and Contact
     * are read by the parser's checks and then again, the very same String, by the transport (symmetric response
     * routing), the transaction layer (its key) and the registrar, all on the thread that received it. Results are
     * immutable, and only successes are kept, so a repeated parse returns what it would have built anew.
     */
    private static final class Recent {
        private static final int NAME_ADDRESSES = 4;

        String viaText;
        Via via;
        String cseqText;
        CSeq cseq;
        /** To, From and a Contact or two of the current request. */
        private final String[] nameAddressTexts = new String[NAME_ADDRESSES];
        private final NameAddress[] nameAddresses = new NameAddress[NAME_ADDRESSES];
        private int next;

        NameAddress nameAddress(String text) {
            for (int i = 0; i < NAME_ADDRESSES; i++) {
                if (nameAddressTexts[i] == text) {
                    return nameAddresses[i];
                }
            }
            return null;
        }

        void remember(String text, NameAddress parsed) {
            nameAddressTexts[next] = text;
            nameAddresses[next] = parsed;
            next = (next + 1) % NAME_ADDRESSES;
        }
    }

    // ------------------------------------------------------------------------------------------ name-addr

    /**
     * {@code (name-addr / addr-spec) *(SEMI generic-param)} (§20.10, §20.20, §20.39). All failures carry
     * {@code violation}, so a bad URI inside a To header reads "Malformed To header".
     */
    static NameAddress parseNameAddress(String text, Violation violation) {
        Recent recent = RECENT.get();
        NameAddress known = recent.nameAddress(text);
        if (known != null) {
            return known;
        }
        NameAddress parsed = readNameAddress(text, violation);
        recent.remember(text, parsed);
        return parsed;
    }

    private static NameAddress readNameAddress(String text, Violation violation) {
        var s = new ValueScanner(text, violation);
        s.consumeSWS();
        String displayName = "";
        SipUri uri;
        char c = s.peek();
        if (c == '"') {
            displayName = s.quotedString();
            s.consumeSWS();
            if (!s.consume('<')) {
                throw s.fail();
            }
            uri = bracketedUri(s, violation);
        } else if (c == '<') {
            s.next();
            uri = bracketedUri(s, violation);
        } else if (hasLaquot(text, s.pos())) {
            // display-name = *(token LWS): RFC 4475 §3.1.2.15 (baddn) has a comma here and must fail
            int start = s.pos();
            int lastTokenEnd = start;
            while (s.peek() != '<') {
                if (s.skip(ByteClass.TOKEN) > 0) {
                    lastTokenEnd = s.pos();
                } else if (!s.consumeSWS()) {
                    throw s.fail();
                }
            }
            displayName = text.substring(start, lastTokenEnd);
            s.next();
            uri = bracketedUri(s, violation);
        } else {
            // addr-spec: §20.10 "parameters are considered header parameters, not URI parameters"
            int start = s.pos();
            int end = start;
            while (end < text.length() && text.charAt(end) != ';' && !isLwsChar(text.charAt(end))) {
                // §20.10: a URI with a comma, question mark or semicolon MUST be in <> (RFC 4475 §3.1.2.13)
                if (text.charAt(end) == '?' || text.charAt(end) == ',') {
                    throw s.failAt(end);
                }
                end++;
            }
            uri = UriGrammar.uri(text, start, end, violation);
            s.pos(end);
        }
        Parameters params = genericParams(s);
        s.expectEnd();
        return new NameAddress(displayName, uri, params);
    }

    private static boolean isLwsChar(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** True if a '<' follows outside quoted strings: the value is a name-addr with a token display-name. */
    private static boolean hasLaquot(String text, int from) {
        boolean quoted = false;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '<') {
                return true;
            }
        }
        return false;
    }

    /** After LAQUOT: addr-spec RAQUOT. No whitespace inside the brackets (RFC 4475 §3.1.2.14, badaspec). */
    private static SipUri bracketedUri(ValueScanner s, Violation violation) {
        String text = s.text();
        int start = s.pos();
        int close = text.indexOf('>', start);
        if (close < 0) {
            throw s.failAt(start - 1);
        }
        SipUri uri = UriGrammar.uri(text, start, close, violation);
        s.pos(close + 1);
        return uri;
    }

    /** *( SEMI generic-param ); generic-param = token [ EQUAL gen-value ]; values kept as written. */
    private static Parameters genericParams(ValueScanner s) {
        List<Parameters.Param> params = null;
        while (s.consumeSeparator(';')) {
            int nameStart = s.pos();
            if (s.skip(ByteClass.TOKEN) == 0) {
                throw s.fail();
            }
            String name = Parameters.name(s.text(), nameStart, s.pos());
            String value = "";
            boolean hasValue = false;
            if (s.consumeSeparator('=')) {
                value = s.peek() == '"' ? s.quotedString() : s.expect(ByteClass.GEN_VALUE);
                hasValue = true;
            }
            if (params == null) {
                params = new ArrayList<>(4);
            }
            params.add(new Parameters.Param(name, value, hasValue));
        }
        return params == null ? Parameters.EMPTY : Parameters.of(params);
    }

    static String formatNameAddress(NameAddress address) {
        String uri = UriGrammar.formatUri(address.uri());
        String params = address.params().toString();
        var sb = new StringBuilder(address.displayName().length() + uri.length() + params.length() + 4);
        if (!address.displayName().isEmpty()) {
            sb.append(address.displayName()).append(' ');
        }
        return sb.append('<').append(uri).append('>').append(params).toString();
    }

    // ------------------------------------------------------------------------------------------------ Via

    /**
     * via-parm = sent-protocol LWS sent-by *( SEMI via-params ) (§20.42, §25.1); SLASH, COLON and SEMI allow
     * LWS around them (RFC 4475 §3.1.1.1 folds a Via across three lines).
     */
    static Via parseVia(String text) {
        Recent recent = RECENT.get();
        if (recent.viaText == text) {
            return recent.via;
        }
        Via parsed = readVia(text);
        recent.viaText = text;
        recent.via = parsed;
        return parsed;
    }

    private static Via readVia(String text) {
        var s = new ValueScanner(text, Violation.BAD_VIA);
        s.consumeSWS();
        int protocolStart = s.pos();
        // The tokens are compared where they are, without a substring each (tokens are ASCII).
        if (s.skip(ByteClass.TOKEN) == 0) {
            throw s.fail();
        }
        if (s.pos() - protocolStart != 3 || !text.regionMatches(true, protocolStart, "SIP", 0, 3)) {
            throw s.failAt(protocolStart);
        }
        s.expectSeparator('/');
        int versionStart = s.pos();
        if (s.skip(ByteClass.TOKEN) == 0) {
            throw s.fail();
        }
        if (s.pos() - versionStart != 3 || !text.startsWith("2.0", versionStart)) {
            throw s.failAt(versionStart);
        }
        s.expectSeparator('/');
        String transport = transport(s);
        if (!s.consumeSWS()) {
            throw s.fail();
        }
        int hostStart = s.pos();
        int hostEnd = UriGrammar.hostEnd(text, hostStart, text.length(), Violation.BAD_VIA);
        String host = text.substring(hostStart, hostEnd);
        s.pos(hostEnd);
        int port = -1;
        if (s.consumeSeparator(':')) {
            port = (int) s.number(65_535);
        }
        Parameters params = genericParams(s);
        s.expectEnd();
        return new Via(transport, host, port, params);
    }

    /** The transport token in upper case; the usual ones are constants. */
    private static String transport(ValueScanner s) {
        int start = s.pos();
        if (s.skip(ByteClass.TOKEN) == 0) {
            throw s.fail();
        }
        String text = s.text();
        int length = s.pos() - start;
        for (String known : TRANSPORTS) {
            if (known.length() == length && text.regionMatches(true, start, known, 0, length)) {
                return known;
            }
        }
        return text.substring(start, s.pos()).toUpperCase(Locale.ROOT);
    }

    static String formatVia(Via via) {
        var sb = new StringBuilder(via.host().length() + 64);
        sb.append("SIP/2.0/").append(via.transport()).append(' ').append(via.host());
        if (via.port() >= 0) {
            sb.append(':').append(via.port());
        }
        return sb.append(via.params()).toString();
    }

    // ------------------------------------------------------------------------------------ CSeq, integers

    /**
     * CSeq = 1*DIGIT LWS Method (§20.16); "the sequence number MUST be expressible as a 32-bit unsigned integer
     * and MUST be less than 2**31" (§8.1.1.5).
     */
    static CSeq parseCSeq(String text) {
        Recent recent = RECENT.get();
        if (recent.cseqText == text) {
            return recent.cseq;
        }
        CSeq parsed = readCSeq(text);
        recent.cseqText = text;
        recent.cseq = parsed;
        return parsed;
    }

    private static CSeq readCSeq(String text) {
        var s = new ValueScanner(text, Violation.BAD_CSEQ);
        s.consumeSWS();
        long sequence = s.number(0x7FFF_FFFFL);
        if (!s.consumeSWS()) {
            throw s.fail();
        }
        String method = s.token();
        s.expectEnd();
        return new CSeq(sequence, method);
    }

    /** 1*DIGIT up to {@code max}, whitespace around allowed; leading zeros are fine (RFC 4475 §3.1.1.1). */
    static long parseNumber(String text, long max, Violation violation) {
        var s = new ValueScanner(text, violation);
        s.consumeSWS();
        long n = s.number(max);
        s.expectEnd();
        return n;
    }

    /** callid = word [ "@" word ] (§25.1). */
    static void checkCallId(String text) {
        var s = new ValueScanner(text, Violation.BAD_CALL_ID);
        if (s.skip(ByteClass.WORD) == 0) {
            throw s.fail();
        }
        if (s.consume('@') && s.skip(ByteClass.WORD) == 0) {
            throw s.fail();
        }
        if (!s.atEnd()) {
            throw s.fail();
        }
    }

    // -------------------------------------------------------------------------------------------- Contact

    static ContactSet contactSet(Headers headers) {
        List<String> values = headers.all(HeaderName.CONTACT);
        if (values.isEmpty()) {
            return new ContactSet.Contacts(List.of());
        }
        List<String> elements = new ArrayList<>(values.size());
        for (String value : values) {
            int from = 0;
            while (from <= value.length()) {
                int end = listElementEnd(value, from);
                String element = value.substring(from, end).trim();
                if (!element.isEmpty()) {
                    elements.add(element);
                }
                from = end + 1;
            }
        }
        boolean wildcard = false;
        for (String e : elements) {
            wildcard |= e.equals("*");
        }
        if (wildcard) {
            // §10.2.2: "*" is only valid on its own
            if (elements.size() != 1) {
                throw new SipParseException(Violation.BAD_CONTACT, 0);
            }
            return new ContactSet.Wildcard();
        }
        var addresses = new ArrayList<NameAddress>(elements.size());
        for (String e : elements) {
            addresses.add(parseContact(e));
        }
        return new ContactSet.Contacts(addresses);
    }

    /** One Contact element other than "*": a name-addr whose expires and q params are in range (§20.10). */
    static NameAddress parseContact(String text) {
        NameAddress address = parseNameAddress(text, Violation.BAD_CONTACT);
        for (Parameters.Param p : address.params().asList()) {
            if (p.name().equalsIgnoreCase("expires")) {
                // contact-expires = "expires" EQUAL delta-seconds
                if (!isNumber(p.value(), MAX_DELTA_SECONDS)) {
                    throw new SipParseException(Violation.BAD_CONTACT, 0);
                }
            } else if (p.name().equalsIgnoreCase("q") && !isQValue(p.value())) {
                throw new SipParseException(Violation.BAD_CONTACT, 0);
            }
        }
        return address;
    }

    private static boolean isNumber(String s, long max) {
        if (s.isEmpty()) {
            return false;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            n = n * 10 + (c - '0');
            if (n > max) {
                return false;
            }
        }
        return true;
    }

    /** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) (§25.1). */
    private static boolean isQValue(String s) {
        if (s.isEmpty() || s.length() > 5 || (s.charAt(0) != '0' && s.charAt(0) != '1')) {
            return false;
        }
        if (s.length() == 1) {
            return true;
        }
        if (s.charAt(1) != '.') {
            return false;
        }
        for (int i = 2; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9' || (s.charAt(0) == '1' && c != '0')) {
                return false;
            }
        }
        return true;
    }

    /**
     * The end of the list element starting at {@code from}: the next comma that is neither inside a quoted
     * string nor inside angle brackets (§7.3.1), or the end of the value.
     */
    static int listElementEnd(String value, int from) {
        boolean quoted = false;
        boolean bracketed = false;
        for (int i = from; i < value.length(); i++) {
            char c = value.charAt(i);
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
        return value.length();
    }
}
