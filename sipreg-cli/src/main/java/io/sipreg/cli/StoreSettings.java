package io.sipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipreg.registrar.ClusterNode;
import io.sipreg.registrar.Durability;
import io.sipreg.registrar.PostgresSettings;
import io.sipreg.registrar.PostgresStore;
import io.sipreg.registrar.RegistrationStore;
import io.sipreg.registrar.SqliteStore;
import io.sipreg.registrar.StoreException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where bindings and users are kept: the embedded SQLite file in the data directory (one node), or a PostgreSQL
 * database shared by several {@code serve} nodes. From the {@code [store]} table of the config file and the
 * {@code --store}, {@code --store-password-file} and {@code --node} flags, which override it.
 *
 * @param dataDirectory the SQLite store's directory
 * @param postgres      the shared database, when {@code kind = "postgres"}
 * @param node          this node's name among those sharing the database (default: the host name)
 * @param lease         how long a node that stops renewing its lease keeps its flows before another takes them
 * @param durability    when the embedded store lets a 200 OK leave ({@code store.durability}, {@code --durability})
 */
record StoreSettings(Path dataDirectory, Optional<PostgresSettings> postgres, String node, Duration lease,
                     Durability durability) {

    /** The file keys of the {@code [store]} table. */
    static final String PREFIX = "store.";
    private static final java.util.Set<String> KEYS =
            java.util.Set.of("kind", "url", "user", "password", "password-file", "pool-size", "node", "lease",
                    "durability");
    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern LIBPQ_URL = Pattern.compile(
            "(?i)postgres(?:ql)?://(?:(?<user>[^:@/]*)(?::(?<password>[^@/]*))?@)?(?<hostport>[^/?]*)"
                    + "(?:/(?<database>[^?]*))?(?:\\?(?<query>.*))?");

    /** The command-line flags, null when not given. */
    record Flags(String store, Path passwordFile, String node, String durability) {
        static final Flags NONE = new Flags(null, null, null, null);

        Flags(String store, Path passwordFile, String node) {
            this(store, passwordFile, node, null);
        }
    }

    boolean isShared() {
        return postgres.isPresent();
    }

    /** Opens the store; {@code serving} names this process in the rows it writes (serve) or not (the CLI). */
    RegistrationStore open(boolean serving) {
        return open(serving, SqliteStore.DEFAULT_MAX_PENDING_WRITES);
    }

    /** With the embedded store's bound on writes waiting for the disk ({@code overload.store-queue}). */
    RegistrationStore open(boolean serving, int storeQueue) {
        try {
            if (postgres.isEmpty()) {
                return SqliteStore.open(dataDirectory, Clock.systemUTC(), storeQueue, serving, durability);
            }
            return PostgresStore.open(postgres.get(), serving ? node : "", Clock.systemUTC());
        } catch (StoreException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** For log lines: {@code sqlite /var/lib/sipreg/sipreg.db} or the database URL without its password. */
    String describe() {
        return postgres.map(p -> "postgres " + p.redacted() + " as node " + node)
                .orElse("sqlite " + dataDirectory.resolve(SqliteStore.FILE_NAME) + ", durability "
                        + durability.configName());
    }

    static StoreSettings resolve(Optional<ConfigFile> file, Flags flags, Path dataDirectory) {
        var values = new HashMap<String, JsonNode>();
        var origins = new HashMap<String, String>();
        file.ifPresent(f -> {
            for (ConfigFile.Setting s : f.settings().values()) {
                if (!s.key().startsWith(PREFIX)) {
                    continue;
                }
                String key = s.key().substring(PREFIX.length());
                if (!KEYS.contains(key)) {
                    throw new UserError(f.at(s) + "unknown setting " + s.key());
                }
                values.put(key, s.value());
                origins.put(key, f.at(s) + s.key() + " ");
            }
        });
        String kind = text(values, origins, "kind").orElse(null);
        String url = text(values, origins, "url").orElse(null);
        String urlOrigin = origins.getOrDefault("url", "");
        if (flags.store() != null) {
            String store = flags.store().strip();
            if (store.equalsIgnoreCase("sqlite")) {
                kind = "sqlite";
            } else {
                kind = "postgres";
                url = store;
                urlOrigin = "--store ";
            }
            origins.put("kind", "--store ");
        }
        if (kind == null) {
            kind = url == null ? "sqlite" : "postgres";
        }
        String node = flags.node() != null ? flags.node() : text(values, origins, "node").orElseGet(StoreSettings::hostName);
        String nodeOrigin = flags.node() != null ? "--node " : origins.getOrDefault("node", "default store.node ");
        if (!NODE_NAME.matcher(node).matches()) {
            throw new UserError(nodeOrigin + "must be a node name of letters, digits, '.', '_' and '-', was '" + node
                    + "'");
        }
        int leaseSeconds = number(values, origins, "lease").orElse((int) ClusterNode.DEFAULT_LEASE.toSeconds());
        if (leaseSeconds < ClusterNode.MIN_LEASE.toSeconds()) {
            throw new UserError(origins.get("lease") + "must be >= " + ClusterNode.MIN_LEASE.toSeconds() + ", was "
                    + leaseSeconds);
        }
        String durabilityName = flags.durability() != null ? flags.durability()
                : text(values, origins, "durability").orElse(null);
        String durabilityOrigin = flags.durability() != null ? "--durability "
                : origins.getOrDefault("durability", "");
        Durability durability = Durability.FSYNC;
        if (durabilityName != null) {
            durability = Durability.fromConfigName(durabilityName).orElseThrow(() -> new UserError(durabilityOrigin
                    + "must be fsync or write, was " + durabilityName));
        }
        switch (kind.toLowerCase(Locale.ROOT)) {
            case "sqlite" -> {
                return new StoreSettings(dataDirectory, Optional.empty(), node, Duration.ofSeconds(leaseSeconds),
                        durability);
            }
            case "postgres", "postgresql" -> {
                if (url == null) {
                    throw new UserError(origins.getOrDefault("kind", "store.kind ")
                            + "is postgres: store.url (or --store postgresql://HOST/DATABASE) must name the database");
                }
                if (durability != Durability.FSYNC) {
                    // PostgreSQL decides that itself (synchronous_commit); a 200 waits for its commit.
                    throw new UserError(durabilityOrigin + "applies to the embedded store only; with PostgreSQL "
                            + "set synchronous_commit in the database");
                }
                return new StoreSettings(dataDirectory, Optional.of(postgres(url, urlOrigin, values, origins, flags)),
                        node, Duration.ofSeconds(leaseSeconds), durability);
            }
            default -> throw new UserError(origins.getOrDefault("kind", "store.kind ")
                    + "must be sqlite or postgres, was " + kind);
        }
    }

    private static PostgresSettings postgres(String url, String urlOrigin, Map<String, JsonNode> values,
                                             Map<String, String> origins, Flags flags) {
        String user = text(values, origins, "user").orElse("");
        String password = text(values, origins, "password").orElse("");
        String jdbc;
        var libpq = LIBPQ_URL.matcher(url);
        if (url.startsWith("jdbc:postgresql:")) {
            jdbc = url;
        } else if (libpq.matches()) {
            // postgresql://user:password@host:port/database?options, as libpq and psql take it.
            if (libpq.group("hostport").isEmpty()) {
                throw new UserError(urlOrigin + "names no host: " + redact(url));
            }
            if (libpq.group("user") != null && !libpq.group("user").isEmpty() && user.isEmpty()) {
                user = decode(libpq.group("user"));
            }
            if (libpq.group("password") != null && password.isEmpty()) {
                password = decode(libpq.group("password"));
            }
            String database = libpq.group("database") == null ? "" : libpq.group("database");
            jdbc = "jdbc:postgresql://" + libpq.group("hostport") + "/" + database
                    + (libpq.group("query") == null ? "" : "?" + libpq.group("query"));
        } else {
            throw new UserError(urlOrigin + "must be postgresql://[USER@]HOST[:PORT]/DATABASE or "
                    + "jdbc:postgresql://HOST[:PORT]/DATABASE, was " + redact(url));
        }
        Optional<String> fileName = flags.passwordFile() != null ? Optional.of(flags.passwordFile().toString())
                : text(values, origins, "password-file");
        if (fileName.isPresent()) {
            String where = flags.passwordFile() != null ? "--store-password-file " : origins.get("password-file");
            if (values.containsKey("password")) {
                throw new UserError(where + "and store.password are both set; keep one");
            }
            password = readPassword(Path.of(fileName.get()), where);
        }
        int pool = number(values, origins, "pool-size").orElse(PostgresSettings.DEFAULT_POOL_SIZE);
        var settings = new PostgresSettings(jdbc, user, password, pool);
        var problems = settings.validate();
        if (!problems.isEmpty()) {
            throw new UserError((origins.containsKey("pool-size") ? origins.get("pool-size") : urlOrigin)
                    + String.join("; ", problems));
        }
        return settings;
    }

    private static String readPassword(Path file, String where) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int end = text.indexOf('\n');
            String line = (end < 0 ? text : text.substring(0, end)).stripTrailing();
            if (line.isEmpty()) {
                throw new UserError(where + file + ": the password file is empty");
            }
            return line;
        } catch (NoSuchFileException e) {
            throw new UserError(where + file + ": no such file");
        } catch (IOException e) {
            throw new UserError(where + file + ": cannot read: " + e.getMessage());
        }
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The URL with any password in it replaced, for error messages. */
    static String redact(String url) {
        return url.replaceAll("(//[^:@/]*:)[^@/]*@", "$1***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private static Optional<String> text(Map<String, JsonNode> values, Map<String, String> origins, String key) {
        JsonNode node = values.get(key);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw new UserError(origins.get(key) + "must be a string, was " + (key.equals("password") ? "***" : node));
        }
        return Optional.of(node.asText());
    }

    private static Optional<Integer> number(Map<String, JsonNode> values, Map<String, String> origins, String key) {
        JsonNode node = values.get(key);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new UserError(origins.get(key) + "must be a whole number, was " + node);
        }
        return Optional.of(node.asInt());
    }

    private static String hostName() {
        try {
            String host = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
            int dot = host.indexOf('.');
            return dot > 0 ? host.substring(0, dot) : host;
        } catch (UnknownHostException e) {
            return "sipreg";
        }
    }
}
