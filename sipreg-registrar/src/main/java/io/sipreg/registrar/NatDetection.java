package io.sipreg.registrar;

import io.sipreg.message.SipUri;
import io.sipreg.message.Via;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Whether a registering device is behind NAT, decided per REGISTER as a provider's engineer reads a capture: the
 * packet came from a public address while the headers carry the private one. Kamailio's {@code nat_uac_test} asks
 * the same questions. The answer decides whether the binding gets keepalives and is reached only through its flow.
 *
 * <p>Over TCP and TLS only the hosts are compared: the source port of a connection is ephemeral by nature, while
 * Via and Contact name the port the device listens on (RFC 3261 §18.2.1, §18.1.1). Host names are never resolved;
 * a name is compared by its port alone.
 */
final class NatDetection {
    private NatDetection() {
    }

    /** Via sent-by or Contact host:port differ from where the request came from (RFC 3581 §1's very problem). */
    static boolean isBehindNat(Via topVia, SipUri contact, InetSocketAddress source, boolean stream) {
        return differs(topVia.host(), topVia.port(), 5060, source, stream)
                || contactDiffers(contact, source, stream);
    }

    /**
     * The Contact alone: also used for bindings stored before the Via was looked at (see {@link SqliteStore}'s
     * migration). A private Contact address (RFC 1918, RFC 6598 shared space, RFC 4193 ULA) is caught here: seen
     * from a public source it always differs. Seen from that very address and port, the device and the registrar
     * share a network and no NAT is in between, so it is not taken for one.
     */
    static boolean contactDiffers(SipUri contact, InetSocketAddress source, boolean stream) {
        int defaultPort = contact.scheme().equalsIgnoreCase("sips") ? 5061 : 5060;
        return differs(contact.host(), contact.port(), defaultPort, source, stream);
    }

    private static boolean differs(String host, int port, int defaultPort, InetSocketAddress source, boolean stream) {
        InetAddress from = source.getAddress();
        if (from == null) {
            return false;
        }
        Optional<InetAddress> literal = literal(host);
        if (literal.isPresent() && !literal.get().equals(from)) {
            return true;
        }
        return !stream && (port < 0 ? defaultPort : port) != source.getPort();
    }

    /** The address a host names when it is an IP literal ({@code 192.0.2.1}, {@code [2001:db8::1]}); never DNS. */
    static Optional<InetAddress> literal(String host) {
        String text = host.length() > 1 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']'
                ? host.substring(1, host.length() - 1) : host;
        if (text.indexOf(':') < 0 && !isDottedQuad(text)) {
            return Optional.empty();
        }
        try {
            // A literal: parsed in place, no lookup (InetAddress resolves only what is not an address).
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException | SecurityException e) {
            return Optional.empty();
        }
    }

    private static boolean isDottedQuad(String text) {
        int parts = 0;
        int value = -1;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || value > 255) {
                    return false;
                }
                parts++;
                value = -1;
            } else if (c >= '0' && c <= '9' && (value < 0 || value < 1000)) {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
            } else {
                return false;
            }
        }
        return parts == 4;
    }
}
