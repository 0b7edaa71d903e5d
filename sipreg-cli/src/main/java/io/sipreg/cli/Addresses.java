package io.sipreg.cli;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

/** Socket addresses as SIP writes them: {@code 192.0.2.1:5060}, {@code [2001:db8::1]:5060}. */
final class Addresses {
    private Addresses() {
    }

    static String format(InetSocketAddress address) {
        String host = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
        if (address.getAddress() instanceof Inet6Address) {
            int zone = host.indexOf('%');
            host = "[" + (zone >= 0 ? host.substring(0, zone) : host) + "]";
            if (host.equals("[0:0:0:0:0:0:0:0]")) {
                host = "[::]";
            } else if (host.equals("[0:0:0:0:0:0:0:1]")) {
                host = "[::1]";
            }
        }
        return host + ":" + address.getPort();
    }
}
