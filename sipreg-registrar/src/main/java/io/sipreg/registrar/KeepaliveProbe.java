package io.sipreg.registrar;

import java.util.Objects;

/**
 * A keepalive that went wrong for one binding: an OPTIONS left unanswered, or the binding removed for it (or for its
 * connection closing). Answered OPTIONS are not reported one by one; {@link KeepaliveScheduler#status} has the last.
 *
 * @param atMillis      epoch milliseconds
 * @param aor           the binding's address-of-record
 * @param contactUri    its contact URI
 * @param source        where the device is reached, {@code transport ip:port}
 * @param kind          what happened
 * @param failuresInRow unanswered OPTIONS in a row so far (0 for a closed connection)
 * @param detail        why, in words ({@code no answer}, {@code after 3 unanswered OPTIONS}, {@code connection closed})
 */
public record KeepaliveProbe(long atMillis, String aor, String contactUri, String source, Kind kind,
                             int failuresInRow, String detail) {
    public enum Kind {
        UNANSWERED, REMOVED
    }

    public KeepaliveProbe {
        Objects.requireNonNull(aor, "aor");
        Objects.requireNonNull(contactUri, "contactUri");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }
}
