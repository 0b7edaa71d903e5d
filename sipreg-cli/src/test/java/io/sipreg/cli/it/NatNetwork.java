package io.sipreg.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real NAT between a phone and the registrar, built from Linux network namespaces that exist only for one test:
 *
 * <pre>
 *   client ns                    router ns                              registrar ns
 *   192.168.77.2/24 [inside]--[lan] 192.168.77.1   203.0.113.1 [wan]--[outside] 203.0.113.2/24
 *   default via .1               ip_forward=1, MASQUERADE out of wan     (no route back to 192.168.77.0/24)
 *                                UDP mapped to ports 40000-40999
 * </pre>
 *
 * The addresses live only inside these namespaces; the host's own interfaces, routes and firewall are never touched.
 * Needs root. {@link #close()} kills whatever still runs in the namespaces (only the test's own processes can be
 * there) and deletes them, which also removes the veth pairs; a JVM shutdown hook does the same if the test run dies.
 */
final class NatNetwork implements AutoCloseable {
    static final String PHONE_IP = "192.168.77.2";
    static final String NAT_PUBLIC_IP = "203.0.113.1";
    static final String REGISTRAR_IP = "203.0.113.2";
    /** The public ports the NAT hands out before and after {@link #rebind()}. */
    static final int FIRST_PORTS = 40_000;
    static final int REBOUND_PORTS = 41_000;

    final String client;
    final String router;
    final String registrar;
    private final List<String> created = new ArrayList<>();
    private final Thread cleanup = new Thread(this::deleteQuietly, "nat-network-cleanup");
    private boolean closed;

    private NatNetwork(String name) {
        this.client = name + "-client";
        this.router = name + "-router";
        this.registrar = name + "-registrar";
    }

    /**
     * Why the NAT tests cannot run here, or empty when they can: they need root and {@code ip netns}. Probed by
     * creating and deleting a namespace of our own.
     */
    static Optional<String> unavailable() {
        Result uid = run(List.of("id", "-u"));
        if (uid.exitCode() != 0 || !uid.output().strip().equals("0")) {
            return Optional.of("needs root for network namespaces and iptables (uid " + uid.output().strip() + ")");
        }
        String probe = "sipreg-nat-probe-" + hex(3);
        Result add = run(List.of("ip", "netns", "add", probe));
        if (add.exitCode() != 0) {
            return Optional.of("'ip netns add' is not available here: " + add.output().strip());
        }
        run(List.of("ip", "netns", "del", probe));
        return Optional.empty();
    }

    /** Builds the three namespaces, the two links and the NAT. */
    static NatNetwork create() {
        var network = new NatNetwork("sipreg-nat-" + hex(3));
        Runtime.getRuntime().addShutdownHook(network.cleanup);
        try {
            network.build();
            return network;
        } catch (RuntimeException | Error e) {
            network.close();
            throw e;
        }
    }

    private void build() {
        for (String ns : List.of(client, router, registrar)) {
            must("ip", "netns", "add", ns);
            created.add(ns);
            in(ns, "ip", "link", "set", "lo", "up");
        }
        // Each veth end is created directly inside its namespace: no interface ever appears in the host's.
        must("ip", "link", "add", "inside", "netns", client, "type", "veth", "peer", "name", "lan", "netns", router);
        must("ip", "link", "add", "wan", "netns", router, "type", "veth", "peer", "name", "outside", "netns",
                registrar);
        in(client, "ip", "addr", "add", PHONE_IP + "/24", "dev", "inside");
        in(client, "ip", "link", "set", "inside", "up");
        in(client, "ip", "route", "add", "default", "via", "192.168.77.1");
        in(router, "ip", "addr", "add", "192.168.77.1/24", "dev", "lan");
        in(router, "ip", "addr", "add", NAT_PUBLIC_IP + "/24", "dev", "wan");
        in(router, "ip", "link", "set", "lan", "up");
        in(router, "ip", "link", "set", "wan", "up");
        in(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        masquerade(FIRST_PORTS);
        in(registrar, "ip", "addr", "add", REGISTRAR_IP + "/24", "dev", "outside");
        in(registrar, "ip", "link", "set", "outside", "up");
    }

    /** UDP leaves the NAT from a port in {@code [from, from+999]}, never the phone's own 5060. */
    private void masquerade(int from) {
        in(router, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-p", "udp", "-j", "MASQUERADE",
                "--to-ports", from + "-" + (from + 999));
        in(router, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE");
    }

    /**
     * NAT rebinding, as when a home router restarts or a mapping times out: the NAT forgets every mapping and hands
     * out ports from another range, so the phone's next packet leaves from a new public port.
     */
    void rebind() {
        in(router, "iptables", "-t", "nat", "-F", "POSTROUTING");
        masquerade(REBOUND_PORTS);
        in(router, "conntrack", "-F");
    }

    /** Pulls the phone's cable: its interface goes down and nothing reaches it any more. */
    void cutPhoneLink() {
        in(client, "ip", "link", "set", "inside", "down");
    }

    /** {@code ip netns exec NS command...}, for running a program inside a namespace. */
    static List<String> inNamespace(String namespace, List<String> command) {
        var full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(command);
        return full;
    }

    void in(String namespace, String... command) {
        must(inNamespace(namespace, List.of(command)).toArray(String[]::new));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        deleteQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook runs, or ran, the same deletion.
        }
    }

    /** Kills by pid what the test left running in its own namespaces, then deletes them (and their links). */
    private synchronized void deleteQuietly() {
        for (String ns : List.copyOf(created)) {
            for (String pid : run(List.of("ip", "netns", "pids", ns)).output().split("\\s+")) {
                if (!pid.isBlank()) {
                    run(List.of("kill", "-KILL", pid.strip()));
                }
            }
        }
        for (String ns : List.copyOf(created)) {
            run(List.of("ip", "netns", "del", ns));
            created.remove(ns);
        }
    }

    private static void must(String... command) {
        Result result = run(List.of(command));
        if (result.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed with " + result.exitCode() + ": "
                    + result.output());
        }
    }

    record Result(int exitCode, String output) {
    }

    static Result run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, String.join(" ", command) + ": timed out");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted running " + command, e));
        }
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
