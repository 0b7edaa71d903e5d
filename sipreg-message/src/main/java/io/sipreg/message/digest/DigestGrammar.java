package io.sipreg.message.digest;

import io.sipreg.message.SipParseException;
import io.sipreg.message.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parsing and formatting of Digest challenge and credentials parameters (RFC 7616 §3.3, §3.4; RFC 3261 §25.1
 * challenge and credentials). Parameter names are case-insensitive, values quoted or not, in any order,
 * separated by commas with LWS around them. Failure offsets are offsets in the header value; the detail names
 * the parameter.
 */
final class DigestGrammar {
    /** The parameters sipreg reads, lower case; their indexes in what {@link #authParams} returns. */
    private static final String[] PARAMS = {"username", "realm", "nonce", "uri", "response", "algorithm", "cnonce",
        "nc", "qop", "opaque", "stale"};
    private static final int USERNAME = 0;
    private static final int REALM = 1;
    private static final int NONCE = 2;
    private static final int URI = 3;
    private static final int RESPONSE = 4;
    private static final int ALGORITHM = 5;
    private static final int CNONCE = 6;
    private static final int NC = 7;
    private static final int QOP = 8;
    private static final int OPAQUE = 9;
    private static final int STALE = 10;

    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (int c = 0; c < 128; c++) {
            TOKEN[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-.!%*_+`'~".indexOf(c) >= 0;
        }
    }

    private DigestGrammar() {
    }

    static DigestChallenge parseChallenge(String value) {
        Violation v = Violation.BAD_CHALLENGE;
        String[] params = authParams(value, v);
        return new DigestChallenge(required(params, REALM, value, v), required(params, NONCE, value, v),
                optional(params, OPAQUE), algorithm(params, value, v), optional(params, QOP),
                optional(params, STALE).equalsIgnoreCase("true"));
    }

    /** {@code Digest realm="...", nonce="...", opaque="...", algorithm=MD5, qop="auth"[, stale=true]}. */
    static String formatChallenge(DigestChallenge challenge) {
        var sb = new StringBuilder(160);
        sb.append("Digest realm=");
        quote(sb, challenge.realm());
        sb.append(", nonce=");
        quote(sb, challenge.nonce());
        if (!challenge.opaque().isEmpty()) {
            sb.append(", opaque=");
            quote(sb, challenge.opaque());
        }
        sb.append(", algorithm=").append(challenge.algorithm().wireName());
        if (!challenge.qop().isEmpty()) {
            sb.append(", qop=");
            quote(sb, challenge.qop());
        }
        if (challenge.stale()) {
            // RFC 7616 §3.3: stale=true, the nonce was valid once, retry without asking the user
            sb.append(", stale=true");
        }
        return sb.toString();
    }

    static DigestCredentials parseCredentials(String value) {
        Violation v = Violation.BAD_AUTHORIZATION;
        String[] params = authParams(value, v);
        String username = required(params, USERNAME, value, v);
        String realm = required(params, REALM, value, v);
        String nonce = required(params, NONCE, value, v);
        String uri = required(params, URI, value, v);
        String response = required(params, RESPONSE, value, v);
        DigestAlgorithm algorithm = algorithm(params, value, v);
        String qop = optional(params, QOP);
        String cnonce = optional(params, CNONCE);
        String nc = optional(params, NC);
        if (!qop.isEmpty()) {
            // RFC 7616 §3.4: cnonce and nc "MUST be specified if a qop directive is sent"; nc-value = 8LHEX
            required(params, CNONCE, value, v);
            required(params, NC, value, v);
            if (nc.length() != 8 || !isHex(nc)) {
                throw new SipParseException(v, value.length(), "nc");
            }
        }
        return new DigestCredentials(username, realm, nonce, uri, response, algorithm, cnonce, nc, qop,
                optional(params, OPAQUE));
    }

    /**
     * The order and quoting baresip and pjsip send: {@code Digest username="alice", realm="x", nonce="...",
     * uri="sip:x", response="...", algorithm=MD5, cnonce="...", qop=auth, nc=00000001[, opaque="..."]}.
     */
    static String formatCredentials(DigestCredentials credentials) {
        var sb = new StringBuilder(256);
        sb.append("Digest username=");
        quote(sb, credentials.username());
        sb.append(", realm=");
        quote(sb, credentials.realm());
        sb.append(", nonce=");
        quote(sb, credentials.nonce());
        sb.append(", uri=");
        quote(sb, credentials.uri());
        sb.append(", response=");
        quote(sb, credentials.response());
        sb.append(", algorithm=").append(credentials.algorithm().wireName());
        if (!credentials.cnonce().isEmpty()) {
            sb.append(", cnonce=");
            quote(sb, credentials.cnonce());
        }
        if (!credentials.qop().isEmpty()) {
            sb.append(", qop=").append(credentials.qop()).append(", nc=").append(credentials.nonceCount());
        }
        if (!credentials.opaque().isEmpty()) {
            sb.append(", opaque=");
            quote(sb, credentials.opaque());
        }
        return sb.toString();
    }

    /** True if the comma-separated token list {@code list} (quotes stripped) contains {@code token}. */
    static boolean listContains(String list, String token) {
        int from = 0;
        while (from <= list.length()) {
            int comma = list.indexOf(',', from);
            int to = comma < 0 ? list.length() : comma;
            if (list.substring(from, to).replace("\"", "").trim().equalsIgnoreCase(token)) {
                return true;
            }
            from = to + 1;
        }
        return false;
    }

    /**
     * {@code "Digest" LWS auth-param *(COMMA auth-param)}, auth-param = token EQUAL ( token / quoted-string ),
     * names case-insensitive, values unquoted. Empty list elements are skipped, a repeated parameter is an error.
     * Returns the values of the {@link #PARAMS} by index, null when absent; the other parameters are checked and
     * dropped, as no caller reads them. Error details name the parameter in lower case.
     */
    private static String[] authParams(String value, Violation v) {
        int n = value.length();
        int i = skipLws(value, 0);
        int schemeStart = i;
        while (i < n && isTokenChar(value.charAt(i))) {
            i++;
        }
        if (i - schemeStart != 6 || !value.regionMatches(true, schemeStart, "Digest", 0, 6)) {
            throw new SipParseException(v, schemeStart, "scheme");
        }
        if (i < n && !isLws(value.charAt(i))) {
            throw new SipParseException(v, i, "scheme");
        }
        var params = new String[PARAMS.length];
        List<String> others = null;
        while (true) {
            i = skipLws(value, i);
            while (i < n && value.charAt(i) == ',') {
                i = skipLws(value, i + 1);
            }
            if (i >= n) {
                return params;
            }
            int nameStart = i;
            while (i < n && isTokenChar(value.charAt(i))) {
                i++;
            }
            int nameEnd = i;
            if (i == nameStart) {
                throw new SipParseException(v, i, "");
            }
            i = skipLws(value, i);
            if (i >= n || value.charAt(i) != '=') {
                throw new SipParseException(v, i, lowerCase(value, nameStart, nameEnd));
            }
            i = skipLws(value, i + 1);
            String paramValue;
            if (i < n && value.charAt(i) == '"') {
                int quoteStart = i;
                i++;
                boolean escaped = false;
                boolean closed = false;
                while (i < n) {
                    char c = value.charAt(i++);
                    if (c == '\\' && i < n) {
                        escaped = true;
                        i++;
                    } else if (c == '"') {
                        closed = true;
                        break;
                    }
                }
                if (!closed) {
                    throw new SipParseException(v, quoteStart, lowerCase(value, nameStart, nameEnd));
                }
                paramValue = escaped ? unquote(value, quoteStart + 1, i - 1) : value.substring(quoteStart + 1, i - 1);
            } else {
                // token per the ABNF; real clients also send unquoted URIs, so anything up to a comma or LWS
                int valueStart = i;
                while (i < n && value.charAt(i) != ',' && value.charAt(i) != '"' && !isLws(value.charAt(i))) {
                    i++;
                }
                if (i == valueStart) {
                    throw new SipParseException(v, i, lowerCase(value, nameStart, nameEnd));
                }
                paramValue = value.substring(valueStart, i);
            }
            int index = paramIndex(value, nameStart, nameEnd);
            if (index >= 0) {
                if (params[index] != null) {
                    throw new SipParseException(v, nameStart, PARAMS[index]);
                }
                params[index] = paramValue;
            } else {
                String name = lowerCase(value, nameStart, nameEnd);
                if (others == null) {
                    others = new ArrayList<>(2);
                } else if (others.contains(name)) {
                    throw new SipParseException(v, nameStart, name);
                }
                others.add(name);
            }
            i = skipLws(value, i);
            if (i < n && value.charAt(i) != ',') {
                throw new SipParseException(v, i, lowerCase(value, nameStart, nameEnd));
            }
        }
    }

    /** The index in {@link #PARAMS} of the name {@code s[from, to)} in any case, or -1. */
    private static int paramIndex(String s, int from, int to) {
        int length = to - from;
        for (int k = 0; k < PARAMS.length; k++) {
            String name = PARAMS[k];
            if (name.length() == length && asciiEqualsIgnoreCase(name, s, from)) {
                return k;
            }
        }
        return -1;
    }

    /** {@code lowerCaseName} against the token {@code s[from, from + length)}; tokens are ASCII. */
    private static boolean asciiEqualsIgnoreCase(String lowerCaseName, String s, int from) {
        for (int k = 0; k < lowerCaseName.length(); k++) {
            char c = s.charAt(from + k);
            if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != lowerCaseName.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static String lowerCase(String s, int from, int to) {
        return s.substring(from, to).toLowerCase(Locale.ROOT);
    }

    /** The inside of a quoted-string with its quoted-pairs resolved. */
    private static String unquote(String s, int from, int to) {
        var sb = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                c = s.charAt(++i);
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static String required(String[] params, int index, String value, Violation v) {
        String p = params[index];
        if (p == null || p.isEmpty()) {
            throw new SipParseException(v, value.length(), PARAMS[index]);
        }
        return p;
    }

    private static String optional(String[] params, int index) {
        String p = params[index];
        return p != null ? p : "";
    }

    private static DigestAlgorithm algorithm(String[] params, String value, Violation v) {
        String name = params[ALGORITHM];
        if (name == null) {
            return DigestAlgorithm.MD5;
        }
        return DigestAlgorithm.fromWire(name)
                .orElseThrow(() -> new SipParseException(v, value.length(), "algorithm"));
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        sb.append('"');
    }

    private static int skipLws(String s, int i) {
        while (i < s.length() && isLws(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isLws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** token (RFC 3261 §25.1). */
    private static boolean isTokenChar(char c) {
        return c < 128 && TOKEN[c];
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }
}
