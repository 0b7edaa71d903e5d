package io.sipreg.transport;

import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** How socket addresses are written in flows and listen specs: {@code 192.0.2.1:5060}, {@code [2001:db8::1]:5060}. */
final class Addresses {
    private Addresses() {
    }

    static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            return address.getHostString() + ":" + address.getPort();
        }
        return ip instanceof Inet6Address
                ? "[" + NetUtil.toAddressString(ip) + "]:" + address.getPort()
                : NetUtil.toAddressString(ip) + ":" + address.getPort();
    }

    /**
     * The address as a Via {@code received} value: no brackets, no zone (RFC 3261 §20.42 grammar,
     * {@code received = "received" EQUAL (IPv4address / IPv6address)}).
     */
    static String bare(InetAddress ip) {
        return NetUtil.toAddressString(ip);
    }

    /**
     * Whether {@code host} (a Via sent-by host, IPv6 in brackets) is an IP literal equal to {@code ip}. Never
     * resolves a name: a domain name is simply "not the same address".
     */
    static boolean isLiteralOf(String host, InetAddress ip) {
        String literal = host.length() > 1 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']'
                ? host.substring(1, host.length() - 1)
                : host;
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
        return bytes != null && java.util.Arrays.equals(bytes, ip.getAddress());
    }
}
