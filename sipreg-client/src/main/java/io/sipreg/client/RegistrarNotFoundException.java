package io.sipreg.client;

/** RFC 3263 §4 found no address to send a REGISTER to; the message says what was looked up and what was missing. */
public final class RegistrarNotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RegistrarNotFoundException(String message) {
        super(message);
    }

    public RegistrarNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
