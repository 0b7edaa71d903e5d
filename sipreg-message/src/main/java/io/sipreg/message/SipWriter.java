package io.sipreg.message;

/**
 * Serialises messages to wire form: start line, one header field per line in order (list-valued headers one
 * value per line), a Content-Length computed from the body (any Content-Length in the headers is replaced), an
 * empty line, the body. Output parses back to an equal message.
 */
public final class SipWriter {
    private SipWriter() {
    }

    public static byte[] write(SipMessage message) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** For logs and the client's --verbose output. */
    public static String toText(SipMessage message) {
        return new String(write(message), java.nio.charset.StandardCharsets.UTF_8);
    }
}
