package io.sipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipreg.admin.AdminConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The operations side of {@code serve}: the admin HTTP server ({@code [admin]} in the config file, {@code --admin},
 * {@code --admin-token}) and the log format ({@code [log]}, {@code --log-format}). Kept apart from
 * {@link ServeSettings}, which leaves these keys to this class; merged the same way: defaults, then the file, then
 * the flags, every complaint naming where the value came from.
 *
 * @param admin     the admin server, empty when off (the default)
 * @param logFormat how log lines are written
 */
record OperationsSettings(Optional<AdminConfig> admin, LogFormat logFormat) {

    static final OperationsSettings DEFAULTS = new OperationsSettings(Optional.empty(), LogFormat.TEXT);

    /** The command line, each field null when the flag was not given. */
    record Flags(String admin, String adminToken, String logFormat) {
    }

    /** True for the keys of the file this class reads; {@link ServeSettings} skips them. */
    static boolean owns(String fileKey) {
        return fileKey.startsWith("admin.") || fileKey.startsWith("log.");
    }

    static OperationsSettings resolve(Optional<ConfigFile> file, Flags flags) {
        String listen = null;
        String listenOrigin = "";
        String token = "";
        String tokenOrigin = "";
        String format = "text";
        String formatOrigin = "default log.format ";
        if (file.isPresent()) {
            for (ConfigFile.Setting s : file.get().settings().values()) {
                if (!owns(s.key())) {
                    continue;
                }
                String where = file.get().at(s) + s.key() + " ";
                switch (s.key()) {
                    case "admin.listen" -> {
                        listen = s.value().isIntegralNumber() ? s.value().asText() : text(where, s.value());
                        listenOrigin = where;
                    }
                    case "admin.token" -> {
                        token = text(where, s.value());
                        tokenOrigin = where;
                    }
                    case "log.format" -> {
                        format = text(where, s.value());
                        formatOrigin = where;
                    }
                    default -> throw new UserError(file.get().at(s) + "unknown setting " + s.key());
                }
            }
        }
        if (flags.admin() != null) {
            listen = flags.admin();
            listenOrigin = "--admin ";
        }
        if (flags.adminToken() != null) {
            token = flags.adminToken();
            tokenOrigin = "--admin-token ";
        }
        if (flags.logFormat() != null) {
            format = flags.logFormat();
            formatOrigin = "--log-format ";
        }
        String formatText = format;
        String formatFrom = formatOrigin;
        LogFormat logFormat = LogFormat.parse(format).orElseThrow(() -> new UserError(formatFrom
                + "must be text or json, was " + formatText));
        if (listen == null || listen.isBlank() || listen.equalsIgnoreCase("off")) {
            if (!token.isEmpty()) {
                throw new UserError(tokenOrigin + "is set but the admin server is off; turn it on with --admin"
                        + " HOST:PORT or admin.listen");
            }
            return new OperationsSettings(Optional.empty(), logFormat);
        }
        if (!token.isEmpty() && (token.length() < 16 || token.chars().anyMatch(c -> c <= ' ' || c > '~'))) {
            throw new UserError(tokenOrigin + "must be at least 16 printable characters without spaces");
        }
        InetSocketAddress address = listenAddress(listenOrigin, listen.strip());
        return new OperationsSettings(Optional.of(AdminConfig.of(address, token, AdminConfig::randomToken)),
                logFormat);
    }

    /** {@code PORT} (on 127.0.0.1), {@code HOST:PORT} or {@code [IPv6]:PORT}. */
    static InetSocketAddress listenAddress(String origin, String spec) {
        String host = "127.0.0.1";
        String port = spec;
        if (spec.startsWith("[")) {
            int end = spec.indexOf("]:");
            if (end < 0) {
                throw new UserError(origin + "must be HOST:PORT, was " + spec);
            }
            host = spec.substring(1, end);
            port = spec.substring(end + 2);
        } else if (spec.indexOf(':') >= 0) {
            int colon = spec.lastIndexOf(':');
            host = spec.substring(0, colon);
            port = spec.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new UserError(origin + "an IPv6 address needs brackets: [" + host + "]:" + port);
            }
        }
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new UserError(origin + "has no port number: " + spec);
        }
        if (number < 0 || number > 65535) {
            throw new UserError(origin + "port must be 0..65535, was " + number);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), number);
        } catch (UnknownHostException e) {
            throw new UserError(origin + "unknown host " + host);
        }
    }

    private static String text(String where, JsonNode node) {
        if (!node.isTextual()) {
            throw new UserError(where + "must be a string, was " + node);
        }
        return node.asText();
    }
}
