package io.sipreg.registrar;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The addresses the server listens on, so that a REGISTER sent to {@code sip:192.0.2.1} or {@code sip:192.0.2.1:5060}
 * (common on devices configured with the server's IP) counts as sent to the served domain (RFC 3261 §10.3 step 1).
 * A wildcard listener (0.0.0.0, ::) stands for every address of every interface.
 */
final class LocalAddresses {
    private final Map<InetAddress, Set<Integer>> portsByAddress;
    private final Set<Integer> allPorts;

    LocalAddresses(Set<InetSocketAddress> listeners) {
        var byAddress = new HashMap<InetAddress, Set<Integer>>();
        var ports = new HashSet<Integer>();
        for (InetSocketAddress listener : listeners) {
            ports.add(listener.getPort());
            InetAddress ip = listener.getAddress();
            if (ip == null) {
                continue;
            }
            if (ip.isAnyLocalAddress()) {
                for (InetAddress a : interfaceAddresses()) {
                    byAddress.computeIfAbsent(a, k -> new HashSet<>()).add(listener.getPort());
                }
            } else {
                byAddress.computeIfAbsent(ip, k -> new HashSet<>()).add(listener.getPort());
            }
        }
        this.portsByAddress = Map.copyOf(byAddress);
        this.allPorts = Set.copyOf(ports);
    }

    /** True when {@code host} is an IP literal of ours and {@code port} is absent (-1) or a port we listen on there. */
    boolean isOurs(String host, int port) {
        if (portsByAddress.isEmpty()) {
            return false;
        }
        InetAddress ip = literal(host);
        if (ip == null) {
            return false;
        }
        Set<Integer> ports = portsByAddress.get(ip);
        return ports != null && (port < 0 || ports.contains(port));
    }

    /** True when {@code port} is absent or one we listen on (anything, when no listeners were given). */
    boolean isOurPort(int port) {
        return port < 0 || allPorts.isEmpty() || allPorts.contains(port);
    }

    /** The address for an IPv4 or bracketed IPv6 literal; null for a host name. Never resolves names. */
    private static InetAddress literal(String host) {
        String h = host;
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        } else if (!isIpv4Literal(h)) {
            return null;
        }
        try {
            return InetAddress.getByName(h);
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    private static boolean isIpv4Literal(String h) {
        if (h.isEmpty()) {
            return false;
        }
        int dots = 0;
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots == 3;
    }

    private static Set<InetAddress> interfaceAddresses() {
        var addresses = new HashSet<InetAddress>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                addresses.addAll(Collections.list(nif.getInetAddresses()));
            }
        } catch (SocketException e) {
            // No interface list (sandboxed); literal addresses simply will not match.
        }
        return addresses;
    }
}
