package io.sipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipreg.message.ParseLimits;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.registrar.KeepaliveMode;
import io.sipreg.registrar.KeepalivePolicy;
import io.sipreg.registrar.RegistrarConfig;
import io.sipreg.registrar.Refusal;
import io.sipreg.registrar.SecurityPolicy;
import io.sipreg.registrar.SqliteStore;
import io.sipreg.transport.TransportConfig;
import io.sipreg.transport.ListenAddress;
import io.sipreg.transport.Transport;
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
                     int nonceLifetimeSeconds, KeepalivePolicy keepalive, Optional<TlsSettings> tls,
                     Security security, StoreSettings store, Limits limits,
                     Overload overload) {

    /** The contact limit and the {@code [security]} settings: how the registrar defends itself. */
    record Security(int maxContacts, int maxContactsStatus, SecurityPolicy policy) {
    }
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
     * UDP read burst after which requests are dropped unparsed, the tasks one event loop may queue, and the receive
     * buffer of each UDP socket.
     */
    record Overload(int storeQueue, int shedNewAtPercent, int retryAfterSeconds, int maxTransactions, int udpBurst,
                    int eventLoopQueue, int udpReceiveBufferBytes) {
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
    /** RFC 3263 §4.2: SIP over TLS on 5061; listened on by default once a certificate is given. */
    static final List<String> DEFAULT_TLS_LISTENS = List.of("tls:0.0.0.0:5061", "tls:[::]:5061");

    /** The command line, each field null when the flag was not given. */
    record Flags(Path data, String domain, List<String> listen, Integer challenge, Integer minExpires,
                 Integer maxExpires, Integer defaultExpires, List<String> algorithms, Integer nonceLifetime,
                 String keepalive, Integer keepaliveInterval, Integer keepaliveFailures, Path tlsCertificate,
                 Path tlsKey, SecurityFlags security, Integer tcpIdleTimeout, Integer partialMessageTimeout,
                 Integer maxConnections, Integer maxConnectionsPerAddress, Integer storeQueue, Integer shedNewAt,
                 Integer retryAfter, Integer maxTransactions, Integer udpBurst, Integer maxMessageSize,
                 Integer udpReceiveBuffer) {
        /** The registrar, keepalive, TLS and security flags, no limits or overload flags. */
        Flags(Path data, String domain, List<String> listen, Integer challenge, Integer minExpires,
              Integer maxExpires, Integer defaultExpires, List<String> algorithms, Integer nonceLifetime,
              String keepalive, Integer keepaliveInterval, Integer keepaliveFailures, Path tlsCertificate,
              Path tlsKey, SecurityFlags security) {
            this(data, domain, listen, challenge, minExpires, maxExpires, defaultExpires, algorithms, nonceLifetime,
                    keepalive, keepaliveInterval, keepaliveFailures, tlsCertificate, tlsKey, security, null, null, null, null,
                    null, null, null, null, null, null, null);
        }

        /** The registrar, keepalive, limits and overload flags, no TLS or security flags. */
        Flags(Path data, String domain, List<String> listen, Integer challenge, Integer minExpires,
              Integer maxExpires, Integer defaultExpires, List<String> algorithms, Integer nonceLifetime,
              String keepalive, Integer keepaliveInterval, Integer keepaliveFailures, Integer tcpIdleTimeout,
              Integer partialMessageTimeout, Integer maxConnections, Integer maxConnectionsPerAddress,
              Integer storeQueue, Integer shedNewAt, Integer retryAfter, Integer maxTransactions,
              Integer udpBurst, Integer maxMessageSize) {
            this(data, domain, listen, challenge, minExpires, maxExpires, defaultExpires, algorithms, nonceLifetime,
                    keepalive, keepaliveInterval, keepaliveFailures, null, null, SecurityFlags.NONE, tcpIdleTimeout,
                    partialMessageTimeout, maxConnections, maxConnectionsPerAddress, storeQueue, shedNewAt,
                    retryAfter, maxTransactions, udpBurst, maxMessageSize, null);
        }

        /** The registrar, keepalive and TLS flags. */
        Flags(Path data, String domain, List<String> listen, Integer challenge, Integer minExpires,
              Integer maxExpires, Integer defaultExpires, List<String> algorithms, Integer nonceLifetime,
              String keepalive, Integer keepaliveInterval, Integer keepaliveFailures, Path tlsCertificate,
              Path tlsKey) {
            this(data, domain, listen, challenge, minExpires, maxExpires, defaultExpires, algorithms, nonceLifetime,
                    keepalive, keepaliveInterval, keepaliveFailures, tlsCertificate, tlsKey, SecurityFlags.NONE);
        }

        /** The registrar, keepalive and security flags. */
        Flags(Path data, String domain, List<String> listen, Integer challenge, Integer minExpires,
              Integer maxExpires, Integer defaultExpires, List<String> algorithms, Integer nonceLifetime,
              String keepalive, Integer keepaliveInterval, Integer keepaliveFailures, SecurityFlags security) {
            this(data, domain, listen, challenge, minExpires, maxExpires, defaultExpires, algorithms, nonceLifetime,
                    keepalive, keepaliveInterval, keepaliveFailures, null, null, security);
        }

        /** The registrar and keepalive flags. */
        Flags(Path data, String domain, List<String> listen, Integer challenge, Integer minExpires,
              Integer maxExpires, Integer defaultExpires, List<String> algorithms, Integer nonceLifetime,
              String keepalive, Integer keepaliveInterval, Integer keepaliveFailures) {
            this(data, domain, listen, challenge, minExpires, maxExpires, defaultExpires, algorithms, nonceLifetime,
                    keepalive, keepaliveInterval, keepaliveFailures, null, null, SecurityFlags.NONE);
        }

        /** The registrar flags alone. */
        Flags(Path data, String domain, List<String> listen, Integer challenge, Integer minExpires,
              Integer maxExpires, Integer defaultExpires, List<String> algorithms, Integer nonceLifetime) {
            this(data, domain, listen, challenge, minExpires, maxExpires, defaultExpires, algorithms, nonceLifetime,
                    null, null, null);
        }
    }

    /** The contact limit and {@code [security]} flags, each null when not given. */
    record SecurityFlags(Integer maxContacts, Integer maxContactsStatus, Integer userFailures, Integer sourceFailures,
                         Integer halfLife, Integer blockTime, Integer maxBlockTime, Integer forgetAfter,
                         String action, Integer rateLimit, Integer rateBurst, String rateLimitAction) {
        static final SecurityFlags NONE = new SecurityFlags(null, null, null, null, null, null, null, null, null,
                null, null, null);
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
        TLS_CERTIFICATE("tls.certificate", "--tls-cert"),
        TLS_KEY("tls.key", "--tls-key"),
        MAX_CONTACTS("registrar.max-contacts", "--max-contacts"),
        MAX_CONTACTS_STATUS("registrar.max-contacts-status", "--max-contacts-status"),
        USER_FAILURES("security.user-failures", "--block-user-failures"),
        SOURCE_FAILURES("security.source-failures", "--block-source-failures"),
        HALF_LIFE("security.half-life", "--block-half-life"),
        BLOCK_TIME("security.block-time", "--block-time"),
        MAX_BLOCK_TIME("security.max-block-time", "--max-block-time"),
        FORGET_AFTER("security.forget-after", "--block-forget-after"),
        ACTION("security.action", "--block-action"),
        RATE_LIMIT("security.rate-limit", "--rate-limit"),
        RATE_BURST("security.rate-burst", "--rate-burst"),
        RATE_LIMIT_ACTION("security.rate-limit-action", "--rate-limit-action"),
        TCP_IDLE_TIMEOUT("limits.tcp-idle-timeout", "--tcp-idle-timeout"),
        PARTIAL_MESSAGE_TIMEOUT("limits.partial-message-timeout", "--partial-message-timeout"),
        MAX_CONNECTIONS("limits.max-connections", "--max-connections"),
        MAX_CONNECTIONS_PER_ADDRESS("limits.max-connections-per-address", "--max-connections-per-address"),
        STORE_QUEUE("overload.store-queue", "--store-queue"),
        SHED_NEW_AT("overload.shed-new-at", "--shed-new-at"),
        RETRY_AFTER("overload.retry-after", "--retry-after"),
        MAX_TRANSACTIONS("overload.max-transactions", "--max-transactions"),
        UDP_BURST("overload.udp-burst", "--udp-burst"),
        UDP_RECEIVE_BUFFER("overload.udp-receive-buffer", "--udp-receive-buffer"),
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
        securityDefaults(values);
        values.put(Key.TCP_IDLE_TIMEOUT, 600);
        values.put(Key.PARTIAL_MESSAGE_TIMEOUT, TransportConfig.DEFAULT_PARTIAL_MESSAGE_TIMEOUT_SECONDS);
        values.put(Key.MAX_CONNECTIONS, 10_000);
        values.put(Key.MAX_CONNECTIONS_PER_ADDRESS, TransportConfig.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
        values.put(Key.STORE_QUEUE, SqliteStore.DEFAULT_MAX_PENDING_WRITES);
        values.put(Key.SHED_NEW_AT, 50);
        values.put(Key.RETRY_AFTER, 5);
        values.put(Key.MAX_TRANSACTIONS, 0);
        values.put(Key.UDP_BURST, TransportConfig.DEFAULT_UDP_BURST_SHEDDING);
        values.put(Key.UDP_RECEIVE_BUFFER, TransportConfig.DEFAULT_UDP_RECEIVE_BUFFER_BYTES);
        values.put(Key.EVENT_LOOP_QUEUE, TransportConfig.DEFAULT_MAX_PENDING_TASKS);
        values.put(Key.MAX_MESSAGE_SIZE, ParseLimits.DEFAULT.maxMessageBytes());
        values.put(Key.MAX_HEADERS, ParseLimits.DEFAULT.maxHeaders());
        values.put(Key.MAX_HEADER_LINE, ParseLimits.DEFAULT.maxHeaderLineBytes());
        for (Key k : Key.values()) {
            origins.put(k, "default " + k.fileKey + " ");
        }
        file.ifPresent(f -> readFile(f, values, origins));
        readFlags(flags, values, origins);
        return check(values, origins, StoreSettings.resolve(file, storeFlags, (Path) values.get(Key.DATA)));
    }

    private static void readFile(ConfigFile file, Map<Key, Object> values, Map<Key, String> origins) {
        for (ConfigFile.Setting s : file.settings().values()) {
            if (OperationsSettings.owns(s.key()) || s.key().startsWith(StoreSettings.PREFIX)) {
                continue;
            }
            String where = file.at(s);
            Key key = Key.byFileKey(s.key()).orElseThrow(
                    () -> new UserError(where + "unknown setting " + s.key()));
            origins.put(key, where + key.fileKey + " ");
            values.put(key, switch (key) {
                case DATA, TLS_CERTIFICATE, TLS_KEY -> Path.of(text(where, key, s.value()));
                case DOMAIN -> text(where, key, s.value());
                // YAML 1.1 reads an unquoted off as false.
                case KEEPALIVE_MODE -> s.value().isBoolean() && !s.value().asBoolean()
                        ? KeepaliveMode.OFF.token() : text(where, key, s.value());
                case LISTEN, ALGORITHMS -> texts(where, key, s.value());
                // 403 and 503 may be written as numbers or strings; drop is a string.
                case ACTION, RATE_LIMIT_ACTION -> s.value().isIntegralNumber()
                        ? s.value().asText() : text(where, key, s.value());
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
        putFlag(values, origins, Key.TLS_CERTIFICATE, flags.tlsCertificate());
        putFlag(values, origins, Key.TLS_KEY, flags.tlsKey());
        readSecurityFlags(flags.security(), values, origins);
        putFlag(values, origins, Key.TCP_IDLE_TIMEOUT, flags.tcpIdleTimeout());
        putFlag(values, origins, Key.PARTIAL_MESSAGE_TIMEOUT, flags.partialMessageTimeout());
        putFlag(values, origins, Key.MAX_CONNECTIONS, flags.maxConnections());
        putFlag(values, origins, Key.MAX_CONNECTIONS_PER_ADDRESS, flags.maxConnectionsPerAddress());
        putFlag(values, origins, Key.STORE_QUEUE, flags.storeQueue());
        putFlag(values, origins, Key.SHED_NEW_AT, flags.shedNewAt());
        putFlag(values, origins, Key.RETRY_AFTER, flags.retryAfter());
        putFlag(values, origins, Key.MAX_TRANSACTIONS, flags.maxTransactions());
        putFlag(values, origins, Key.UDP_BURST, flags.udpBurst());
        putFlag(values, origins, Key.UDP_RECEIVE_BUFFER, flags.udpReceiveBuffer());
        putFlag(values, origins, Key.MAX_MESSAGE_SIZE, flags.maxMessageSize());
    }

    private static void putFlag(Map<Key, Object> values, Map<Key, String> origins, Key key, Object value) {
        if (value != null) {
            values.put(key, value);
            origins.put(key, key.flag + " ");
        }
    }

    @SuppressWarnings("unchecked")
    private static ServeSettings check(Map<Key, Object> values, Map<Key, String> origins, StoreSettings store) {
        Optional<TlsSettings> tls = tls(values, origins);
        List<String> specs = (List<String>) values.get(Key.LISTEN);
        if (tls.isPresent() && origins.get(Key.LISTEN).startsWith("default ")) {
            specs = new ArrayList<>(specs);
            specs.addAll(DEFAULT_TLS_LISTENS);
        }
        var listens = new ArrayList<ListenAddress>();
        for (String spec : specs) {
            try {
                listens.add(ListenAddress.parse(spec));
            } catch (IllegalArgumentException e) {
                throw new UserError(origins.get(Key.LISTEN) + "has a bad listen address: " + e.getMessage());
            }
        }
        if (listens.isEmpty()) {
            throw new UserError(origins.get(Key.LISTEN) + "must name at least one listen address");
        }
        boolean listensTls = listens.stream().anyMatch(l -> l.transport() == Transport.TLS);
        if (listensTls && tls.isEmpty()) {
            throw new UserError(origins.get(Key.LISTEN) + "has a tls: listen address but no certificate: give"
                    + " --tls-cert FILE and --tls-key FILE (or tls.certificate and tls.key in the config file);"
                    + " 'sipreg tls self-signed' makes a pair");
        }
        if (!listensTls && tls.isPresent()) {
            throw new UserError(origins.get(Key.TLS_CERTIFICATE) + "is set but " + origins.get(Key.LISTEN)
                    + "has no tls: listen address (e.g. tls:0.0.0.0:5061)");
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
                challenge, min, max, dflt, List.copyOf(algorithms), nonceLifetime, keepalive(values, origins), tls,
                security(values, origins), store, limits(values, origins), overload(values, origins));
    }

    /**
     * The certificate and key, both or neither, read now so a missing file, a key that is not one or belongs to
     * another certificate stops the start with the place it was named.
     */
    private static Optional<TlsSettings> tls(Map<Key, Object> values, Map<Key, String> origins) {
        Path certificate = (Path) values.get(Key.TLS_CERTIFICATE);
        Path key = (Path) values.get(Key.TLS_KEY);
        if (certificate == null && key == null) {
            return Optional.empty();
        }
        if (key == null) {
            throw new UserError(origins.get(Key.TLS_CERTIFICATE) + "needs its private key: give --tls-key FILE"
                    + " (or tls.key in the config file)");
        }
        if (certificate == null) {
            throw new UserError(origins.get(Key.TLS_KEY) + "needs its certificate: give --tls-cert FILE"
                    + " (or tls.certificate in the config file)");
        }
        var files = new CertificateFiles(certificate, key);
        try {
            CertificateFiles.Stamp stamp = files.stamp();
            return Optional.of(new TlsSettings(files, files.load(), stamp));
        } catch (CertificateFiles.Unusable e) {
            Key named = e.which() == CertificateFiles.Which.CERTIFICATE ? Key.TLS_CERTIFICATE : Key.TLS_KEY;
            throw new UserError(origins.get(named) + e.getMessage());
        }
    }

    private static void securityDefaults(Map<Key, Object> values) {
        SecurityPolicy d = SecurityPolicy.defaults();
        values.put(Key.MAX_CONTACTS, RegistrarConfig.DEFAULT_MAX_CONTACTS);
        values.put(Key.MAX_CONTACTS_STATUS, RegistrarConfig.DEFAULT_MAX_CONTACTS_STATUS);
        values.put(Key.USER_FAILURES, d.userFailures());
        values.put(Key.SOURCE_FAILURES, d.sourceFailures());
        values.put(Key.HALF_LIFE, (int) d.halfLife().toSeconds());
        values.put(Key.BLOCK_TIME, (int) d.blockTime().toSeconds());
        values.put(Key.MAX_BLOCK_TIME, (int) d.maxBlockTime().toSeconds());
        values.put(Key.FORGET_AFTER, (int) d.forgetAfter().toSeconds());
        values.put(Key.ACTION, "403");
        values.put(Key.RATE_LIMIT, d.rateLimit());
        values.put(Key.RATE_BURST, d.rateBurst());
        values.put(Key.RATE_LIMIT_ACTION, "503");
    }

    private static void readSecurityFlags(SecurityFlags f, Map<Key, Object> values, Map<Key, String> origins) {
        putFlag(values, origins, Key.MAX_CONTACTS, f.maxContacts());
        putFlag(values, origins, Key.MAX_CONTACTS_STATUS, f.maxContactsStatus());
        putFlag(values, origins, Key.USER_FAILURES, f.userFailures());
        putFlag(values, origins, Key.SOURCE_FAILURES, f.sourceFailures());
        putFlag(values, origins, Key.HALF_LIFE, f.halfLife());
        putFlag(values, origins, Key.BLOCK_TIME, f.blockTime());
        putFlag(values, origins, Key.MAX_BLOCK_TIME, f.maxBlockTime());
        putFlag(values, origins, Key.FORGET_AFTER, f.forgetAfter());
        putFlag(values, origins, Key.ACTION, f.action());
        putFlag(values, origins, Key.RATE_LIMIT, f.rateLimit());
        putFlag(values, origins, Key.RATE_BURST, f.rateBurst());
        putFlag(values, origins, Key.RATE_LIMIT_ACTION, f.rateLimitAction());
    }

    private static Security security(Map<Key, Object> values, Map<Key, String> origins) {
        int maxContacts = atLeast(values, origins, Key.MAX_CONTACTS, 0);
        int status = (Integer) values.get(Key.MAX_CONTACTS_STATUS);
        if (status != 403 && status != 503) {
            throw new UserError(origins.get(Key.MAX_CONTACTS_STATUS) + "must be 403 or 503, was " + status);
        }
        int userFailures = atLeast(values, origins, Key.USER_FAILURES, 0);
        int sourceFailures = atLeast(values, origins, Key.SOURCE_FAILURES, 0);
        int halfLife = atLeast(values, origins, Key.HALF_LIFE, 1);
        int blockTime = atLeast(values, origins, Key.BLOCK_TIME, 1);
        int maxBlockTime = atLeast(values, origins, Key.MAX_BLOCK_TIME, 1);
        if (maxBlockTime < blockTime) {
            throw new UserError(origins.get(Key.MAX_BLOCK_TIME) + "must be >= block-time (" + blockTime + "), was "
                    + maxBlockTime);
        }
        int forgetAfter = atLeast(values, origins, Key.FORGET_AFTER, 0);
        Refusal action = refusal(values, origins, Key.ACTION, "403");
        int rateLimit = atLeast(values, origins, Key.RATE_LIMIT, 0);
        int rateBurst = atLeast(values, origins, Key.RATE_BURST, 1);
        Refusal rateAction = refusal(values, origins, Key.RATE_LIMIT_ACTION, "503");
        var policy = new SecurityPolicy(userFailures, sourceFailures, Duration.ofSeconds(halfLife),
                Duration.ofSeconds(blockTime), Duration.ofSeconds(maxBlockTime), Duration.ofSeconds(forgetAfter),
                action, rateLimit, rateBurst, rateAction);
        return new Security(maxContacts, status, policy);
    }

    private static Refusal refusal(Map<Key, Object> values, Map<Key, String> origins, Key key, String answer) {
        String text = String.valueOf(values.get(key));
        return Refusal.parse(text, answer).orElseThrow(() -> new UserError(
                origins.get(key) + "must be " + answer + " or drop, was " + text));
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
                atLeast(values, origins, Key.UDP_BURST, 0), atLeast(values, origins, Key.EVENT_LOOP_QUEUE, 1),
                atMost(values, origins, Key.UDP_RECEIVE_BUFFER, 4096, Integer.MAX_VALUE / 2));
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
