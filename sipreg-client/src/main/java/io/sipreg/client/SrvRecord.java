package io.sipreg.client;

import java.util.Objects;

/** An SRV record (RFC 2782). {@code target} has no trailing dot; a target of {@code "."} is the root. */
public record SrvRecord(int priority, int weight, int port, String target) {
    public SrvRecord {
        Objects.requireNonNull(target, "target");
    }

    /** RFC 2782: 'A Target of "." means that the service is decidedly not available at this domain.' */
    public boolean offersNoService() {
        return ".".equals(target);
    }
}
