package io.sipreg.transport;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Objects;

/**
 * Where to listen: {@code udp:0.0.0.0:5060}, {@code tcp:[::]:5060}, {@code udp:127.0.0.1:0} (port 0 picks an
 * ephemeral port). {@code host} is kept without IPv6 brackets.
 */
public record ListenAddress(Transport transport, String host, int port) {
    public ListenAddress {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("listen address has an empty host");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("listen port out of range: " + port);
        }
    }

    /**
     * Parses {@code TRANSPORT:HOST:PORT}; an IPv6 host goes in brackets ({@code udp:[::1]:5060}).
     *
     * @throws IllegalArgumentException naming {@code spec} and what is wrong with it
     */
    public static ListenAddress parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw bad(spec, "expected TRANSPORT:HOST:PORT, e.g. udp:0.0.0.0:5060");
        }
        Transport transport = switch (spec.substring(0, colon).toLowerCase(Locale.ROOT)) {
            case "udp" -> Transport.UDP;
            case "tcp" -> Transport.TCP;
            case "tls" -> Transport.TLS;
            default -> throw bad(spec, "transport must be udp, tcp or tls");
        };
        String rest = spec.substring(colon + 1);
        String host;
        String portText;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0 || close + 1 >= rest.length() || rest.charAt(close + 1) != ':') {
                throw bad(spec, "expected [IPv6]:PORT");
            }
            host = rest.substring(1, close);
            portText = rest.substring(close + 2);
        } else {
            int last = rest.lastIndexOf(':');
            if (last < 0) {
                throw bad(spec, "missing port");
            }
            host = rest.substring(0, last);
            portText = rest.substring(last + 1);
            if (host.indexOf(':') >= 0) {
                throw bad(spec, "an IPv6 host must be in brackets, e.g. udp:[::1]:5060");
            }
        }
        if (host.isEmpty()) {
            throw bad(spec, "missing host");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw bad(spec, "port is not a number");
        }
        if (port < 0 || port > 65_535) {
            throw bad(spec, "port must be 0-65535");
        }
        return new ListenAddress(transport, host, port);
    }

    /** Resolves {@code host}; done once at startup, never on the message path. */
    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return transport.token() + ":" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("bad listen address '" + spec + "': " + why);
    }
}
