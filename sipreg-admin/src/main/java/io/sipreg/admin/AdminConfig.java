package io.sipreg.admin;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Where the admin HTTP server listens and the bearer token it asks for.
 *
 * @param listen         the address to bind; port 0 picks a free one
 * @param token          the token every API and metrics request must carry ({@code Authorization: Bearer ...}), or ""
 *                       for none, which only a loopback address allows
 * @param tokenGenerated true when nobody chose the token: it was made up at start and must be shown to the operator
 */
public record AdminConfig(InetSocketAddress listen, String token, boolean tokenGenerated) {
    public AdminConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(token, "token");
        if (token.isEmpty() && requiresToken(listen.getAddress())) {
            throw new IllegalArgumentException("the admin server on " + listen + " needs a token");
        }
    }

    /**
     * The rule: bound to a loopback address, only this machine can reach the server, and a token is optional; bound to
     * any other address (the wildcard 0.0.0.0 or :: included) it is reachable from the network, and without a token
     * anyone there could remove bindings and add accounts.
     */
    public static boolean requiresToken(InetAddress address) {
        return !address.isLoopbackAddress();
    }

    /**
     * The configuration for {@code listen} with the operator's {@code token} ("" when none was given): a token is
     * generated with {@code generator} when the address requires one and none was given.
     */
    public static AdminConfig of(InetSocketAddress listen, String token, Supplier<String> generator) {
        if (token.isEmpty() && requiresToken(listen.getAddress())) {
            return new AdminConfig(listen, generator.get(), true);
        }
        return new AdminConfig(listen, token, false);
    }

    /** 192 random bits, URL-safe base64: fits an HTTP header and a shell variable as it is. */
    public static String randomToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public boolean requiresAuthentication() {
        return !token.isEmpty();
    }
}
