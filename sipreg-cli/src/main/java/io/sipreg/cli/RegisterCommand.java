package io.sipreg.cli;

import io.sipreg.client.Account;
import io.sipreg.client.JndiDnsLookup;
import io.sipreg.client.RegistrarLocator;
import io.sipreg.client.RegistrarNotFoundException;
import io.sipreg.client.RegistrarTarget;
import io.sipreg.client.Registration;
import io.sipreg.client.RegistrationOutcome;
import io.sipreg.client.RegistrationResult;
import io.sipreg.client.RegistrationSession;
import io.sipreg.client.RetryBackoff;
import io.sipreg.client.UserAgent;
import io.sipreg.client.UserAgentConfig;
import io.sipreg.transport.ClientTls;
import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "register", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Register an account with a registrar, as a phone does, and explain what happened: the"
                + " ladder of messages, then the outcome (registered, and the address the registrar saw; or why"
                + " not).",
                "Without --once it stays registered: refreshes at half the granted expiry, answers OPTIONS"
                        + " keepalives, backs off after failures (RFC 5626 4.5), and unregisters on Ctrl-C.",
                "With --load N it registers N accounts at --rate R per second and reports figures each second.",
                "",
                "Exit status: 0 registered (and unregistered), 3 forbidden (403: wrong user or password),"
                        + " 4 challenged again after credentials (wrong realm or auth user), 5 no response"
                        + " (firewall or wrong address), 6 port unreachable (ICMP or TCP refused), 7 DNS failure,"
                        + " 8 other rejection, 9 423 even with Min-Expires, 10 transport error, 12 the registrar's TLS"
                        + " certificate was refused (not trusted, another name, expired), 2 usage error; load mode 0"
                        + " when every account ended registered, 11 if not."})
final class RegisterCommand implements Callable<Integer> {

    @Parameters(paramLabel = "AOR", description = "Address-of-record: alice@example.com. In load mode a template:"
            + " user{n}@example.com ({n} is the account number).")
    String aor;

    @Option(names = "--registrar", paramLabel = "HOST[:PORT]",
            description = "Where to send REGISTER (default: the AOR's domain, located by DNS NAPTR/SRV/A per"
                    + " RFC 3263). IPv6 as [2001:db8::1]:5060.")
    String registrar;

    @Option(names = "--transport", paramLabel = "udp|tcp|tls", description = "Transport (default: udp, or what DNS"
            + " says when no port is given; tls for a sips: AOR). TLS checks the registrar's certificate against the"
            + " JDK's trusted CAs and the registrar's name (the AOR's domain, or the --registrar host).")
    String transport;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    TlsTrust tlsTrust;

    static final class TlsTrust {
        @Option(names = "--ca", paramLabel = "FILE", description = "Trust only the certificates in this PEM file"
                + " (a CA, or the registrar's own self-signed certificate) instead of the JDK's CAs.")
        Path caFile;

        @Option(names = "--insecure", description = "Do not check the registrar's TLS certificate at all"
                + " (prints a warning): anyone on the path could pose as the registrar.")
        boolean insecure;
    }

    @Option(names = "--user", paramLabel = "AUTHUSER",
            description = "Authentication username, when it differs from the AOR's user part.")
    String authUser;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    PasswordSource password;

    static final class PasswordSource {
        @Option(names = "--password-file", paramLabel = "FILE", description = "Read the password from the first"
                + " line of FILE.")
        Path file;

        @Option(names = "--password-env", paramLabel = "VAR", description = "Read the password from an environment"
                + " variable.")
        String env;
    }

    @Option(names = "--expires", paramLabel = "SECONDS", defaultValue = "3600",
            description = "Expiry to ask for (default ${DEFAULT-VALUE}).")
    int expires;

    @Option(names = "--local", paramLabel = "HOST:PORT", description = "Local address to send from (default: any"
            + " address, a free port).")
    String local;

    @Option(names = "--once", description = "Register, report, unregister and exit.")
    boolean once;

    @Option(names = "--verbose", description = "Print every message in full.")
    boolean verbose;

    @Option(names = "--outbound", description = "Register with RFC 5626 outbound (+sip.instance, reg-id=1): when"
            + " the registrar supports it, keep the flow alive with CRLF (TCP) or STUN (UDP) keepalives at its"
            + " Flow-Timer, and register over a new flow when one goes unanswered.")
    boolean outbound;

    @Option(names = "--dns", paramLabel = "HOST:PORT", description = "Ask this DNS server instead of the"
            + " system's resolvers.")
    String dnsServer;

    @Option(names = "--timer-t1", paramLabel = "MILLIS", defaultValue = "500",
            description = "RFC 3261 T1, the retransmission base; Timer F (give up) is 64*T1 (default"
                    + " ${DEFAULT-VALUE}).")
    int t1Millis;

    @Option(names = "--retry-base", paramLabel = "SECONDS", defaultValue = "30",
            description = "RFC 5626 4.5 back-off base after a failure (default ${DEFAULT-VALUE}; max --retry-max).")
    int retryBaseSeconds;

    @Option(names = "--retry-max", paramLabel = "SECONDS", defaultValue = "1800",
            description = "Longest wait between attempts (default ${DEFAULT-VALUE}).")
    int retryMaxSeconds;

    @ArgGroup(exclusive = false, multiplicity = "0..1", heading = "%nLoad mode:%n")
    LoadOptions load;

    @Override
    public Integer call() throws Exception {
        if (expires < 0) {
            throw new UserError("--expires must be >= 0, was " + expires);
        }
        if (t1Millis < 1) {
            throw new UserError("--timer-t1 must be >= 1 ms, was " + t1Millis);
        }
        if (retryBaseSeconds < 1 || retryMaxSeconds < retryBaseSeconds) {
            throw new UserError("need 1 <= --retry-base <= --retry-max");
        }
        Optional<Transport> chosenTransport = parseTransport();
        HostPort where = registrar != null ? HostPort.parse("--registrar", registrar) : null;
        if (load != null) {
            return load.run(this, chosenTransport, where);
        }
        String secret = readPassword();
        Account account;
        try {
            account = Account.of(aor, authUser, secret);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (where == null) {
            where = new HostPort(account.aor().host(), OptionalInt.empty());
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        List<RegistrarTarget> targets;
        try {
            targets = locator().locate(where.host(), where.port(), chosenTransport);
        } catch (RegistrarNotFoundException e) {
            out.println(RegistrationOutcome.DNS_FAILURE.meaning() + "\n  " + e.getMessage());
            return RegistrationOutcome.DNS_FAILURE.exitCode();
        }
        var ladder = new RegistrationLadder(out, verbose);
        var config = userAgentConfig().withTrace(ladder);
        try (UserAgent agent = UserAgent.start(config)) {
            return once ? registerOnce(agent, account, targets, ladder, out)
                    : stayRegistered(agent, account, targets, ladder, out);
        }
    }

    UserAgentConfig userAgentConfig() {
        return UserAgentConfig.defaults(Version.NAME).withT1(Duration.ofMillis(t1Millis)).withTls(clientTls());
    }

    /** RFC 3261 §26.3.1: the registrar's certificate is checked unless the user says otherwise. */
    ClientTls clientTls() {
        if (tlsTrust == null) {
            return ClientTls.systemTrust();
        }
        if (tlsTrust.insecure) {
            System.err.println("sipreg: warning: --insecure: the registrar's TLS certificate is not checked; anyone on"
                    + " the path could pose as the registrar");
            return ClientTls.insecure();
        }
        try {
            return ClientTls.trusting(CertificateFiles.readCertificates(tlsTrust.caFile,
                    CertificateFiles.Which.CERTIFICATE));
        } catch (CertificateFiles.Unusable e) {
            throw new UserError("--ca " + e.getMessage());
        }
    }

    RegistrarLocator locator() {
        if (dnsServer == null) {
            return new RegistrarLocator(new JndiDnsLookup());
        }
        HostPort server = HostPort.parse("--dns", dnsServer);
        return new RegistrarLocator(new JndiDnsLookup(
                new InetSocketAddress(server.host(), server.port().orElse(53))));
    }

    InetSocketAddress localAddress(RegistrarTarget target) {
        if (local == null) {
            return new InetSocketAddress(target.address().getAddress() instanceof Inet6Address ? "::" : "0.0.0.0", 0);
        }
        HostPort parsed = HostPort.parse("--local", local);
        return new InetSocketAddress(parsed.host(), parsed.port().orElse(0));
    }

    RetryBackoff backoff() {
        return new RetryBackoff(Duration.ofSeconds(retryBaseSeconds), Duration.ofSeconds(retryMaxSeconds),
                RandomGenerator.getDefault());
    }

    /** RFC 3263 §4.1: UDP unless told otherwise; TLS for a sips: URI (RFC 3261 §19.1, §26.2). */
    Optional<Transport> parseTransport() {
        boolean sips = aor.regionMatches(true, 0, "sips:", 0, 5);
        if (transport == null) {
            return sips ? Optional.of(Transport.TLS) : Optional.empty();
        }
        Optional<Transport> chosen = switch (transport.toLowerCase(java.util.Locale.ROOT)) {
            case "udp" -> Optional.of(Transport.UDP);
            case "tcp" -> Optional.of(Transport.TCP);
            case "tls" -> Optional.of(Transport.TLS);
            default -> throw new UserError("--transport must be udp, tcp or tls, was " + transport);
        };
        if (sips && chosen.get() != Transport.TLS) {
            throw new UserError("a sips: address-of-record is registered over TLS (RFC 3261 §26.2); use"
                    + " --transport tls or leave it out");
        }
        return chosen;
    }

    String readPassword() {
        if (password == null) {
            throw new UserError("give the password with --password-file FILE or --password-env VAR");
        }
        if (password.env != null) {
            String value = System.getenv(password.env);
            if (value == null) {
                throw new UserError("--password-env: environment variable " + password.env + " is not set");
            }
            return value;
        }
        try {
            List<String> lines = Files.readAllLines(password.file, StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.get(0).isEmpty()) {
                throw new UserError(password.file + ":1: the password file is empty");
            }
            return lines.get(0);
        } catch (IOException e) {
            throw new UserError("--password-file " + password.file + ": cannot read: " + e.getMessage());
        }
    }

    /** --once: one exchange per target until one answers, then unregister. */
    private int registerOnce(UserAgent agent, Account account, List<RegistrarTarget> targets,
                             RegistrationLadder ladder, PrintStream out) throws InterruptedException {
        RegistrationResult result = null;
        for (RegistrarTarget target : targets) {
            out.println("register " + account.aorText() + " at " + target + " (Timer F " + agent.timerF().toMillis()
                    / 1000.0 + " s)");
            Flow flow;
            try {
                flow = agent.open(target, localAddress(target), (f, cause) -> { }).get(15, TimeUnit.SECONDS);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                result = RegistrationResult.flowNotOpened(cause, target, new InetSocketAddress(0));
                ladder.outcome(account.aorText(), result);
                continue;
            }
            var registration = new Registration(agent, account, flow, outbound ? instanceId(account) : null);
            result = await(registration.register(expires).toCompletableFuture());
            ladder.outcome(account.aorText(), result);
            if (result.outcome() == RegistrationOutcome.REGISTERED && expires > 0) {
                RegistrationResult removal = await(registration.unregister().toCompletableFuture());
                ladder.outcome(account.aorText(), removal);
                if (!removal.outcome().isSuccess()) {
                    // The binding is still there until it expires: that is worth a non-zero status.
                    return removal.outcome().exitCode();
                }
            }
            if (!failover(result.outcome())) {
                break;
            }
        }
        return result.outcome().exitCode();
    }

    /** RFC 3263 §4.3: the next target is tried when this one cannot be reached. */
    private static boolean failover(RegistrationOutcome outcome) {
        return outcome == RegistrationOutcome.NO_RESPONSE || outcome == RegistrationOutcome.PORT_UNREACHABLE
                || outcome == RegistrationOutcome.TRANSPORT_ERROR;
    }

    private int stayRegistered(UserAgent agent, Account account, List<RegistrarTarget> targets,
                               RegistrationLadder ladder, PrintStream out) throws InterruptedException {
        var stop = StopSignals.latch();
        var nextTarget = new AtomicInteger();
        RegistrarTarget first = targets.get(0);
        out.println("register " + account.aorText() + " at " + first + ", staying registered (Ctrl-C unregisters)");
        var gaveUp = new AtomicReference<RegistrationResult>();
        var session = new RegistrationSession(agent, account,
                () -> targets.get(Math.floorMod(nextTarget.getAndIncrement(), targets.size())),
                localAddress(first), expires, backoff(), new RegistrationSession.Listener() {
                    @Override
                    public void exchanged(RegistrationResult result) {
                        ladder.outcome(account.aorText(), result);
                        if (result.outcome() == RegistrationOutcome.REGISTERED) {
                            out.printf("refresh in %d s%n", Math.max(1, result.grantedExpires() / 2));
                        }
                    }

                    @Override
                    public void retrying(Duration wait, int failures) {
                        out.printf("retry in %.1f s (failure %d in a row, RFC 5626 back-off)%n",
                                wait.toMillis() / 1000.0, failures);
                    }

                    @Override
                    public void flowFailed(Flow flow, Throwable cause) {
                        out.println("the flow " + flow + " failed (" + cause.getMessage()
                                + "); registering over a new one");
                    }

                    @Override
                    public void keepingAlive(Flow flow, Duration interval) {
                        out.printf("outbound: the registrar keeps this flow (RFC 5626); keepalive every %.1f s%n",
                                interval.toMillis() / 1000.0);
                    }
                }, outbound ? instanceId(account) : null);
        session.start().thenAccept(result -> {
            gaveUp.set(result);
            stop.countDown();
        });
        stop.await();
        if (gaveUp.get() != null) {
            out.println("giving up: " + gaveUp.get().outcome().meaning());
            return gaveUp.get().outcome().exitCode();
        }
        out.println("stopping: unregistering");
        session.stop(Duration.ofSeconds(5)).ifPresent(result -> ladder.outcome(account.aorText(), result));
        return 0;
    }

    /**
     * RFC 5626 §4.1: the instance id stays the same for this device across restarts; derived from the AOR and the
     * host name, so two runs on one machine are one device and two machines are two.
     */
    static String instanceId(Account account) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        return "urn:uuid:" + java.util.UUID.nameUUIDFromBytes((account.aorText() + "@" + host)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static RegistrationResult await(java.util.concurrent.CompletableFuture<RegistrationResult> exchange)
            throws InterruptedException {
        try {
            return exchange.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("registration failed unexpectedly", e.getCause());
        }
    }

    /** {@code host}, {@code host:port}, {@code 2001:db8::1}, {@code [2001:db8::1]} or {@code [2001:db8::1]:port}. */
    record HostPort(String host, OptionalInt port) {
        static HostPort parse(String option, String text) {
            String host;
            String port = null;
            if (text.startsWith("[")) {
                int close = text.indexOf(']');
                if (close < 0 || (close + 1 < text.length() && text.charAt(close + 1) != ':')) {
                    throw new UserError(option + " " + text + ": expected [IPv6] or [IPv6]:PORT");
                }
                host = text.substring(1, close);
                port = close + 1 < text.length() ? text.substring(close + 2) : null;
            } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
                host = text.substring(0, text.indexOf(':'));
                port = text.substring(text.indexOf(':') + 1);
            } else {
                host = text;
            }
            if (host.isEmpty()) {
                throw new UserError(option + " " + text + ": missing host");
            }
            if (port == null) {
                return new HostPort(host, OptionalInt.empty());
            }
            try {
                int value = Integer.parseInt(port);
                if (value < 1 || value > 65_535) {
                    throw new NumberFormatException();
                }
                return new HostPort(host, OptionalInt.of(value));
            } catch (NumberFormatException e) {
                throw new UserError(option + " " + text + ": the port must be a number from 1 to 65535");
            }
        }
    }
}
