package io.sipreg.transport;

import java.net.InetSocketAddress;
import java.util.Objects;

/** A listener that is up, with the address actually bound (the real port when port 0 was asked for). */
public record BoundListener(Transport transport, InetSocketAddress address) {
    public BoundListener {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(address, "address");
    }

    @Override
    public String toString() {
        return transport.token() + ":" + Addresses.format(address);
    }
}
