package io.sipreg.message;

/** Parsing and formatting of the structured header values (RFC 3261 §25.1 ABNF). Package-private. */
final class HeaderGrammar {
    private HeaderGrammar() {
    }

    static SipUri parseUri(String text) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static String formatUri(SipUri uri) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static String addressOfRecord(SipUri uri) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static boolean uriEquivalent(SipUri a, SipUri b) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static NameAddress parseNameAddress(String text, Violation violation) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static String formatNameAddress(NameAddress address) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static Via parseVia(String text) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static String formatVia(Via via) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static CSeq parseCSeq(String text) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    static ContactSet contactSet(Headers headers) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
