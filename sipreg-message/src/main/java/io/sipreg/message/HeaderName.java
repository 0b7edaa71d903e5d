package io.sipreg.message;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Header field names. Names compare case-insensitively (RFC 3261 §7.3.1) and the compact forms of §7.3.3
 * expand to their long form, so the rest of the stack only ever sees one spelling.
 *
 * <p>Every message passes through here once per header line (the parser) and again for every lookup
 * ({@link Headers#first}), so known names are found without allocating: a case-insensitive hash of the bytes or
 * chars probes a small open-addressing table of ids, and the id gives the canonical {@code String} constant. The
 * parser keeps the id of each field, so later passes ({@link MessageValidator}) switch on ints, not strings.
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

    // Ids of the names MessageValidator checks; KNOWN lists them first, in this order.
    static final int ID_VIA = 0;
    static final int ID_FROM = 1;
    static final int ID_TO = 2;
    static final int ID_CALL_ID = 3;
    static final int ID_CSEQ = 4;
    static final int ID_CONTACT = 5;
    static final int ID_EXPIRES = 6;
    static final int ID_MAX_FORWARDS = 7;
    static final int ID_CONTENT_LENGTH = 8;
    /** The id of a name that is not in {@link #KNOWN}. */
    static final int UNKNOWN = -1;

    /** The names sipreg knows, in RFC case; a name's index is its id. */
    private static final String[] KNOWN = {
        VIA, FROM, TO, CALL_ID, CSEQ, CONTACT, EXPIRES, MAX_FORWARDS, CONTENT_LENGTH,
        MIN_EXPIRES, CONTENT_TYPE, AUTHORIZATION, PROXY_AUTHORIZATION, WWW_AUTHENTICATE, PROXY_AUTHENTICATE,
        USER_AGENT, SERVER, ALLOW, SUPPORTED, REQUIRE, UNSUPPORTED, DATE, RETRY_AFTER, ROUTE, RECORD_ROUTE, PATH,
        ACCEPT, WARNING, "Subject", "Content-Encoding", "Event", "Refer-To", "Referred-By", "Allow-Events",
        "Session-Expires", "Proxy-Require", "Organization", "Timestamp", "Accept-Encoding", "Accept-Language",
        "Content-Disposition", "Content-Language", "In-Reply-To", "MIME-Version", "Priority", "Reply-To",
        "Alert-Info", "Call-Info", "Error-Info", "Authentication-Info", "Flow-Timer", "Service-Route"};

    /** RFC 3261 §7.3.3 compact forms, plus the ones later RFCs registered: letter, long form. */
    private static final String[][] COMPACT = {
        {"v", VIA}, {"f", FROM}, {"t", TO}, {"i", CALL_ID}, {"m", CONTACT}, {"l", CONTENT_LENGTH},
        {"c", CONTENT_TYPE}, {"k", SUPPORTED}, {"s", "Subject"}, {"e", "Content-Encoding"}, {"o", "Event"},
        {"r", "Refer-To"}, {"b", "Referred-By"}, {"u", "Allow-Events"}, {"x", "Session-Expires"}};

    /**
     * Headers whose values are comma-separated lists (RFC 3261 §7.3.1) and are therefore split into one field
     * per element by the parser. The authentication headers are not: their commas separate parameters.
     */
    private static final String[] LIST_VALUED_NAMES = {VIA, CONTACT, ROUTE, RECORD_ROUTE, PATH, ACCEPT, ALLOW,
        SUPPORTED, REQUIRE, "Proxy-Require", UNSUPPORTED, "Allow-Events", "Accept-Encoding", "Accept-Language",
        "Service-Route"};

    /** KNOWN in lower case, for comparing wire bytes. */
    private static final byte[][] KNOWN_LOWER = new byte[KNOWN.length][];

    /**
     * Ids of KNOWN in an open-addressing table keyed by a case-insensitive hash of the length and the first and last
     * characters (which tell all known names apart but Refer-To and Reply-To); -1 marks an empty slot.
     */
    private static final byte[] BY_HASH = new byte[256];

    /** Ids of the compact forms by letter, both cases; -1 for the other characters below 128. */
    private static final byte[] BY_COMPACT_LETTER = new byte[128];

    private static final boolean[] LIST_VALUED = new boolean[KNOWN.length];

    /** {@code "Name: "} of each known name, as the writer puts it before the value. */
    private static final byte[][] FIELD_PREFIX = new byte[KNOWN.length][];

    static {
        java.util.Arrays.fill(BY_HASH, (byte) UNKNOWN);
        java.util.Arrays.fill(BY_COMPACT_LETTER, (byte) UNKNOWN);
        for (int id = 0; id < KNOWN.length; id++) {
            KNOWN_LOWER[id] = KNOWN[id].toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
            FIELD_PREFIX[id] = (KNOWN[id] + ": ").getBytes(StandardCharsets.US_ASCII);
            String name = KNOWN[id];
            int slot = hash(name.length(), name.charAt(0), name.charAt(name.length() - 1)) & (BY_HASH.length - 1);
            while (BY_HASH[slot] != UNKNOWN) {
                slot = (slot + 1) & (BY_HASH.length - 1);
            }
            BY_HASH[slot] = (byte) id;
        }
        for (String[] compact : COMPACT) {
            char c = compact[0].charAt(0);
            byte id = (byte) knownId(compact[1]);
            BY_COMPACT_LETTER[c] = id;
            BY_COMPACT_LETTER[Character.toUpperCase(c)] = id;
        }
        for (String name : LIST_VALUED_NAMES) {
            LIST_VALUED[knownId(name)] = true;
        }
    }

    private HeaderName() {
    }

    /** The spelling used throughout sipreg for {@code name}: compact forms expanded, known names in RFC case. */
    public static String canonical(String name) {
        int id = id(name);
        if (id != UNKNOWN) {
            return KNOWN[id];
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) >= 0x80) {
                return canonicalNonAscii(name);
            }
        }
        return name;
    }

    /**
     * Outside ASCII, {@code toLowerCase(Locale.ROOT)} decides, as it always has: it can turn a character into
     * ASCII (KELVIN SIGN into 'k').
     */
    private static String canonicalNonAscii(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.length() == 1) {
            char c = lower.charAt(0);
            int id = name.length() == 1 && c < 0x80 ? BY_COMPACT_LETTER[c] : UNKNOWN;
            return id != UNKNOWN ? KNOWN[id] : name;
        }
        int id = id(lower);
        return id != UNKNOWN ? KNOWN[id] : name;
    }

    /**
     * {@link #canonical(String)} for a name straight from the wire: a known name costs no allocation. Names are
     * tokens, so they are ASCII.
     */
    static String canonical(byte[] data, int offset, int length) {
        int id = id(data, offset, length);
        return id != UNKNOWN ? KNOWN[id] : new String(data, offset, length, StandardCharsets.ISO_8859_1);
    }

    /** {@code "Name: "} in bytes when {@code name} is a known name spelled canonically, else null. */
    static byte[] fieldPrefix(String name) {
        int id = id(name);
        return id != UNKNOWN && KNOWN[id].equals(name) ? FIELD_PREFIX[id] : null;
    }

    /** The canonical name of a known id. */
    static String name(int id) {
        return KNOWN[id];
    }

    /** The id of a wire name (compact forms included), or {@link #UNKNOWN}. Names are tokens, so ASCII. */
    static int id(byte[] data, int offset, int length) {
        if (length == 1) {
            int id = BY_COMPACT_LETTER[data[offset] & 0x7F];
            if (id != UNKNOWN) {
                return id;
            }
        } else if (length == 0) {
            return UNKNOWN;
        }
        int slot = hash(length, data[offset] & 0xFF, data[offset + length - 1] & 0xFF) & (BY_HASH.length - 1);
        int id;
        while ((id = BY_HASH[slot]) != UNKNOWN) {
            if (equalsIgnoreCase(KNOWN_LOWER[id], data, offset, length)) {
                return id;
            }
            slot = (slot + 1) & (BY_HASH.length - 1);
        }
        return UNKNOWN;
    }

    /** The id of {@code name} in any ASCII case (compact forms included), or {@link #UNKNOWN}. */
    static int id(String name) {
        int length = name.length();
        if (length == 1) {
            char c = name.charAt(0);
            int id = c < 0x80 ? BY_COMPACT_LETTER[c] : UNKNOWN;
            if (id != UNKNOWN) {
                return id;
            }
        } else if (length == 0) {
            return UNKNOWN;
        }
        int slot = hash(length, name.charAt(0), name.charAt(length - 1)) & (BY_HASH.length - 1);
        int id;
        while ((id = BY_HASH[slot]) != UNKNOWN) {
            // Callers mostly pass the constants themselves.
            if (KNOWN[id] == name || equalsIgnoreCase(KNOWN_LOWER[id], name)) {
                return id;
            }
            slot = (slot + 1) & (BY_HASH.length - 1);
        }
        return UNKNOWN;
    }

    private static int knownId(String name) {
        for (int id = 0; id < KNOWN.length; id++) {
            if (KNOWN[id].equals(name)) {
                return id;
            }
        }
        throw new IllegalStateException(name);
    }

    private static int hash(int length, int first, int last) {
        int h = (length * 31 + lower(first)) * 31 + lower(last);
        return h ^ (h >>> 7);
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private static boolean equalsIgnoreCase(byte[] lowerCaseName, byte[] data, int offset, int length) {
        if (lowerCaseName.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (lower(data[offset + i] & 0xFF) != lowerCaseName[i]) {
                return false;
            }
        }
        return true;
    }

    /** ASCII case-insensitive; the known name is ASCII, so a non-ASCII char never matches. */
    private static boolean equalsIgnoreCase(byte[] lowerCaseName, String name) {
        int length = lowerCaseName.length;
        if (name.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (lower(name.charAt(i)) != lowerCaseName[i]) {
                return false;
            }
        }
        return true;
    }

    public static boolean isListValued(String canonicalName) {
        int id = id(canonicalName);
        return id != UNKNOWN && LIST_VALUED[id] && KNOWN[id].equals(canonicalName);
    }

    /** {@link #isListValued(String)} by id. */
    static boolean isListValued(int id) {
        return id != UNKNOWN && LIST_VALUED[id];
    }
}
