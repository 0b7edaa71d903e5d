package io.sipreg.analyzer;

/**
 * An ICMP or ICMPv6 Destination Unreachable (RFC 792, RFC 4443 §3.1) that quotes a packet of the capture: the
 * quoted packet went from {@code quotedSource} to {@code quotedDestination}, and {@code reporter} (the host or
 * router that could not deliver it) said why.
 */
public record IcmpUnreachable(long frame, long timeNanos, Endpoint reporter, String reason, boolean portUnreachable,
                              Transport quotedTransport, Endpoint quotedSource, Endpoint quotedDestination,
                              byte[] quotedPayload) implements LadderEvent {
    @Override
    public Endpoint source() {
        return quotedDestination;
    }

    @Override
    public Endpoint destination() {
        return quotedSource;
    }
}
