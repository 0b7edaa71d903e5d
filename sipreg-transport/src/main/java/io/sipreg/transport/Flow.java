package io.sipreg.transport;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The path a message took (RFC 5626 §3 "flow"): the local socket it arrived on and the remote address it came
 * from. Responses and keepalives go back the same way, so a device behind NAT is reached through the binding it
 * opened. For stream transports {@code connectionId} names the connection; it is 0 for UDP.
 */
public record Flow(Transport transport, InetSocketAddress local, InetSocketAddress remote, long connectionId) {
    public Flow {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
        if (connectionId < 0) {
            throw new IllegalArgumentException("connectionId must be >= 0, was " + connectionId);
        }
    }

    /** {@code udp 203.0.113.5:40211->192.0.2.1:5060}; a connection adds its id: {@code tcp ...->...:5060#17}. */
    @Override
    public String toString() {
        String text = transport.token() + " " + Addresses.format(remote) + "->" + Addresses.format(local);
        return connectionId == 0 ? text : text + "#" + connectionId;
    }

    /** {@code 192.0.2.1:5060} or {@code [2001:db8::1]:5060} (RFC 5952 form, no zone): how sipreg writes addresses. */
    public static String hostPort(InetSocketAddress address) {
        return Addresses.format(address);
    }
}
