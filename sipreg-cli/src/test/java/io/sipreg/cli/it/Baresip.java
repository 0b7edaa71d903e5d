package io.sipreg.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

/**
 * baresip as a real SIP phone that registers one account through a registrar on loopback.
 * It runs headless: no audio driver, no console UI, its config in a temp directory
 * ({@code baresip -f DIR}), its SIP socket on an ephemeral loopback port.
 *
 * <p>baresip 1.0 reports a registration as
 * {@code alice@example.test: {0/UDP/v4} 200 OK (server) [1 binding]}
 * and a failure as {@code reg: sip:alice@example.test: 403 Forbidden (server)}
 * or {@code reg: sip:alice@example.test: Register: Connection refused}.
 */
final class Baresip implements AutoCloseable {

    /** baresip 1.0 as packaged in Debian 12. */
    private static final Path MODULES = Path.of("/usr/lib/baresip/modules");
    private static final Pattern FAILED = Pattern.compile("^reg: (\\S+): (.+)$");
    private static final Duration UNREGISTER = Duration.ofSeconds(5);

    private final SipUser user;
    private final Transport transport;
    private final String registrar;
    private String namespace;
    private String listen = "127.0.0.1:0";
    private int regint = 600;
    private boolean outbound;
    /** For SIP over TLS: the certificate baresip is given as its CA (sip_cafile); null for UDP and TCP. */
    private Path tlsCa;
    private Path directory;
    private Process process;
    private CapturedOutput output;

    private Baresip(SipUser user, Transport transport, String registrar) {
        this.user = user;
        this.transport = transport;
        this.registrar = registrar;
    }

    /** A phone for {@code user} that sends its REGISTERs to 127.0.0.1:{@code port} over {@code transport}. */
    static Baresip account(SipUser user, Transport transport, int port) {
        return new Baresip(user, transport, "127.0.0.1:" + port);
    }

    /**
     * A phone for {@code user} that registers over TLS with 127.0.0.1:{@code port} ({@code ;transport=tls}),
     * given {@code caFile} as its trusted CA. baresip 1.0 (libre 1.1) loads the file but does not refuse a server
     * certificate it cannot verify, so this exercises SIP over TLS, not baresip's checks.
     */
    static Baresip tlsAccount(SipUser user, int port, Path caFile) {
        var phone = new Baresip(user, Transport.TCP, "127.0.0.1:" + port);
        phone.tlsCa = caFile;
        return phone;
    }

    /**
     * A phone inside network namespace {@code namespace}, its SIP socket on {@code listen} ({@code ip:port}),
     * sending its REGISTERs to {@code registrar} ({@code ip:port}).
     */
    static Baresip inNamespace(String namespace, SipUser user, Transport transport, String listen, String registrar) {
        var phone = new Baresip(user, transport, registrar);
        phone.namespace = namespace;
        phone.listen = listen;
        return phone;
    }

    /** Registration interval asked for; baresip refreshes at 90 % of what the registrar grants. */
    Baresip regint(int seconds) {
        regint = seconds;
        return this;
    }

    /**
     * RFC 5626 outbound ({@code sipnat=outbound}): Contact with {@code +sip.instance} (the uuid module makes one) and
     * {@code reg-id}, {@code Supported: outbound}, and, once the registrar answers {@code Require: outbound}, STUN
     * keepalives over UDP at the Flow-Timer's pace.
     */
    Baresip outbound() {
        outbound = true;
        return this;
    }

    Baresip start() {
        try {
            directory = WorkDirectory.create("baresip-");
            Files.writeString(directory.resolve("config"), config());
            Files.writeString(directory.resolve("accounts"), account() + "\n");
            // -s prints every SIP message, so a failure message shows the exchange.
            var command = new java.util.ArrayList<>(java.util.List.of("baresip", "-s", "-f", directory.toString()));
            process = new ProcessBuilder(namespace == null ? command : NatNetwork.inNamespace(namespace, command))
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .start();
            output = CapturedOutput.drain(process.getInputStream(), "baresip " + user.user());
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start baresip", e);
        }
    }

    /**
     * Waits for baresip to report a 200 OK to its REGISTER and returns that line. Fails with
     * baresip's whole output if it reports a failure (e.g. 403) or says nothing in time.
     */
    String awaitRegistered(Duration timeout) {
        Pattern registered = Pattern.compile(
                "^" + Pattern.quote(user.user() + "@" + user.domain())
                        + ": \\{\\d+/" + transportName() + "/v4\\} 200 OK.*$");
        Pattern outcome = Pattern.compile(registered.pattern() + "|" + FAILED.pattern());
        MatchResult line = awaitOutput(outcome, timeout);
        if (!registered.matcher(line.group()).matches()) {
            throw new AssertionError("baresip failed to register " + user.addressOfRecord()
                    + " over " + transport + ": " + line.group() + "\n" + describe());
        }
        return line.group();
    }

    /** Waits for a line of baresip's output that contains a match of {@code pattern}. */
    MatchResult awaitOutput(Pattern pattern, Duration timeout) {
        try {
            return output.awaitLine(pattern, timeout).orElseThrow(() -> new AssertionError(
                    "baresip printed no line matching /" + pattern + "/ within " + timeout
                            + (process.isAlive() ? "" : " and exited with " + process.exitValue())
                            + "\n" + describe()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for baresip", e);
        }
    }

    String output() {
        return output.text();
    }

    /** SIGSTOP: the phone freezes, answers nothing, sends nothing; its process stays. */
    void freeze() {
        signal("-STOP");
    }

    private void signal(String signal) {
        // ip netns exec replaces itself with baresip, so this pid is baresip's own.
        NatNetwork.Result result = NatNetwork.run(java.util.List.of("kill", signal, Long.toString(process.pid())));
        if (result.exitCode() != 0) {
            throw new AssertionError("kill " + signal + " " + process.pid() + ": " + result.output());
        }
    }

    /**
     * Quits gracefully: on SIGTERM baresip unregisters (REGISTER with expires=0) before it exits.
     * Killed if it is still running after {@link #UNREGISTER}. ProcessHandle.destroy() sends the
     * same SIGTERM as Process.destroy() but keeps the pipe open for baresip's last lines.
     */
    @Override
    public void close() {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            signal("-CONT");
        }
        process.toHandle().destroy();
        try {
            if (!process.waitFor(UNREGISTER.toMillis(), TimeUnit.MILLISECONDS)) {
                process.toHandle().destroyForcibly();
                process.waitFor();
            }
            output.awaitEnd(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String describe() {
        return "--- baresip -f " + directory + " ---\n"
                + "accounts: " + account() + "\n" + output.text();
    }

    private String transportName() {
        return tlsCa != null ? "TLS" : transport.name();
    }

    private String account() {
        String parameter = ";transport=" + (tlsCa != null ? "tls" : transport.uriParameter());
        return "<sip:" + user.user() + "@" + user.domain() + parameter + ">"
                + ";auth_pass=" + user.password()
                + ";outbound=\"sip:" + registrar + parameter + "\""
                + ";regint=" + regint
                + (outbound ? ";sipnat=outbound" : "");
    }

    /**
     * The smallest working set: only the account loader (and the uuid module, which makes the +sip.instance an
     * outbound registration needs). No audio or video module, so no sound device is opened; no stdio UI, which
     * cannot poll a non-terminal stdin. The SIP stack binds the given address only.
     */
    private String config() {
        return """
                poll_method		epoll
                sip_listen		%s
                %s
                %s
                module_path		%s
                %s
                module_tmp		account.so
                """.formatted(listen, namespace == null ? "net_interface\t\t127.0.0.1" : "",
                tlsCa != null ? "sip_cafile\t\t" + tlsCa : "", MODULES, outbound ? "module_tmp\t\tuuid.so" : "");
    }
}
