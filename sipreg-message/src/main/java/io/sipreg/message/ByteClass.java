package io.sipreg.message;

/**
 * Character classes of the RFC 3261 §25.1 ABNF as one lookup table, indexed by byte (or by char below 128).
 * Each class is a bit; a character is in a class when its bit is set. Everything at or above 128 is in no class,
 * which is right for every rule here except quoted strings and reason phrases (UTF8-NONASCII), whose scanners
 * accept those bytes explicitly.
 */
final class ByteClass {
    /** token (§25.1): alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~". */
    static final int TOKEN = 1;
    /** unreserved (§25.1): alphanum / mark. */
    static final int UNRESERVED = 1 << 1;
    /** user-unreserved (§25.1): "&" / "=" / "+" / "$" / "," / ";" / "?" / "/". */
    static final int USER_UNRESERVED = 1 << 2;
    /** The extra characters of password (§25.1): "&" / "=" / "+" / "$" / ",". */
    static final int PASSWORD_EXTRA = 1 << 3;
    /** param-unreserved (§25.1): "[" / "]" / "/" / ":" / "&" / "+" / "$". */
    static final int PARAM_UNRESERVED = 1 << 4;
    /** hnv-unreserved (§25.1): "[" / "]" / "/" / "?" / ":" / "+" / "$". */
    static final int HNV_UNRESERVED = 1 << 5;
    /** hostname characters: alphanum / "-" / "." (and "_", seen in the wild in SRV-style names). */
    static final int HOSTNAME = 1 << 6;
    /** word (§25.1, Call-ID). */
    static final int WORD = 1 << 7;
    /** DIGIT. */
    static final int DIGIT = 1 << 8;
    /** HEXDIG. */
    static final int HEX = 1 << 9;
    /** ALPHA. */
    static final int ALPHA = 1 << 10;
    /** scheme characters after the first (§25.1): ALPHA / DIGIT / "+" / "-" / ".". */
    static final int SCHEME = 1 << 11;
    /** Characters of an IPv6 reference between the brackets (§25.1 IPv6address, with an IPv4 tail). */
    static final int IPV6 = 1 << 12;
    /** gen-value characters outside quotes (§25.1 gen-value = token / host / quoted-string). */
    static final int GEN_VALUE = 1 << 13;

    private static final int[] CLASSES = new int[256];

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            add(c, TOKEN | UNRESERVED | HOSTNAME | WORD | ALPHA | SCHEME);
        }
        for (int c = 'A'; c <= 'Z'; c++) {
            add(c, TOKEN | UNRESERVED | HOSTNAME | WORD | ALPHA | SCHEME);
        }
        for (int c = '0'; c <= '9'; c++) {
            add(c, TOKEN | UNRESERVED | HOSTNAME | WORD | DIGIT | HEX | SCHEME | IPV6);
        }
        for (int c : "abcdefABCDEF".toCharArray()) {
            add(c, HEX | IPV6);
        }
        add(":.", IPV6);
        add("-.!%*_+`'~", TOKEN);
        add("-_.!~*'()", UNRESERVED);
        add("&=+$,;?/", USER_UNRESERVED);
        add("&=+$,", PASSWORD_EXTRA);
        add("[]/:&+$", PARAM_UNRESERVED);
        add("[]/?:+$", HNV_UNRESERVED);
        add("-._", HOSTNAME);
        add("-.!%*_+`'~()<>:\\\"/[]?{}", WORD);
        add("+-.", SCHEME);
        for (int c = 0; c < 256; c++) {
            if ((CLASSES[c] & TOKEN) != 0) {
                CLASSES[c] |= GEN_VALUE;
            }
        }
        add("[]:", GEN_VALUE);
    }

    private ByteClass() {
    }

    private static void add(int c, int mask) {
        CLASSES[c] |= mask;
    }

    private static void add(String chars, int mask) {
        for (int i = 0; i < chars.length(); i++) {
            CLASSES[chars.charAt(i)] |= mask;
        }
    }

    /** True if byte {@code b} (any sign) is in one of the classes of {@code mask}. */
    static boolean is(byte b, int mask) {
        return (CLASSES[b & 0xFF] & mask) != 0;
    }

    /** True if char {@code c} is in one of the classes of {@code mask}. */
    static boolean is(char c, int mask) {
        return c < 256 && (CLASSES[c] & mask) != 0;
    }

    /** SP or HTAB (WSP in RFC 5234). */
    static boolean isWsp(int c) {
        return c == ' ' || c == '\t';
    }

    static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
