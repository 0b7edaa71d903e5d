package io.sipreg.registrar;

/** A store could not read or durably write. The registrar answers 500 and never 200 (RFC 3261 §10.3 step 8). */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
