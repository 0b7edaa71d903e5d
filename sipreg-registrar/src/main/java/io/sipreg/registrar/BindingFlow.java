package io.sipreg.registrar;

import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * The flow a binding was registered over (RFC 5626 §5.3), rebuilt from the text the store keeps: its source
 * ({@code 203.0.113.5:40211}, {@code [2001:db8::5]:40211}), the local socket and, for TCP, the connection. Keepalives
 * and anything else for the device go this way, never to the Contact address behind the NAT.
 */
final class BindingFlow {
    private BindingFlow() {
    }

    /** Empty when the stored text is not an IP literal and port, which the registrar never writes. */
    static Optional<Flow> of(Binding binding) {
        Transport transport;
        try {
            transport = Transport.valueOf(binding.transport().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        Optional<InetSocketAddress> remote = socketAddress(binding.source());
        Optional<InetSocketAddress> local = socketAddress(binding.localSocket());
        if (remote.isEmpty() || local.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Flow(transport, local.get(), remote.get(),
                transport.isStream() ? Math.max(0, binding.connectionId()) : 0));
    }

    /** {@code ip:port} or {@code [v6]:port} as {@link Origin#hostPort} writes it; never a DNS lookup. */
    static Optional<InetSocketAddress> socketAddress(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            return Optional.empty();
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (port < 0 || port > 65_535) {
            return Optional.empty();
        }
        Optional<InetAddress> ip = NatDetection.literal(hostPort.substring(0, colon));
        return ip.map(address -> new InetSocketAddress(address, port));
    }
}
