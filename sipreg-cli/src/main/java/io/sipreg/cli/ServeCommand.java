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
            description = "Listen address, repeatable: udp:0.0.0.0:5060, tcp:[::]:5060; port 0 picks a free port.")
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

    @Override
    public Integer call() throws Exception {
        var flags = new ServeSettings.Flags(data, domain, listen, challenge, minExpires, maxExpires,
                defaultExpires, algorithms, nonceLifetime, keepalive, keepaliveInterval, keepaliveFailures);
        var settings = ServeSettings.resolve(Optional.ofNullable(config).map(ConfigFile::read), flags,
                new StoreSettings.Flags(store, storePasswordFile, node));
        try (var server = RegistrarServer.start(settings)) {
            for (String line : server.listeningLines()) {
                System.out.println(line);
            }
            System.out.flush();
            server.awaitShutdown();
        }
        return 0;
    }
}
