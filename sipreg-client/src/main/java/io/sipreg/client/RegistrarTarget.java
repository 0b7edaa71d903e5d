package io.sipreg.client;

import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One place to send a REGISTER to (RFC 3263 §4): a transport and a resolved address.
 *
 * @param serverName the name a TLS server's certificate must carry: the host that was located, not the SRV target
 *     or address it led to (RFC 5922 §4.1), or the IP address when that is what the user gave
 */
public record RegistrarTarget(Transport transport, InetSocketAddress address, String serverName) {
    public RegistrarTarget {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(serverName, "serverName");
    }

    /** A target given by address: its certificate must name that address. */
    public RegistrarTarget(Transport transport, InetSocketAddress address) {
        this(transport, address, address.getAddress() != null ? address.getAddress().getHostAddress()
                : address.getHostString());
    }

    /** {@code udp 192.0.2.1:5060}, {@code tls [2001:db8::1]:5061}. */
    @Override
    public String toString() {
        return transport.token() + " " + Flow.hostPort(address);
    }
}
