package io.sipreg.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the registrar.",
                "With no options: UDP and TCP on 0.0.0.0:5060 and [::]:5060, data in ./sipreg-data.",
                "Prints one 'listening <transport> <address>' line per listener once it is ready."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE",
            description = "Settings file (.toml, .yaml or .yml); flags override it.")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory (default: sipreg-data).")
    Path data;

    @Option(names = "--domain", paramLabel = "DOMAIN",
            description = "The domain (and digest realm) served. Default: the domain of the stored users.")
    String domain;

    @Option(names = "--listen", paramLabel = "TRANSPORT:HOST:PORT",
            description = "Listen address, repeatable: udp:0.0.0.0:5060, tcp:[::]:5060, tls:0.0.0.0:5061 (needs"
                    + " --tls-cert and --tls-key); port 0 picks a free port.")
    List<String> listen;

    @Option(names = "--challenge", paramLabel = "401|407",
            description = "Challenge with 401 WWW-Authenticate (default) or 407 Proxy-Authenticate.")
    Integer challenge;

    @Option(names = "--min-expires", paramLabel = "SECONDS", description = "Shortest registration accepted (default 60); shorter gets 423.")
    Integer minExpires;

    @Option(names = "--max-expires", paramLabel = "SECONDS", description = "Longer registrations are capped to this (default 3600).")
    Integer maxExpires;

    @Option(names = "--default-expires", paramLabel = "SECONDS", description = "Expiry when the device asks for none (default 3600).")
    Integer defaultExpires;

    @Option(names = "--algorithm", paramLabel = "MD5|SHA-256",
            description = "Digest algorithm to offer, repeatable (default MD5); SHA-256 is offered before MD5 (RFC 8760).")
    List<String> algorithms;

    @Option(names = "--nonce-lifetime", paramLabel = "SECONDS", description = "How long a nonce stays valid (default 300).")
    Integer nonceLifetime;

    @Option(names = "--keepalive", paramLabel = "nat|all|off",
            description = "Which bindings get OPTIONS keepalives and are dropped when their device stops answering:"
                    + " nat (default: devices behind NAT), all (every UDP binding), off.")
    String keepalive;

    @Option(names = "--keepalive-interval", paramLabel = "SECONDS",
            description = "Seconds between two OPTIONS to one binding (default 30); also the Flow-Timer for RFC 5626"
                    + " clients.")
    Integer keepaliveInterval;

    @Option(names = "--keepalive-failures", paramLabel = "N",
            description = "Unanswered OPTIONS in a row after which a binding is removed (default 3).")
    Integer keepaliveFailures;

    @Option(names = "--admin", paramLabel = "HOST:PORT",
            description = "Serve the admin API, /metrics and the dashboard over HTTP here (default: off); PORT alone"
                    + " is 127.0.0.1:PORT. On a non-loopback address a token is required (generated and printed if"
                    + " not given).")
    String admin;

    @Option(names = "--admin-token", paramLabel = "TOKEN",
            description = "Bearer token the admin API and /metrics require (Authorization: Bearer TOKEN).")
    String adminToken;

    @Option(names = "--log-format", paramLabel = "text|json",
            description = "Log lines as text (default) or as one JSON object per line.")
    String logFormat;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "PEM certificate chain (server certificate first) for tls: listeners; with no --listen,"
                    + " TLS is also served on 0.0.0.0:5061 and [::]:5061. Reloaded when the file changes.")
    Path tlsCertificate;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "PEM private key of --tls-cert, unencrypted. Reloaded when the file changes.")
    Path tlsKey;

    @Option(names = "--max-contacts", paramLabel = "N",
            description = "Most bindings one address-of-record may have (default 10, 0: no limit). Beyond it a new"
                    + " contact of a device already registered (same Call-ID or +sip.instance) replaces that device's"
                    + " oldest; any other is refused.")
    Integer maxContacts;

    @Option(names = "--max-contacts-status", paramLabel = "403|503",
            description = "The answer to a REGISTER beyond --max-contacts (default 403).")
    Integer maxContactsStatus;

    @Option(names = "--block-user-failures", paramLabel = "N",
            description = "Failed authentications from one source for one user that block that pair (default 5;"
                    + " 0: off).")
    Integer blockUserFailures;

    @Option(names = "--block-source-failures", paramLabel = "N",
            description = "Failed authentications from one source, for users not blocked there yet, that block the"
                    + " source for every user but devices with a binding from it (default 30; 0: off).")
    Integer blockSourceFailures;

    @Option(names = "--block-half-life", paramLabel = "SECONDS",
            description = "A failure counts half after this long (default 120).")
    Integer blockHalfLife;

    @Option(names = "--block-time", paramLabel = "SECONDS",
            description = "Length of a first block (default 60); each repeat offence doubles it.")
    Integer blockTime;

    @Option(names = "--max-block-time", paramLabel = "SECONDS", description = "Longest block (default 3600).")
    Integer maxBlockTime;

    @Option(names = "--block-forget-after", paramLabel = "SECONDS",
            description = "A block starting this long after the previous one ended is a first offence (default 86400).")
    Integer blockForgetAfter;

    @Option(names = "--block-action", paramLabel = "403|drop",
            description = "Blocked attempts are answered as a wrong password (403, default) or dropped.")
    String blockAction;

    @Option(names = "--rate-limit", paramLabel = "N",
            description = "Requests per second one source may send on average (default 500; 0: no limit).")
    Integer rateLimit;

    @Option(names = "--rate-burst", paramLabel = "N",
            description = "Requests one source may send at once (default 2000).")
    Integer rateBurst;

    @Option(names = "--rate-limit-action", paramLabel = "503|drop",
            description = "Requests over the rate limit get 503 with Retry-After (default) or are dropped.")
    String rateLimitAction;

    @Option(names = "--store", paramLabel = "sqlite|postgresql://[USER@]HOST[:PORT]/DB",
            description = "Where bindings and users are kept: sqlite (default, <data>/sipreg.db) or a PostgreSQL"
                    + " database shared by several serve nodes (also jdbc:postgresql://...).")
    String store;

    @Option(names = "--store-password-file", paramLabel = "FILE",
            description = "The PostgreSQL password, on the first line of FILE.")
    Path storePasswordFile;

    @Option(names = "--node", paramLabel = "NAME",
            description = "This node's name among the nodes sharing a PostgreSQL store (default: the host name).")
    String node;

    @Option(names = "--durability", paramLabel = "fsync|write",
            description = "When a 200 OK leaves (embedded store): fsync (default) once the binding is on the disk,"
                    + " surviving a power loss; write once it is written to the journal file, surviving a crash of"
                    + " sipreg; a power loss takes about the last 5 ms of answers (the journal is fdatasynced"
                    + " beside, every 5 ms while it grows).")
    String durability;

    @Option(names = "--tcp-idle-timeout", paramLabel = "SECONDS",
            description = "A TCP connection with no traffic either way for this long is closed (default 600).")
    Integer tcpIdleTimeout;

    @Option(names = "--partial-message-timeout", paramLabel = "SECONDS",
            description = "A TCP connection whose message has not arrived whole this long after its first byte is"
                    + " closed (default 20).")
    Integer partialMessageTimeout;

    @Option(names = "--max-connections", paramLabel = "N", description = "TCP connections open at once (default 10000).")
    Integer maxConnections;

    @Option(names = "--max-connections-per-address", paramLabel = "N",
            description = "TCP connections from one source IP address (default 100); more are closed at accept.")
    Integer maxConnectionsPerAddress;

    @Option(names = "--store-queue", paramLabel = "N",
            description = "Binding writes that may wait for the disk (default 100000); beyond, REGISTER gets 503.")
    Integer storeQueue;

    @Option(names = "--shed-new-at", paramLabel = "PERCENT",
            description = "Store queue fill from which new registrations get 503 instead of a challenge (default 50).")
    Integer shedNewAt;

    @Option(names = "--retry-after", paramLabel = "SECONDS",
            description = "Retry-After of a 503; a random part of as much again is added (default 5).")
    Integer retryAfter;

    @Option(names = "--max-transactions", paramLabel = "N",
            description = "Server transactions waiting for their answer at once; beyond, 503 (default 0: one per"
                    + " 2 KiB of heap, at most 1000000). Completed ones are kept as bytes, up to 1 KiB each of as many.")
    Integer maxTransactions;

    @Option(names = "--udp-burst", paramLabel = "N",
            description = "Datagrams of one UDP read after which requests without credentials are dropped unparsed"
                    + " (default 10000; 0 never).")
    Integer udpBurst;

    @Option(names = "--udp-receive-buffer", paramLabel = "BYTES",
            description = "SO_RCVBUF of each UDP socket (default 4194304; the kernel doubles it and caps it at"
                    + " net.core.rmem_max).")
    Integer udpReceiveBuffer;

    @Option(names = "--max-message-size", paramLabel = "BYTES",
            description = "Largest SIP message accepted, UDP or TCP (default 65535); larger gets 400 Message too large.")
    Integer maxMessageSize;

    @Override
    public Integer call() throws Exception {
        var security = new ServeSettings.SecurityFlags(maxContacts, maxContactsStatus, blockUserFailures,
                blockSourceFailures, blockHalfLife, blockTime, maxBlockTime, blockForgetAfter, blockAction, rateLimit,
                rateBurst, rateLimitAction);
        var flags = new ServeSettings.Flags(data, domain, listen, challenge, minExpires, maxExpires,
                defaultExpires, algorithms, nonceLifetime, keepalive, keepaliveInterval, keepaliveFailures,
                tlsCertificate, tlsKey, security, tcpIdleTimeout, partialMessageTimeout, maxConnections,
                maxConnectionsPerAddress, storeQueue, shedNewAt, retryAfter, maxTransactions, udpBurst, maxMessageSize,
                udpReceiveBuffer);
        Optional<ConfigFile> file = Optional.ofNullable(config).map(ConfigFile::read);
        var settings = ServeSettings.resolve(file, flags,
                new StoreSettings.Flags(store, storePasswordFile, node, durability));
        var operations = OperationsSettings.resolve(file, new OperationsSettings.Flags(admin, adminToken, logFormat));
        operations.logFormat().apply();
        try (var server = RegistrarServer.start(settings, operations)) {
            for (String line : server.listeningLines()) {
                System.out.println(line);
            }
            System.out.flush();
            server.awaitShutdown();
        }
        return 0;
    }
}
