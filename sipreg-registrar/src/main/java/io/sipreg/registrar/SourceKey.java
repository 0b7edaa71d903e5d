package io.sipreg.registrar;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * What failures and request rates are counted by: the source IPv4 address, or the /64 of an IPv6 one. A host on
 * IPv6 usually holds a whole /64 (RFC 4291 §2.5.4 interface identifiers), so counting single addresses would let
 * it take a fresh address for every few guesses.
 */
public final class SourceKey {
    private SourceKey() {
    }

    /** {@code 203.0.113.5}, or {@code 2001:db8:1:2::/64}. */
    public static String of(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] bytes = v6.getAddress();
            if (isV4Mapped(bytes)) {
                return of(mappedV4(bytes));
            }
            // The /64 in the RFC 5952 form for its four groups: lower case, no leading zeros.
            return String.format("%x:%x:%x:%x::/64", group(bytes, 0), group(bytes, 2), group(bytes, 4),
                    group(bytes, 6));
        }
        return address.getHostAddress();
    }

    /**
     * The key for what an operator typed: an IPv4 address, an IPv6 address (its /64) or {@code PREFIX/64}; empty when
     * it is none of these. Never resolves names.
     */
    public static Optional<String> parse(String text) {
        String t = text.strip();
        if (t.endsWith("/64")) {
            t = t.substring(0, t.length() - 3);
        }
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        boolean v4 = t.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = t.contains(":") && t.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            return Optional.empty();
        }
        try {
            return Optional.of(of(InetAddress.getByName(t)));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static int group(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    private static Inet4Address mappedV4(byte[] b) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
