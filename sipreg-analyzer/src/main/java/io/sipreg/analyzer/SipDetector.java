package io.sipreg.analyzer;

/**
 * Decides by content whether bytes start a SIP message, so SIP is found on any port: a Status-Line
 * ({@code SIP/2.0 NNN}, RFC 3261 §7.2) or a Request-Line whose method is a token and which ends in
 * {@code SIP/2.0} (§7.1). Cheap enough to run on every UDP payload and TCP segment of a capture.
 */
final class SipDetector {
    /** A Request-Line longer than this is not worth sniffing for; the parser's limits apply after detection. */
    private static final int MAX_START_LINE = 2048;

    private SipDetector() {
    }

    /** True when {@code d[at, at+len)} begins with a SIP start line. */
    static boolean startsMessage(byte[] d, int at, int len) {
        if (len < 12) {
            return false;
        }
        if (d[at] == 'S' && d[at + 1] == 'I' && d[at + 2] == 'P' && d[at + 3] == '/' && d[at + 4] == '2'
                && d[at + 5] == '.' && d[at + 6] == '0' && d[at + 7] == ' ') {
            return isDigit(d[at + 8]) && isDigit(d[at + 9]) && isDigit(d[at + 10]);
        }
        int i = at;
        int end = at + Math.min(len, MAX_START_LINE);
        while (i < end && isMethodChar(d[i])) {
            i++;
        }
        if (i == at || i - at > 32 || i >= end || d[i] != ' ') {
            return false;
        }
        for (int k = i + 1; k < end; k++) {
            if (d[k] == '\n') {
                int lineEnd = k > 0 && d[k - 1] == '\r' ? k - 1 : k;
                return lineEnd - 7 > i && d[lineEnd - 7] == 'S' && d[lineEnd - 6] == 'I' && d[lineEnd - 5] == 'P'
                        && d[lineEnd - 4] == '/' && d[lineEnd - 3] == '2' && d[lineEnd - 2] == '.'
                        && d[lineEnd - 1] == '0';
            }
        }
        return false;
    }

    /** Where the first line starting a SIP message begins in {@code d[at, at+len)}, or -1. */
    static int find(byte[] d, int at, int len) {
        int end = at + len;
        for (int i = at; i < end; i++) {
            if ((i == at || d[i - 1] == '\n') && startsMessage(d, i, end - i)) {
                return i;
            }
        }
        return -1;
    }

    /** True when the bytes are only CR and LF: a keepalive (RFC 5626 §3.5.1), not a message. */
    static boolean isKeepalive(byte[] d, int at, int len) {
        if (len == 0) {
            return false;
        }
        for (int i = at; i < at + len; i++) {
            if (d[i] != '\r' && d[i] != '\n') {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isMethodChar(byte b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || b == '-' || b == '_' || b == '.';
    }
}
