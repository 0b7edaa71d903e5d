package io.sipreg.registrar;

/**
 * A store could not read or durably write. The registrar answers 500 and never 200 (RFC 3261 §10.3 step 8); when the
 * store is only {@link #busy} (its queue of writes is full), 503 with Retry-After, since a retry soon will succeed.
 */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean busy;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
        this.busy = false;
    }

    public StoreException(String message) {
        this(message, false);
    }

    private StoreException(String message, boolean busy) {
        super(message);
        this.busy = busy;
    }

    /** The write was refused because too many are waiting for the disk; nothing is wrong with the data. */
    public static StoreException busy(String message) {
        return new StoreException(message, true);
    }

    public boolean isBusy() {
        return busy;
    }
}
