package io.sipreg.client;

import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.util.Objects;

/** One place to send a REGISTER to (RFC 3263 §4): a transport and a resolved address. */
public record RegistrarTarget(Transport transport, InetSocketAddress address) {
    public RegistrarTarget {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(address, "address");
    }

    /** {@code udp 192.0.2.1:5060}, {@code tls [2001:db8::1]:5061}. */
    @Override
    public String toString() {
        return transport.token() + " " + Flow.hostPort(address);
    }
}
