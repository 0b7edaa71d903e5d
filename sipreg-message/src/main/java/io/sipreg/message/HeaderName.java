package io.sipreg.message;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Header field names. Names compare case-insensitively (RFC 3261 §7.3.1) and the compact forms of §7.3.3
 * expand to their long form, so the rest of the stack only ever sees one spelling.
 */
public final class HeaderName {
    public static final String VIA = "Via";
    public static final String FROM = "From";
    public static final String TO = "To";
    public static final String CALL_ID = "Call-ID";
    public static final String CSEQ = "CSeq";
    public static final String CONTACT = "Contact";
    public static final String EXPIRES = "Expires";
    public static final String MIN_EXPIRES = "Min-Expires";
    public static final String MAX_FORWARDS = "Max-Forwards";
    public static final String CONTENT_LENGTH = "Content-Length";
    public static final String CONTENT_TYPE = "Content-Type";
    public static final String AUTHORIZATION = "Authorization";
    public static final String PROXY_AUTHORIZATION = "Proxy-Authorization";
    public static final String WWW_AUTHENTICATE = "WWW-Authenticate";
    public static final String PROXY_AUTHENTICATE = "Proxy-Authenticate";
    public static final String USER_AGENT = "User-Agent";
    public static final String SERVER = "Server";
    public static final String ALLOW = "Allow";
    public static final String SUPPORTED = "Supported";
    public static final String REQUIRE = "Require";
    public static final String UNSUPPORTED = "Unsupported";
    public static final String DATE = "Date";
    public static final String RETRY_AFTER = "Retry-After";
    public static final String ROUTE = "Route";
    public static final String RECORD_ROUTE = "Record-Route";
    public static final String PATH = "Path";
    public static final String ACCEPT = "Accept";
    public static final String WARNING = "Warning";

    /** RFC 3261 §7.3.3 compact forms, plus the ones later RFCs registered. */
    private static final Map<String, String> COMPACT = Map.ofEntries(
            Map.entry("v", VIA), Map.entry("f", FROM), Map.entry("t", TO), Map.entry("i", CALL_ID),
            Map.entry("m", CONTACT), Map.entry("l", CONTENT_LENGTH), Map.entry("c", CONTENT_TYPE),
            Map.entry("k", SUPPORTED), Map.entry("s", "Subject"), Map.entry("e", "Content-Encoding"),
            Map.entry("o", "Event"), Map.entry("r", "Refer-To"), Map.entry("b", "Referred-By"),
            Map.entry("u", "Allow-Events"), Map.entry("x", "Session-Expires"));

    private static final Map<String, String> CANONICAL;

    /** The known names in an open-addressing table keyed by a case-insensitive hash, for the parser. */
    private static final String[] BY_HASH = new String[256];

    /** Compact forms by letter, both cases. */
    private static final String[] BY_COMPACT_LETTER = new String[128];

    static {
        var known = new java.util.HashMap<String, String>();
        for (String name : new String[] {VIA, FROM, TO, CALL_ID, CSEQ, CONTACT, EXPIRES, MIN_EXPIRES,
                MAX_FORWARDS, CONTENT_LENGTH, CONTENT_TYPE, AUTHORIZATION, PROXY_AUTHORIZATION, WWW_AUTHENTICATE,
                PROXY_AUTHENTICATE, USER_AGENT, SERVER, ALLOW, SUPPORTED, REQUIRE, UNSUPPORTED, DATE, RETRY_AFTER,
                ROUTE, RECORD_ROUTE, PATH, ACCEPT, WARNING, "Subject", "Content-Encoding", "Event", "Refer-To",
                "Referred-By", "Allow-Events", "Session-Expires", "Proxy-Require", "Organization", "Timestamp",
                "Accept-Encoding", "Accept-Language", "Content-Disposition", "Content-Language", "In-Reply-To",
                "MIME-Version", "Priority", "Reply-To", "Alert-Info", "Call-Info", "Error-Info",
                "Authentication-Info", "Flow-Timer", "Service-Route"}) {
            known.put(name.toLowerCase(Locale.ROOT), name);
        }
        CANONICAL = Map.copyOf(known);
        for (String name : known.values()) {
            int slot = hashIgnoreCase(name) & (BY_HASH.length - 1);
            while (BY_HASH[slot] != null) {
                slot = (slot + 1) & (BY_HASH.length - 1);
            }
            BY_HASH[slot] = name;
        }
        for (var e : COMPACT.entrySet()) {
            char c = e.getKey().charAt(0);
            BY_COMPACT_LETTER[c] = e.getValue();
            BY_COMPACT_LETTER[Character.toUpperCase(c)] = e.getValue();
        }
    }

    /**
     * Headers whose values are comma-separated lists (RFC 3261 §7.3.1) and are therefore split into one field
     * per element by the parser. The authentication headers are not: their commas separate parameters.
     */
    private static final Set<String> LIST_VALUED = Set.of(VIA, CONTACT, ROUTE, RECORD_ROUTE, PATH, ACCEPT, ALLOW,
            SUPPORTED, REQUIRE, "Proxy-Require", UNSUPPORTED, "Allow-Events", "Accept-Encoding", "Accept-Language",
            "Service-Route");

    private HeaderName() {
    }

    /** The spelling used throughout sipreg for {@code name}: compact forms expanded, known names in RFC case. */
    public static String canonical(String name) {
        if (name.length() == 1) {
            String expanded = COMPACT.get(name.toLowerCase(Locale.ROOT));
            if (expanded != null) {
                return expanded;
            }
        }
        String known = CANONICAL.get(name.toLowerCase(Locale.ROOT));
        return known != null ? known : name;
    }

    /**
     * {@link #canonical(String)} for a name straight from the wire: a known name costs no allocation. Names are
     * tokens, so they are ASCII.
     */
    static String canonical(byte[] data, int offset, int length) {
        if (length == 1) {
            int c = data[offset] & 0x7F;
            if (BY_COMPACT_LETTER[c] != null) {
                return BY_COMPACT_LETTER[c];
            }
        }
        int h = 0;
        for (int i = 0; i < length; i++) {
            h = 31 * h + lower(data[offset + i] & 0xFF);
        }
        int slot = mix(h) & (BY_HASH.length - 1);
        while (BY_HASH[slot] != null) {
            String candidate = BY_HASH[slot];
            if (equalsIgnoreCase(candidate, data, offset, length)) {
                return candidate;
            }
            slot = (slot + 1) & (BY_HASH.length - 1);
        }
        return new String(data, offset, length, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static int hashIgnoreCase(String name) {
        int h = 0;
        for (int i = 0; i < name.length(); i++) {
            h = 31 * h + lower(name.charAt(i));
        }
        return mix(h);
    }

    private static int mix(int h) {
        return h ^ (h >>> 16) ^ (h >>> 8);
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private static boolean equalsIgnoreCase(String name, byte[] data, int offset, int length) {
        if (name.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (lower(name.charAt(i)) != lower(data[offset + i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    public static boolean isListValued(String canonicalName) {
        return LIST_VALUED.contains(canonicalName);
    }
}
