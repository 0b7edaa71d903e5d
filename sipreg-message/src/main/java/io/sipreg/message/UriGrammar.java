package io.sipreg.message;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * SIP and SIPS URIs (RFC 3261 §19.1, §25.1): parsing, formatting, the address-of-record form (§10.3) and
 * equivalence (§19.1.4). Other schemes are kept verbatim. Package-private; {@link SipUri} is the public face.
 */
final class UriGrammar {
    private static final int USER_CHARS = ByteClass.UNRESERVED | ByteClass.USER_UNRESERVED;
    private static final int PASSWORD_CHARS = ByteClass.UNRESERVED | ByteClass.PASSWORD_EXTRA;
    private static final int PARAM_CHARS = ByteClass.UNRESERVED | ByteClass.PARAM_UNRESERVED;
    private static final int HEADER_CHARS = ByteClass.UNRESERVED | ByteClass.HNV_UNRESERVED;

    private UriGrammar() {
    }

    static SipUri parseUri(String text) {
        return parseUri(text, Violation.BAD_URI);
    }

    static SipUri parseUri(String text, Violation violation) {
        return uri(text, 0, text.length(), violation);
    }

    /** Parses exactly {@code text[start, end)} as a URI; offsets in failures are offsets in {@code text}. */
    static SipUri uri(String t, int start, int end, Violation v) {
        int i = start;
        // RFC 3261 §25.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        if (i >= end || !ByteClass.is(t.charAt(i), ByteClass.ALPHA)) {
            throw new SipParseException(v, i);
        }
        i++;
        while (i < end && ByteClass.is(t.charAt(i), ByteClass.SCHEME)) {
            i++;
        }
        if (i >= end || t.charAt(i) != ':') {
            throw new SipParseException(v, i);
        }
        String scheme = scheme(t, start, i);
        i++;
        if (!isSipScheme(scheme)) {
            return opaqueUri(t, scheme, i, end, v);
        }

        // userinfo: no '@' may appear unescaped after it (host, uri-parameters and headers exclude it), so
        // the first '@' ends it even when the user part holds ';' or '?' (RFC 4475 §3.1.1.9, semiuri).
        String user = "";
        String password = "";
        int at = t.indexOf('@', i);
        if (at >= 0 && at < end) {
            int colon = i;
            while (colon < at && t.charAt(colon) != ':') {
                colon++;
            }
            if (colon == i) {
                throw new SipParseException(v, i);
            }
            checkEscaped(t, i, colon, USER_CHARS, v);
            user = t.substring(i, colon);
            if (colon < at) {
                checkEscaped(t, colon + 1, at, PASSWORD_CHARS, v);
                password = t.substring(colon + 1, at);
            }
            i = at + 1;
        }

        int hostStart = i;
        i = hostEnd(t, i, end, v);
        String host = t.substring(hostStart, i);
        int port = -1;
        if (i < end && t.charAt(i) == ':') {
            i++;
            int portStart = i;
            port = 0;
            while (i < end && ByteClass.is(t.charAt(i), ByteClass.DIGIT)) {
                port = port * 10 + (t.charAt(i) - '0');
                if (port > 65_535) {
                    throw new SipParseException(v, portStart);
                }
                i++;
            }
            if (i == portStart) {
                throw new SipParseException(v, i);
            }
        }

        // uri-parameters = *( ";" uri-parameter ); pname = 1*paramchar, pvalue = 1*paramchar
        List<Parameters.Param> params = null;
        while (i < end && t.charAt(i) == ';') {
            i++;
            int nameStart = i;
            i = scanEscaped(t, i, end, PARAM_CHARS, v);
            if (i == nameStart) {
                throw new SipParseException(v, i);
            }
            String name = Parameters.name(t, nameStart, i);
            String value = "";
            boolean hasValue = false;
            if (i < end && t.charAt(i) == '=') {
                i++;
                int valueStart = i;
                i = scanEscaped(t, i, end, PARAM_CHARS, v);
                if (i == valueStart) {
                    throw new SipParseException(v, i);
                }
                value = t.substring(valueStart, i);
                hasValue = true;
            }
            if (params == null) {
                params = new ArrayList<>(4);
            }
            params.add(new Parameters.Param(name, value, hasValue));
        }

        // headers = "?" header *( "&" header ), kept as written
        String headers = "";
        if (i < end && t.charAt(i) == '?') {
            i++;
            int headersStart = i;
            while (i < end) {
                char c = t.charAt(i);
                if (c == '&' || c == '=') {
                    i++;
                } else {
                    int next = scanEscaped(t, i, end, HEADER_CHARS, v);
                    if (next == i) {
                        break;
                    }
                    i = next;
                }
            }
            headers = t.substring(headersStart, i);
        }
        if (i != end) {
            throw new SipParseException(v, i);
        }
        return new SipUri(scheme, user, password, host,
                port, params == null ? Parameters.EMPTY : Parameters.of(params), headers);
    }

    /** {@code t[start, end)}; "sip" and "sips" as written most of the time are constants, not copies. */
    private static String scheme(String t, int start, int end) {
        if (end - start == 3 && t.startsWith("sip", start)) {
            return "sip";
        }
        if (end - start == 4 && t.startsWith("sips", start)) {
            return "sips";
        }
        return t.substring(start, end);
    }

    /** RFC 3261 §19.1: other schemes are absoluteURI; kept verbatim so they can be written back. */
    private static SipUri opaqueUri(String t, String scheme, int i, int end, Violation v) {
        if (i >= end) {
            throw new SipParseException(v, i);
        }
        for (int k = i; k < end; k++) {
            char c = t.charAt(k);
            if (c <= ' ' || c == '<' || c == '>' || c == '"' || c == 0x7F) {
                throw new SipParseException(v, k);
            }
        }
        return new SipUri(scheme, "", "", t.substring(i, end), -1, Parameters.EMPTY, "");
    }

    private static boolean isSipScheme(String scheme) {
        return scheme.equalsIgnoreCase("sip") || scheme.equalsIgnoreCase("sips");
    }

    /** host = hostname / IPv4address / IPv6reference (§25.1); returns the index after it. */
    static int hostEnd(String t, int i, int end, Violation v) {
        int start = i;
        if (i < end && t.charAt(i) == '[') {
            i++;
            boolean colon = false;
            while (i < end && ByteClass.is(t.charAt(i), ByteClass.IPV6)) {
                colon |= t.charAt(i) == ':';
                i++;
            }
            if (i >= end || t.charAt(i) != ']' || !colon) {
                throw new SipParseException(v, start);
            }
            return i + 1;
        }
        while (i < end && ByteClass.is(t.charAt(i), ByteClass.HOSTNAME)) {
            i++;
        }
        if (i == start) {
            throw new SipParseException(v, i);
        }
        return i;
    }

    /** Skips characters of {@code mask} and escaped = "%" HEXDIG HEXDIG (§25.1). */
    private static int scanEscaped(String t, int i, int end, int mask, Violation v) {
        while (i < end) {
            char c = t.charAt(i);
            if (c == '%') {
                if (i + 2 >= end || ByteClass.hexValue(t.charAt(i + 1)) < 0
                        || ByteClass.hexValue(t.charAt(i + 2)) < 0) {
                    throw new SipParseException(v, i);
                }
                i += 3;
            } else if (ByteClass.is(c, mask)) {
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    private static void checkEscaped(String t, int start, int end, int mask, Violation v) {
        int i = scanEscaped(t, start, end, mask, v);
        if (i != end) {
            throw new SipParseException(v, i);
        }
    }

    static String formatUri(SipUri uri) {
        if (!uri.isSip()) {
            return uri.scheme().isEmpty() ? uri.host() : uri.scheme() + ':' + uri.host();
        }
        var sb = new StringBuilder(uri.scheme().length() + uri.user().length() + uri.host().length() + 32);
        sb.append(uri.scheme()).append(':');
        if (!uri.user().isEmpty()) {
            sb.append(uri.user());
            if (!uri.password().isEmpty()) {
                sb.append(':').append(uri.password());
            }
            sb.append('@');
        }
        sb.append(uri.host());
        if (uri.port() >= 0) {
            sb.append(':').append(uri.port());
        }
        sb.append(uri.params());
        if (!uri.headers().isEmpty()) {
            sb.append('?').append(uri.headers());
        }
        return sb.toString();
    }

    /**
     * RFC 3261 §10.3 step 5: scheme, user and host; "all URI parameters MUST be removed ... and any escaped
     * characters MUST be converted to their unescaped form". Escapes are decoded where the character could have
     * been written unescaped; the rest stay escaped with upper-case hex, so equivalent URIs (§19.1.4) give the
     * same key and the key never gains a delimiter it did not have.
     */
    static String addressOfRecord(SipUri uri) {
        String scheme = uri.scheme().toLowerCase(Locale.ROOT);
        if (!uri.isSip()) {
            return scheme + ':' + uri.host();
        }
        String host = uri.host().toLowerCase(Locale.ROOT);
        if (uri.user().isEmpty()) {
            return scheme + ':' + host;
        }
        return scheme + ':' + canonicalEscapes(uri.user(), USER_CHARS) + '@' + host;
    }

    private static String canonicalEscapes(String s, int plainMask) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        var sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                int hi = ByteClass.hexValue(s.charAt(i + 1));
                int lo = ByteClass.hexValue(s.charAt(i + 2));
                if (hi >= 0 && lo >= 0) {
                    char decoded = (char) (hi * 16 + lo);
                    if (decoded != '%' && ByteClass.is(decoded, plainMask)) {
                        sb.append(decoded);
                    } else {
                        sb.append('%').append(Character.toUpperCase(s.charAt(i + 1)))
                                .append(Character.toUpperCase(s.charAt(i + 2)));
                    }
                    i += 2;
                    continue;
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** Decodes every %HH; for comparisons only (§19.1.4: an escape equals the character it stands for). */
    static String unescape(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        var sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                int hi = ByteClass.hexValue(s.charAt(i + 1));
                int lo = ByteClass.hexValue(s.charAt(i + 2));
                if (hi >= 0 && lo >= 0) {
                    sb.append((char) (hi * 16 + lo));
                    i += 2;
                    continue;
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /**
     * RFC 3261 §19.1.4. Scheme must match; userinfo is case-sensitive, everything else case-insensitive; an
     * escaped character equals its unescaped form; a port, like any component with a default, matches only an
     * explicit equal port; uri-parameters present in both must match, user/ttl/method/maddr present in only
     * one never match, other one-sided parameters are ignored; headers must all match.
     */
    static boolean uriEquivalent(SipUri a, SipUri b) {
        if (!a.scheme().equalsIgnoreCase(b.scheme())) {
            return false;
        }
        if (!a.isSip()) {
            return a.host().equals(b.host());
        }
        if (!unescape(a.user()).equals(unescape(b.user()))
                || !unescape(a.password()).equals(unescape(b.password()))
                || !a.host().equalsIgnoreCase(b.host())
                || a.port() != b.port()) {
            return false;
        }
        Map<String, String> pa = comparableParams(a.params());
        Map<String, String> pb = comparableParams(b.params());
        for (var e : pa.entrySet()) {
            String other = pb.get(e.getKey());
            if (other == null ? mustAppearInBoth(e.getKey()) : !other.equals(e.getValue())) {
                return false;
            }
        }
        for (String name : pb.keySet()) {
            if (!pa.containsKey(name) && mustAppearInBoth(name)) {
                return false;
            }
        }
        return comparableHeaders(a.headers()).equals(comparableHeaders(b.headers()));
    }

    /**
     * §19.1.4: user, ttl and method "never match" when in one URI only, nor does maddr. transport is added
     * because the section's own examples call {@code sip:bob@biloxi.com} and
     * {@code sip:bob@biloxi.com;transport=udp} different ("can resolve to different transports").
     */
    private static boolean mustAppearInBoth(String name) {
        return name.equals("user") || name.equals("ttl") || name.equals("method") || name.equals("maddr")
                || name.equals("transport");
    }

    private static Map<String, String> comparableParams(Parameters params) {
        var map = new HashMap<String, String>();
        for (Parameters.Param p : params.asList()) {
            map.put(unescape(p.name()).toLowerCase(Locale.ROOT),
                    p.hasValue() ? "=" + unescape(p.value()).toLowerCase(Locale.ROOT) : "");
        }
        return map;
    }

    private static Map<String, String> comparableHeaders(String headers) {
        if (headers.isEmpty()) {
            return Map.of();
        }
        var map = new HashMap<String, String>();
        int i = 0;
        while (i <= headers.length()) {
            int amp = headers.indexOf('&', i);
            if (amp < 0) {
                amp = headers.length();
            }
            String h = headers.substring(i, amp);
            int eq = h.indexOf('=');
            String name = unescape(eq < 0 ? h : h.substring(0, eq)).toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : unescape(h.substring(eq + 1)).toLowerCase(Locale.ROOT);
            map.merge(name, value, (x, y) -> x + "&" + y);
            i = amp + 1;
        }
        return map;
    }
}
