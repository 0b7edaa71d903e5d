package io.sipreg.message.digest;

/** Parsing and formatting of Digest challenge and credentials parameters (RFC 7616 §3.3, §3.4). */
final class DigestGrammar {
    private DigestGrammar() {
    }

    static DigestChallenge parseChallenge(String value) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static String formatChallenge(DigestChallenge challenge) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static DigestCredentials parseCredentials(String value) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static String formatCredentials(DigestCredentials credentials) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** True if the comma-separated token list {@code list} (quotes stripped) contains {@code token}. */
    static boolean listContains(String list, String token) {
        for (String t : list.replace("\"", "").split(",")) {
            if (t.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }
}
