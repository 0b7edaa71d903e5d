package io.sipreg.message.digest;

import io.sipreg.message.SipParseException;
import io.sipreg.message.Violation;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parsing and formatting of Digest challenge and credentials parameters (RFC 7616 §3.3, §3.4; RFC 3261 §25.1
 * challenge and credentials). Parameter names are case-insensitive, values quoted or not, in any order,
 * separated by commas with LWS around them. Failure offsets are offsets in the header value; the detail names
 * the parameter.
 */
final class DigestGrammar {
    private DigestGrammar() {
    }

    static DigestChallenge parseChallenge(String value) {
        Violation v = Violation.BAD_CHALLENGE;
        Map<String, String> params = authParams(value, v);
        return new DigestChallenge(required(params, "realm", value, v), required(params, "nonce", value, v),
                params.getOrDefault("opaque", ""), algorithm(params, value, v), params.getOrDefault("qop", ""),
                params.getOrDefault("stale", "").equalsIgnoreCase("true"));
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
        Map<String, String> params = authParams(value, v);
        String username = required(params, "username", value, v);
        String realm = required(params, "realm", value, v);
        String nonce = required(params, "nonce", value, v);
        String uri = required(params, "uri", value, v);
        String response = required(params, "response", value, v);
        DigestAlgorithm algorithm = algorithm(params, value, v);
        String qop = params.getOrDefault("qop", "");
        String cnonce = params.getOrDefault("cnonce", "");
        String nc = params.getOrDefault("nc", "");
        if (!qop.isEmpty()) {
            // RFC 7616 §3.4: cnonce and nc "MUST be specified if a qop directive is sent"; nc-value = 8LHEX
            required(params, "cnonce", value, v);
            required(params, "nc", value, v);
            if (nc.length() != 8 || !isHex(nc)) {
                throw new SipParseException(v, value.length(), "nc");
            }
        }
        return new DigestCredentials(username, realm, nonce, uri, response, algorithm, cnonce, nc, qop,
                params.getOrDefault("opaque", ""));
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
     * names lower-cased, values unquoted. Empty list elements are skipped, a repeated parameter is an error.
     */
    private static Map<String, String> authParams(String value, Violation v) {
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
        var params = new LinkedHashMap<String, String>(16);
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
            if (i == nameStart) {
                throw new SipParseException(v, i, "");
            }
            String name = value.substring(nameStart, i).toLowerCase(Locale.ROOT);
            i = skipLws(value, i);
            if (i >= n || value.charAt(i) != '=') {
                throw new SipParseException(v, i, name);
            }
            i = skipLws(value, i + 1);
            String paramValue;
            if (i < n && value.charAt(i) == '"') {
                int quoteStart = i;
                var sb = new StringBuilder(48);
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = value.charAt(i++);
                    if (c == '\\' && i < n) {
                        sb.append(value.charAt(i++));
                    } else if (c == '"') {
                        closed = true;
                        break;
                    } else {
                        sb.append(c);
                    }
                }
                if (!closed) {
                    throw new SipParseException(v, quoteStart, name);
                }
                paramValue = sb.toString();
            } else {
                // token per the ABNF; real clients also send unquoted URIs, so anything up to a comma or LWS
                int valueStart = i;
                while (i < n && value.charAt(i) != ',' && value.charAt(i) != '"' && !isLws(value.charAt(i))) {
                    i++;
                }
                if (i == valueStart) {
                    throw new SipParseException(v, i, name);
                }
                paramValue = value.substring(valueStart, i);
            }
            if (params.putIfAbsent(name, paramValue) != null) {
                throw new SipParseException(v, nameStart, name);
            }
            i = skipLws(value, i);
            if (i < n && value.charAt(i) != ',') {
                throw new SipParseException(v, i, name);
            }
        }
    }

    private static String required(Map<String, String> params, String name, String value, Violation v) {
        String p = params.get(name);
        if (p == null || p.isEmpty()) {
            throw new SipParseException(v, value.length(), name);
        }
        return p;
    }

    private static DigestAlgorithm algorithm(Map<String, String> params, String value, Violation v) {
        String name = params.get("algorithm");
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
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-.!%*_+`'~".indexOf(c) >= 0;
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            if ("0123456789abcdefABCDEF".indexOf(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }
}
