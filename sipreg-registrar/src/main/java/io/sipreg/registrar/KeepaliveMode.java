package io.sipreg.registrar;

import java.util.Locale;
import java.util.Optional;

/** Which bindings the registrar keeps alive and drops when their device stops answering. */
public enum KeepaliveMode {
    /** No keepalives; bindings live until they expire or are removed by their device. */
    OFF,
    /**
     * Bindings of devices behind NAT: UDP ones get OPTIONS, those on a TCP connection (or registered with RFC 5626
     * outbound) go when it closes. The default: only there does a silent device mean a dead flow.
     */
    NAT,
    /** Every UDP binding gets OPTIONS, and every binding on a TCP connection goes when it closes. */
    ALL;

    /** {@code off}, {@code nat} or {@code all}, in any case. */
    public static Optional<KeepaliveMode> parse(String text) {
        for (KeepaliveMode mode : values()) {
            if (mode.name().equalsIgnoreCase(text.strip())) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }

    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }
}
