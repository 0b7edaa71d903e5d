package io.sipreg.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sipreg.registrar.Binding;
import io.sipreg.registrar.BindingChange;
import io.sipreg.registrar.SqliteStore;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The keepalive figures of the closing note, measured on the real server: 100,000 NAT bindings written to the store,
 * {@code sipreg serve} pinging each every 30 s (about 3,333 OPTIONS a second), answered by phones simulated on
 * loopback. Prints OPTIONS answered per second, the server's CPU, and REGISTER latency with and without the
 * keepalive load. Asserts nothing about speed (that belongs in bench/); runs only when asked:
 * {@code ./mvnw verify -pl sipreg-cli -Dit.test=KeepaliveLoadIT -Dsipreg.keepalive.load=true}.
 */
class KeepaliveLoadIT {
    /** RegistrarIT.importUsers adds accounts to this domain. */
    private static final String DOMAIN = "sipreg.test";
    private static final int BINDINGS = Integer.getInteger("sipreg.keepalive.bindings", 100_000);
    private static final int INTERVAL_SECONDS = 30;
    private static final int PHONE_SOCKETS = 8;
    private static final Duration MEASURE = Duration.ofSeconds(60);
    private static final Pattern REGISTER_200 = Pattern.compile("REGISTER \\S+ -> 200 OK \\(([0-9.]+) ms\\)");

    @Test
    void measuresKeepalivesPerSecondAndTheirCost() throws Exception {
        assumeTrue(Boolean.getBoolean("sipreg.keepalive.load"), "load measurement: run with -Dsipreg.keepalive.load=true");
        int port = Ports.freeUdpAndTcp();
        List<Phones> phones = new ArrayList<>();
        for (int i = 0; i < PHONE_SOCKETS; i++) {
            phones.add(Phones.open());
        }
        Path data = WorkDirectory.create("keepalive-load");
        List<SipUser> registering = IntStream.rangeClosed(1, 200)
                .mapToObj(n -> new SipUser("reg%03d".formatted(n), DOMAIN, "pw-%03d".formatted(n))).toList();
        RegistrarIT.importUsers(data, registering);
        long written = writeNatBindings(data, port, phones);
        System.out.printf("keepalive load: %,d NAT bindings written to the store in %d ms%n", BINDINGS, written);
        try {
            Figures off = run(data, port, phones, registering, "off");
            Figures nat = run(data, port, phones, registering, "nat");
            System.out.printf("keepalive load: keepalive off: server CPU %.1f %% of one core; REGISTER 200 latency "
                    + "median %.2f ms, p99 %.2f ms%n", off.cpuPercent, off.registerMedian, off.registerP99);
            System.out.printf("keepalive load: keepalive nat: %,d bindings, %.0f OPTIONS answered/s over %d s, "
                    + "server CPU %.1f %% of one core; REGISTER 200 latency median %.2f ms, p99 %.2f ms%n",
                    BINDINGS, nat.answeredPerSecond, MEASURE.toSeconds(), nat.cpuPercent, nat.registerMedian,
                    nat.registerP99);
            assertThat(nat.answeredPerSecond).isPositive();
        } finally {
            phones.forEach(Phones::close);
        }
    }

    private record Figures(double answeredPerSecond, double cpuPercent, double registerMedian, double registerP99) {
    }

    private static Figures run(Path data, int port, List<Phones> phones, List<SipUser> registering, String mode)
            throws Exception {
        try (ServerProcess server = ServerProcess.serveIn(null, data, DOMAIN,
                "--listen", "udp:127.0.0.1:" + port, "--listen", "tcp:127.0.0.1:" + port,
                "--keepalive", mode, "--keepalive-interval", Integer.toString(INTERVAL_SECONDS))) {
            // The first interval spreads the loaded bindings; measure the steady state after it.
            Thread.sleep(Duration.ofSeconds(INTERVAL_SECONDS + 5).toMillis());
            long answeredBefore = answered(phones);
            long cpuBefore = cpuTicks(server.pid());
            long start = System.nanoTime();
            // REGISTERs in the middle of the window, to see whether the keepalives disturb them
            var registrations = CompletableFuture.supplyAsync(() -> Sipp.scenario("register-401.xml")
                    .target(port).transport(Transport.UDP).users(registering).calls(registering.size() * 10)
                    .rate(50).run());
            Thread.sleep(MEASURE.toMillis());
            double seconds = (System.nanoTime() - start) / 1e9;
            long cpu = cpuTicks(server.pid()) - cpuBefore;
            long answered = answered(phones) - answeredBefore;
            registrations.join();
            server.output().lines().filter(l -> l.contains("keepalive")).forEach(l -> System.out.println("  " + l));
            double[] latencies = registerLatencies(server.output());
            return new Figures(answered / seconds, cpu / (double) clockTicksPerSecond() / seconds * 100,
                    percentile(latencies, 50), percentile(latencies, 99));
        }
    }

    /** NAT bindings as the registrar would have stored them, spread over the simulated phones' sockets. */
    private static long writeNatBindings(Path data, int port, List<Phones> phones) {
        long start = System.nanoTime();
        long now = System.currentTimeMillis();
        try (SqliteStore store = SqliteStore.open(data)) {
            var pending = new ArrayList<CompletableFuture<String>>(BINDINGS);
            for (int i = 0; i < BINDINGS; i++) {
                String aor = "sip:u" + i + "@" + DOMAIN;
                String contact = "sip:u" + i + "@10." + (i >> 16 & 0xFF) + "." + (i >> 8 & 0xFF) + "." + (i & 0xFF)
                        + ":5060";
                var b = new Binding(aor, contact, "<" + contact + ">", now + 86_400_000L, Binding.Q_ABSENT,
                        "load-" + i, 1, "127.0.0.1:" + phones.get(i % phones.size()).port(), "UDP",
                        "127.0.0.1:" + port, 0, true, "load", "", 0, List.of(), now, now);
                pending.add(store.update(aor, current -> new BindingChange<>(List.of(b), List.of(), aor))
                        .toCompletableFuture());
            }
            pending.forEach(CompletableFuture::join);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static long answered(List<Phones> phones) {
        return phones.stream().mapToLong(p -> p.answered.get()).sum();
    }

    /** utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static long clockTicksPerSecond() {
        NatNetwork.Result result = NatNetwork.run(List.of("getconf", "CLK_TCK"));
        return result.exitCode() == 0 ? Long.parseLong(result.output().strip()) : 100;
    }

    private static double[] registerLatencies(String log) {
        Matcher m = REGISTER_200.matcher(log);
        var values = new ArrayList<Double>();
        while (m.find()) {
            values.add(Double.parseDouble(m.group(1)));
        }
        return values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    private static double percentile(double[] sorted, int p) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, sorted.length * p / 100)];
    }

    /** One loopback socket standing for many phones: answers every OPTIONS with a 200 built per RFC 3261 §8.2.6.2. */
    private static final class Phones implements AutoCloseable {
        final DatagramSocket socket;
        final AtomicLong answered = new AtomicLong();
        final Thread thread;

        private Phones(DatagramSocket socket) {
            this.socket = socket;
            this.thread = new Thread(this::serve, "phones-" + socket.getLocalPort());
            this.thread.setDaemon(true);
        }

        static Phones open() throws SocketException {
            var socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            socket.setReceiveBufferSize(4 << 20);
            var phones = new Phones(socket);
            phones.thread.start();
            return phones;
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            var packet = new DatagramPacket(new byte[4096], 4096);
            while (!socket.isClosed()) {
                try {
                    socket.receive(packet);
                    String request = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
                    if (!request.startsWith("OPTIONS ")) {
                        continue;
                    }
                    byte[] answer = ok(request);
                    socket.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
                    answered.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private static byte[] ok(String request) {
            return UdpPhone.optionsOk(request, "load");
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
