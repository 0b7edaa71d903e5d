package io.sipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipreg.message.ParseLimits;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.registrar.KeepaliveMode;
import io.sipreg.registrar.KeepalivePolicy;
import io.sipreg.registrar.SqliteStore;
import io.sipreg.transport.TransportConfig;
import io.sipreg.transport.ListenAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything {@code serve} runs with, after defaults, the config file and the command line flags have been
 * merged in that order. Checked by hand at startup, and every complaint names where the value came from.
 */
record ServeSettings(Path dataDirectory, String domain, List<ListenAddress> listens, int challenge,
                     int minExpires, int maxExpires, int defaultExpires, List<DigestAlgorithm> algorithms,
                     int nonceLifetimeSeconds, KeepalivePolicy keepalive, Limits limits, Overload overload) {

    /**
     * What one client may hold ({@code [limits]}): TCP connections in all and per source address, how long a
     * connection may stay silent, how long one message may take to arrive whole, and how large a message, how many
     * header fields and how long a header line may be.
     */
    record Limits(int tcpIdleTimeoutSeconds, int partialMessageTimeoutSeconds, int maxConnections,
                  int maxConnectionsPerAddress, int maxMessageBytes, int maxHeaders, int maxHeaderLineBytes) {
        ParseLimits parseLimits() {
            return new ParseLimits(maxMessageBytes, maxHeaders, maxHeaderLineBytes);
        }
    }

    /**
     * When load is shed ({@code [overload]}): the store's queue of binding writes and the fill at which new
     * registrations get 503, the Retry-After, the server transactions kept at once (0: from the heap size), the
     * UDP read burst after which requests are dropped unparsed, and the tasks one event loop may queue.
     */
    record Overload(int storeQueue, int shedNewAtPercent, int retryAfterSeconds, int maxTransactions, int udpBurst,
                    int eventLoopQueue) {
        /** The store fill from which new registrations are answered 503. */
        int shedNewAt() {
            return Math.max(1, (int) ((long) storeQueue * shedNewAtPercent / 100));
        }

        /** The configured bound, or one a transaction per 2 KiB of the heap can hold, at most 1,000,000. */
        int transactionsFor(long maxHeapBytes) {
            return maxTransactions > 0 ? maxTransactions
                    : (int) Math.max(1_000, Math.min(1_000_000, maxHeapBytes / 2_048));
        }
    }

    static final List<String> DEFAULT_LISTENS = List.of(
            "udp:0.0.0.0:5060", "tcp:0.0.0.0:5060", "udp:[::]:5060", "tcp:[::]:5060");

    /** The command line, each field null when the flag was not given. */
    record Flags(Path data, String domain, List<String> listen, Integer challenge, Integer minExpires,
                 Integer maxExpires, Integer defaultExpires, List<String> algorithms, Integer nonceLifetime,
                 String keepalive, Integer keepaliveInterval, Integer keepaliveFailures, Integer tcpIdleTimeout,
                 Integer partialMessageTimeout, Integer maxConnections, Integer maxConnectionsPerAddress,
                 Integer storeQueue, Integer shedNewAt, Integer retryAfter, Integer maxTransactions,
                 Integer udpBurst, Integer maxMessageSize) {
        /** The registrar flags alone, no keepalive flags. */
        Flags(Path data, String domain, List<String> listen, Integer challenge, Integer minExpires,
              Integer maxExpires, Integer defaultExpires, List<String> algorithms, Integer nonceLifetime) {
            this(data, domain, listen, challenge, minExpires, maxExpires, defaultExpires, algorithms, nonceLifetime,
                    null, null, null);
        }

        /** The registrar and keepalive flags, no limits or overload flags. */
        Flags(Path data, String domain, List<String> listen, Integer challenge, Integer minExpires,
              Integer maxExpires, Integer defaultExpires, List<String> algorithms, Integer nonceLifetime,
              String keepalive, Integer keepaliveInterval, Integer keepaliveFailures) {
            this(data, domain, listen, challenge, minExpires, maxExpires, defaultExpires, algorithms, nonceLifetime,
                    keepalive, keepaliveInterval, keepaliveFailures, null, null, null, null, null, null, null, null,
                    null, null);
        }
    }

    /** Known settings: the dotted key in the file and the flag that overrides it. */
    private enum Key {
        DATA("data", "--data"),
        DOMAIN("domain", "--domain"),
        LISTEN("listen", "--listen"),
        CHALLENGE("registrar.challenge", "--challenge"),
        MIN_EXPIRES("registrar.min-expires", "--min-expires"),
        MAX_EXPIRES("registrar.max-expires", "--max-expires"),
        DEFAULT_EXPIRES("registrar.default-expires", "--default-expires"),
        ALGORITHMS("registrar.algorithms", "--algorithm"),
        NONCE_LIFETIME("registrar.nonce-lifetime", "--nonce-lifetime"),
        KEEPALIVE_MODE("keepalive.mode", "--keepalive"),
        KEEPALIVE_INTERVAL("keepalive.interval", "--keepalive-interval"),
        KEEPALIVE_FAILURES("keepalive.failures", "--keepalive-failures"),
        TCP_IDLE_TIMEOUT("limits.tcp-idle-timeout", "--tcp-idle-timeout"),
        PARTIAL_MESSAGE_TIMEOUT("limits.partial-message-timeout", "--partial-message-timeout"),
        MAX_CONNECTIONS("limits.max-connections", "--max-connections"),
        MAX_CONNECTIONS_PER_ADDRESS("limits.max-connections-per-address", "--max-connections-per-address"),
        STORE_QUEUE("overload.store-queue", "--store-queue"),
        SHED_NEW_AT("overload.shed-new-at", "--shed-new-at"),
        RETRY_AFTER("overload.retry-after", "--retry-after"),
        MAX_TRANSACTIONS("overload.max-transactions", "--max-transactions"),
        UDP_BURST("overload.udp-burst", "--udp-burst"),
        EVENT_LOOP_QUEUE("overload.event-loop-queue", "--event-loop-queue"),
        MAX_MESSAGE_SIZE("limits.max-message-size", "--max-message-size"),
        MAX_HEADERS("limits.max-headers", "--max-headers"),
        MAX_HEADER_LINE("limits.max-header-line", "--max-header-line");

        final String fileKey;
        final String flag;

        Key(String fileKey, String flag) {
            this.fileKey = fileKey;
            this.flag = flag;
        }

        static Optional<Key> byFileKey(String fileKey) {
            for (Key k : values()) {
                if (k.fileKey.equals(fileKey)) {
                    return Optional.of(k);
                }
            }
            return Optional.empty();
        }
    }

    static ServeSettings resolve(Optional<ConfigFile> file, Flags flags) {
        var values = new HashMap<Key, Object>();
        var origins = new HashMap<Key, String>();
        values.put(Key.DATA, Path.of("sipreg-data"));
        values.put(Key.DOMAIN, "");
        values.put(Key.LISTEN, DEFAULT_LISTENS);
        values.put(Key.CHALLENGE, 401);
        values.put(Key.MIN_EXPIRES, 60);
        values.put(Key.MAX_EXPIRES, 3600);
        values.put(Key.DEFAULT_EXPIRES, 3600);
        values.put(Key.ALGORITHMS, List.of("MD5"));
        values.put(Key.NONCE_LIFETIME, 300);
        values.put(Key.KEEPALIVE_MODE, KeepaliveMode.NAT.token());
        values.put(Key.KEEPALIVE_INTERVAL, (int) KeepalivePolicy.DEFAULT_INTERVAL.toSeconds());
        values.put(Key.KEEPALIVE_FAILURES, KeepalivePolicy.DEFAULT_FAILURES);
        values.put(Key.TCP_IDLE_TIMEOUT, 600);
        values.put(Key.PARTIAL_MESSAGE_TIMEOUT, TransportConfig.DEFAULT_PARTIAL_MESSAGE_TIMEOUT_SECONDS);
        values.put(Key.MAX_CONNECTIONS, 10_000);
        values.put(Key.MAX_CONNECTIONS_PER_ADDRESS, TransportConfig.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
        values.put(Key.STORE_QUEUE, SqliteStore.DEFAULT_MAX_PENDING_WRITES);
        values.put(Key.SHED_NEW_AT, 50);
        values.put(Key.RETRY_AFTER, 5);
        values.put(Key.MAX_TRANSACTIONS, 0);
        values.put(Key.UDP_BURST, TransportConfig.DEFAULT_UDP_BURST_SHEDDING);
        values.put(Key.EVENT_LOOP_QUEUE, TransportConfig.DEFAULT_MAX_PENDING_TASKS);
        values.put(Key.MAX_MESSAGE_SIZE, ParseLimits.DEFAULT.maxMessageBytes());
        values.put(Key.MAX_HEADERS, ParseLimits.DEFAULT.maxHeaders());
        values.put(Key.MAX_HEADER_LINE, ParseLimits.DEFAULT.maxHeaderLineBytes());
        for (Key k : Key.values()) {
            origins.put(k, "default " + k.fileKey + " ");
        }
        file.ifPresent(f -> readFile(f, values, origins));
        readFlags(flags, values, origins);
        return check(values, origins);
    }

    private static void readFile(ConfigFile file, Map<Key, Object> values, Map<Key, String> origins) {
        for (ConfigFile.Setting s : file.settings().values()) {
            String where = file.at(s);
            Key key = Key.byFileKey(s.key()).orElseThrow(
                    () -> new UserError(where + "unknown setting " + s.key()));
            origins.put(key, where + key.fileKey + " ");
            values.put(key, switch (key) {
                case DATA -> Path.of(text(where, key, s.value()));
                case DOMAIN -> text(where, key, s.value());
                // YAML 1.1 reads an unquoted off as false.
                case KEEPALIVE_MODE -> s.value().isBoolean() && !s.value().asBoolean()
                        ? KeepaliveMode.OFF.token() : text(where, key, s.value());
                case LISTEN, ALGORITHMS -> texts(where, key, s.value());
                default -> number(where, key, s.value());
            });
        }
    }

    private static void readFlags(Flags flags, Map<Key, Object> values, Map<Key, String> origins) {
        putFlag(values, origins, Key.DATA, flags.data());
        putFlag(values, origins, Key.DOMAIN, flags.domain());
        putFlag(values, origins, Key.LISTEN, flags.listen() == null || flags.listen().isEmpty() ? null : flags.listen());
        putFlag(values, origins, Key.CHALLENGE, flags.challenge());
        putFlag(values, origins, Key.MIN_EXPIRES, flags.minExpires());
        putFlag(values, origins, Key.MAX_EXPIRES, flags.maxExpires());
        putFlag(values, origins, Key.DEFAULT_EXPIRES, flags.defaultExpires());
        putFlag(values, origins, Key.ALGORITHMS,
                flags.algorithms() == null || flags.algorithms().isEmpty() ? null : flags.algorithms());
        putFlag(values, origins, Key.NONCE_LIFETIME, flags.nonceLifetime());
        putFlag(values, origins, Key.KEEPALIVE_MODE, flags.keepalive());
        putFlag(values, origins, Key.KEEPALIVE_INTERVAL, flags.keepaliveInterval());
        putFlag(values, origins, Key.KEEPALIVE_FAILURES, flags.keepaliveFailures());
        putFlag(values, origins, Key.TCP_IDLE_TIMEOUT, flags.tcpIdleTimeout());
        putFlag(values, origins, Key.PARTIAL_MESSAGE_TIMEOUT, flags.partialMessageTimeout());
        putFlag(values, origins, Key.MAX_CONNECTIONS, flags.maxConnections());
        putFlag(values, origins, Key.MAX_CONNECTIONS_PER_ADDRESS, flags.maxConnectionsPerAddress());
        putFlag(values, origins, Key.STORE_QUEUE, flags.storeQueue());
        putFlag(values, origins, Key.SHED_NEW_AT, flags.shedNewAt());
        putFlag(values, origins, Key.RETRY_AFTER, flags.retryAfter());
        putFlag(values, origins, Key.MAX_TRANSACTIONS, flags.maxTransactions());
        putFlag(values, origins, Key.UDP_BURST, flags.udpBurst());
        putFlag(values, origins, Key.MAX_MESSAGE_SIZE, flags.maxMessageSize());
    }

    private static void putFlag(Map<Key, Object> values, Map<Key, String> origins, Key key, Object value) {
        if (value != null) {
            values.put(key, value);
            origins.put(key, key.flag + " ");
        }
    }

    @SuppressWarnings("unchecked")
    private static ServeSettings check(Map<Key, Object> values, Map<Key, String> origins) {
        var listens = new ArrayList<ListenAddress>();
        for (String spec : (List<String>) values.get(Key.LISTEN)) {
            try {
                listens.add(ListenAddress.parse(spec));
            } catch (IllegalArgumentException e) {
                throw new UserError(origins.get(Key.LISTEN) + "has a bad listen address: " + e.getMessage());
            }
        }
        if (listens.isEmpty()) {
            throw new UserError(origins.get(Key.LISTEN) + "must name at least one listen address");
        }
        int challenge = (Integer) values.get(Key.CHALLENGE);
        if (challenge != 401 && challenge != 407) {
            throw new UserError(origins.get(Key.CHALLENGE) + "must be 401 or 407, was " + challenge);
        }
        int min = atLeast(values, origins, Key.MIN_EXPIRES, 1);
        int max = atLeast(values, origins, Key.MAX_EXPIRES, 1);
        int dflt = atLeast(values, origins, Key.DEFAULT_EXPIRES, 1);
        if (origins.get(Key.DEFAULT_EXPIRES).startsWith("default ")) {
            // Not chosen by the operator: follow the bounds that were (e.g. --max-expires 1800 alone).
            dflt = Math.max(min, Math.min(max, dflt));
        }
        if (max < min) {
            throw new UserError(origins.get(Key.MAX_EXPIRES) + "must be >= min-expires (" + min + "), was " + max);
        }
        if (dflt < min || dflt > max) {
            throw new UserError(origins.get(Key.DEFAULT_EXPIRES) + "must be between min-expires (" + min
                    + ") and max-expires (" + max + "), was " + dflt);
        }
        int nonceLifetime = atLeast(values, origins, Key.NONCE_LIFETIME, 10);
        var algorithms = new ArrayList<DigestAlgorithm>();
        for (String name : (List<String>) values.get(Key.ALGORITHMS)) {
            algorithms.add(DigestAlgorithm.fromWire(name).orElseThrow(() -> new UserError(
                    origins.get(Key.ALGORITHMS) + "unknown digest algorithm " + name + " (use MD5 or SHA-256)")));
        }
        if (algorithms.isEmpty()) {
            throw new UserError(origins.get(Key.ALGORITHMS) + "must name at least one digest algorithm");
        }
        return new ServeSettings((Path) values.get(Key.DATA), (String) values.get(Key.DOMAIN), List.copyOf(listens),
                challenge, min, max, dflt, List.copyOf(algorithms), nonceLifetime, keepalive(values, origins),
                limits(values, origins), overload(values, origins));
    }

    private static Limits limits(Map<Key, Object> values, Map<Key, String> origins) {
        return new Limits(atLeast(values, origins, Key.TCP_IDLE_TIMEOUT, 1),
                atLeast(values, origins, Key.PARTIAL_MESSAGE_TIMEOUT, 1),
                atLeast(values, origins, Key.MAX_CONNECTIONS, 1),
                atLeast(values, origins, Key.MAX_CONNECTIONS_PER_ADDRESS, 1),
                atMost(values, origins, Key.MAX_MESSAGE_SIZE, 512, 65_535),
                atLeast(values, origins, Key.MAX_HEADERS, 16), atLeast(values, origins, Key.MAX_HEADER_LINE, 256));
    }

    private static int atMost(Map<Key, Object> values, Map<Key, String> origins, Key key, int floor, int ceiling) {
        int value = atLeast(values, origins, key, floor);
        if (value > ceiling) {
            throw new UserError(origins.get(key) + "must be <= " + ceiling + ", was " + value);
        }
        return value;
    }

    private static Overload overload(Map<Key, Object> values, Map<Key, String> origins) {
        int shedNewAt = atLeast(values, origins, Key.SHED_NEW_AT, 1);
        if (shedNewAt > 100) {
            throw new UserError(origins.get(Key.SHED_NEW_AT) + "must be a percentage of store-queue, 1 to 100, was "
                    + shedNewAt);
        }
        return new Overload(atLeast(values, origins, Key.STORE_QUEUE, 1), shedNewAt,
                atLeast(values, origins, Key.RETRY_AFTER, 1), atLeast(values, origins, Key.MAX_TRANSACTIONS, 0),
                atLeast(values, origins, Key.UDP_BURST, 0), atLeast(values, origins, Key.EVENT_LOOP_QUEUE, 1));
    }

    private static KeepalivePolicy keepalive(Map<Key, Object> values, Map<Key, String> origins) {
        String modeText = (String) values.get(Key.KEEPALIVE_MODE);
        KeepaliveMode mode = KeepaliveMode.parse(modeText).orElseThrow(() -> new UserError(
                origins.get(Key.KEEPALIVE_MODE) + "must be nat, all or off, was " + modeText));
        int interval = atLeast(values, origins, Key.KEEPALIVE_INTERVAL, 1);
        int failures = atLeast(values, origins, Key.KEEPALIVE_FAILURES, 1);
        return new KeepalivePolicy(mode, Duration.ofSeconds(interval), failures);
    }

    private static int atLeast(Map<Key, Object> values, Map<Key, String> origins, Key key, int floor) {
        int value = (Integer) values.get(key);
        if (value < floor) {
            throw new UserError(origins.get(key) + "must be >= " + floor + ", was " + value);
        }
        return value;
    }

    private static String text(String where, Key key, JsonNode node) {
        if (!node.isTextual()) {
            throw new UserError(where + key.fileKey + " must be a string, was " + node);
        }
        return node.asText();
    }

    private static List<String> texts(String where, Key key, JsonNode node) {
        if (node.isTextual()) {
            return List.of(node.asText());
        }
        if (!node.isArray()) {
            throw new UserError(where + key.fileKey + " must be a list of strings, was " + node);
        }
        var list = new ArrayList<String>();
        for (JsonNode item : node) {
            list.add(text(where, key, item));
        }
        return list;
    }

    private static int number(String where, Key key, JsonNode node) {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new UserError(where + key.fileKey + " must be a whole number, was " + node);
        }
        return node.asInt();
    }
}
