package io.sipreg.registrar;

import io.sipreg.transport.Flow;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where a request came from and which of our sockets it reached: the parts of the transport's flow (RFC 5626 §5.3)
 * that a binding remembers.
 *
 * @param transport    UDP, TCP or TLS
 * @param local        our listener's address
 * @param remote       the source address (what the top Via's received/rport say)
 * @param connectionId the transport's id for a TCP/TLS connection, 0 for UDP
 */
record Origin(String transport, InetSocketAddress local, InetSocketAddress remote, long connectionId) {
    Origin {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
    }

    static Origin of(Flow flow) {
        return new Origin(flow.transport().name(), flow.local(), flow.remote(), flow.connectionId());
    }

    String source() {
        return hostPort(remote);
    }

    String localSocket() {
        return hostPort(local);
    }

    /** {@code 192.0.2.1:5060} or {@code [2001:db8::1]:5060}. */
    static String hostPort(InetSocketAddress address) {
        return Flow.hostPort(address);
    }

    @Override
    public String toString() {
        return transport.toLowerCase(java.util.Locale.ROOT) + ":" + source();
    }
}
