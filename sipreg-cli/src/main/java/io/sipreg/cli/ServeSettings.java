package io.sipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.registrar.KeepaliveMode;
import io.sipreg.registrar.KeepalivePolicy;
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
                     int nonceLifetimeSeconds, KeepalivePolicy keepalive, StoreSettings store) {

    static final List<String> DEFAULT_LISTENS = List.of(
            "udp:0.0.0.0:5060", "tcp:0.0.0.0:5060", "udp:[::]:5060", "tcp:[::]:5060");

    /** The command line, each field null when the flag was not given. */
    record Flags(Path data, String domain, List<String> listen, Integer challenge, Integer minExpires,
                 Integer maxExpires, Integer defaultExpires, List<String> algorithms, Integer nonceLifetime,
                 String keepalive, Integer keepaliveInterval, Integer keepaliveFailures) {
        /** The registrar flags alone, no keepalive flags. */
        Flags(Path data, String domain, List<String> listen, Integer challenge, Integer minExpires,
              Integer maxExpires, Integer defaultExpires, List<String> algorithms, Integer nonceLifetime) {
            this(data, domain, listen, challenge, minExpires, maxExpires, defaultExpires, algorithms, nonceLifetime,
                    null, null, null);
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
        KEEPALIVE_FAILURES("keepalive.failures", "--keepalive-failures");

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
        return resolve(file, flags, StoreSettings.Flags.NONE);
    }

    /** With the store's flags; the {@code [store]} table is read by {@link StoreSettings}. */
    static ServeSettings resolve(Optional<ConfigFile> file, Flags flags, StoreSettings.Flags storeFlags) {
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
        for (Key k : Key.values()) {
            origins.put(k, "default " + k.fileKey + " ");
        }
        file.ifPresent(f -> readFile(f, values, origins));
        readFlags(flags, values, origins);
        return check(values, origins, StoreSettings.resolve(file, storeFlags, (Path) values.get(Key.DATA)));
    }

    private static void readFile(ConfigFile file, Map<Key, Object> values, Map<Key, String> origins) {
        for (ConfigFile.Setting s : file.settings().values()) {
            if (s.key().startsWith(StoreSettings.PREFIX)) {
                continue;
            }
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
    }

    private static void putFlag(Map<Key, Object> values, Map<Key, String> origins, Key key, Object value) {
        if (value != null) {
            values.put(key, value);
            origins.put(key, key.flag + " ");
        }
    }

    @SuppressWarnings("unchecked")
    private static ServeSettings check(Map<Key, Object> values, Map<Key, String> origins, StoreSettings store) {
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
                challenge, min, max, dflt, List.copyOf(algorithms), nonceLifetime, keepalive(values, origins), store);
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
