package io.sipreg.cli.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One run of SIPp as a UAC against a registrar: a scenario from {@code src/test/resources/sipp},
 * an injection file made from {@link SipUser}s, and every trace SIPp can write, kept in a temp
 * directory so a failed run can be read afterwards.
 *
 * <pre>{@code
 * SippResult result = Sipp.scenario("register-401.xml")
 *         .target(registrar.udpPort()).transport(Transport.UDP)
 *         .users(ALICE)
 *         .run();
 * }</pre>
 */
final class Sipp {

    private static final String LOOPBACK = "127.0.0.1";

    private final String scenario;
    private String host = LOOPBACK;
    private String localIp;
    private int port;
    private int localPort;
    private Transport transport = Transport.UDP;
    private List<SipUser> users = List.of();
    private int calls = 1;
    private int rate = 10;
    private final Map<String, String> keys = new LinkedHashMap<>();
    private final Map<String, String> globals = new LinkedHashMap<>();
    private final List<String> extraArguments = new ArrayList<>();
    private Duration timeout = Duration.ofSeconds(20);

    private Sipp(String scenario) {
        this.scenario = scenario;
    }

    /** A scenario file name under {@code sipp/} on the test classpath, e.g. {@code register-401.xml}. */
    static Sipp scenario(String scenario) {
        return new Sipp(scenario);
    }

    Sipp target(int port) {
        return target(LOOPBACK, port);
    }

    Sipp target(String host, int port) {
        this.host = host;
        this.port = port;
        return this;
    }

    /** {@code -i}: the local address to send from, e.g. a second loopback address such as 127.0.0.2. */
    Sipp localIp(String address) {
        this.localIp = address;
        return this;
    }

    Sipp transport(Transport transport) {
        this.transport = transport;
        return this;
    }

    /** The injection file: call N uses user N, round robin ({@code SEQUENTIAL}). */
    Sipp users(SipUser... users) {
        this.users = List.of(users);
        return this;
    }

    Sipp users(List<SipUser> users) {
        this.users = List.copyOf(users);
        return this;
    }

    /** {@code -m}: stop after this many calls. */
    Sipp calls(int calls) {
        this.calls = calls;
        return this;
    }

    /** {@code -r}: new calls per second. */
    Sipp rate(int callsPerSecond) {
        this.rate = callsPerSecond;
        return this;
    }

    /** {@code -key}: a {@code [keyword]} for the scenario's messages. */
    Sipp key(String keyword, String value) {
        keys.put(keyword, value);
        return this;
    }

    /** {@code -set}: a value for a variable the scenario declares in {@code <Global>}. */
    Sipp set(String variable, String value) {
        globals.put(variable, value);
        return this;
    }

    /**
     * SIPp's own port ({@code -p}), for a run that must come from the same address as an earlier one: a device
     * refreshing its binding keeps its Contact. Without it, a free port is picked for each run.
     */
    Sipp localPort(int localPort) {
        this.localPort = localPort;
        return this;
    }

    /** Options this class has no method for, such as {@code -nr}. */
    Sipp extraArguments(String... arguments) {
        extraArguments.addAll(List.of(arguments));
        return this;
    }

    /**
     * SIPp's own {@code -timeout}, after which the run fails ({@code -timeout_error}); the JVM
     * kills the process if it outlives this by ten seconds.
     */
    Sipp timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    SippResult run() {
        if (port == 0) {
            throw new IllegalStateException("no target port for " + scenario);
        }
        try {
            Path directory = WorkDirectory.create("sipp-" + scenario.replace(".xml", "") + "-");
            copyScenario(directory);
            writeInjectionFile(directory);
            List<String> command = command();
            Process process = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(directory.resolve("stdout.txt").toFile())
                    .start();
            process.getOutputStream().close();
            boolean exited = process.waitFor(timeout.toSeconds() + 10, TimeUnit.SECONDS);
            if (!exited) {
                process.destroyForcibly().waitFor();
            }
            return SippResult.read(scenario, command, exited ? process.exitValue() : SippResult.KILLED, directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run sipp with " + scenario, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sipp ran " + scenario, e);
        }
    }

    private void copyScenario(Path directory) throws IOException {
        try (InputStream xml = Sipp.class.getResourceAsStream("/sipp/" + scenario)) {
            if (xml == null) {
                throw new IllegalArgumentException("no scenario sipp/" + scenario + " on the test classpath");
            }
            Files.copy(xml, directory.resolve(scenario));
        }
    }

    private void writeInjectionFile(Path directory) throws IOException {
        if (users.isEmpty()) {
            throw new IllegalStateException("scenario " + scenario + " needs at least one user for -inf");
        }
        String lines = users.stream().map(SipUser::sippInjectionLine).collect(Collectors.joining("\n"));
        Files.writeString(directory.resolve("users.csv"), "SEQUENTIAL\n" + lines + "\n");
    }

    private List<String> command() {
        List<String> command = new ArrayList<>(List.of(
                "sipp", "-sf", scenario, (host.contains(":") ? "[" + host + "]" : host) + ":" + port,
                "-t", transport.sippMode(),
                "-i", localIp != null ? localIp : host.contains(":") ? host : LOOPBACK,
                // SIPp tries 5060 first when -p is absent; the test picks a free port instead.
                "-p", Integer.toString(localPort != 0 ? localPort : Ports.freeUdpAndTcp()),
                "-inf", "users.csv",
                "-m", Integer.toString(calls),
                "-r", Integer.toString(rate),
                "-nostdin",
                "-timeout", timeout.toSeconds() + "s", "-timeout_error",
                "-trace_err", "-error_file", SippResult.ERRORS,
                "-trace_msg", "-message_file", SippResult.MESSAGES,
                "-trace_logs", "-log_file", SippResult.LOGS,
                "-trace_stat", "-stf", SippResult.STATISTICS,
                "-trace_screen", "-screen_file", SippResult.SCREEN));
        // The digest uri must be the Request-URI (RFC 2617 §3.2.2.5); the scenarios send to
        // sip:[field1], but SIPp defaults the uri to remote_ip:remote_port.
        List<String> domains = users.stream().map(SipUser::domain).distinct().toList();
        if (domains.size() == 1) {
            command.addAll(List.of("-auth_uri", domains.get(0)));
        }
        keys.forEach((keyword, value) -> command.addAll(List.of("-key", keyword, value)));
        globals.forEach((variable, value) -> command.addAll(List.of("-set", variable, value)));
        command.addAll(extraArguments);
        return command;
    }
}
