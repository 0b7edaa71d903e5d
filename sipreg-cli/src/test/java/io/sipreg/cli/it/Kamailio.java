package io.sipreg.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Kamailio as a reference registrar, on loopback, with an in-memory location table
 * ({@code usrloc} db_mode 0) and users kept in an {@code htable}: a registrar we did not
 * write, to prove that our scenarios and clients speak standard SIP.
 *
 * <p>Its policy matches what sipreg is configured with in the tests: Min-Expires 60 with
 * 423 Interval Too Brief (§10.3 step 7), expiries capped at 3600, 403 for a wrong password.
 */
final class Kamailio implements AutoCloseable {

    static final int MIN_EXPIRES = 60;
    static final int MAX_EXPIRES = 3600;

    /** How the registrar asks for credentials, RFC 3261 §22.2 and §22.3. */
    enum Challenge {
        /** 401 with WWW-Authenticate, answered with Authorization. */
        WWW_AUTHENTICATE("pv_www_authenticate", "www_challenge"),
        /** 407 with Proxy-Authenticate, answered with Proxy-Authorization. */
        PROXY_AUTHENTICATE("pv_proxy_authenticate", "proxy_challenge");

        private final String authenticate;
        private final String challenge;

        Challenge(String authenticate, String challenge) {
            this.authenticate = authenticate;
            this.challenge = challenge;
        }
    }

    private static final Duration STARTUP = Duration.ofSeconds(15);
    /** Debian installs it in /usr/sbin, which is not on every user's PATH. */
    private static final String PROGRAM =
            Files.isExecutable(Path.of("/usr/sbin/kamailio")) ? "/usr/sbin/kamailio" : "kamailio";

    private final Process process;
    private final CapturedOutput output;
    private final int port;
    private final Path directory;

    private Kamailio(Process process, CapturedOutput output, int port, Path directory) {
        this.process = process;
        this.output = output;
        this.port = port;
        this.directory = directory;
    }

    static Kamailio start(SipUser... users) {
        return start(Challenge.WWW_AUTHENTICATE, List.of(users));
    }

    /** Starts Kamailio on a free loopback port for UDP and TCP and waits until it answers OPTIONS. */
    static Kamailio start(Challenge challenge, List<SipUser> users) {
        try {
            Path directory = WorkDirectory.create("kamailio-");
            int port = Ports.freeUdpAndTcp();
            Path config = directory.resolve("kamailio.cfg");
            Files.writeString(config, config(challenge, port, users));
            Process process = new ProcessBuilder(
                    PROGRAM, "-DD", "-E", "-f", config.toString(), "-m", "64",
                    "-w", directory.toString(), "-P", directory.resolve("kamailio.pid").toString())
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .start();
            process.getOutputStream().close();
            Kamailio kamailio = new Kamailio(process, CapturedOutput.drain(process.getInputStream(), "kamailio"),
                    port, directory);
            kamailio.awaitReady();
            return kamailio;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start kamailio", e);
        }
    }

    int udpPort() {
        return port;
    }

    int tcpPort() {
        return port;
    }

    int port(Transport transport) {
        return transport == Transport.UDP ? udpPort() : tcpPort();
    }

    /** Kamailio's log so far, for assertion messages. */
    String output() {
        return output.text();
    }

    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        // SIGTERM: the main process stops its children and exits. ProcessHandle.destroy() sends
        // the same signal as Process.destroy() but leaves the pipe open for the last log lines.
        process.toHandle().destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.toHandle().destroyForcibly();
                process.waitFor();
            }
            output.awaitEnd(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        int attempt = 0;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                awaitOutputEnd();
                throw new IllegalStateException("kamailio exited with " + process.exitValue()
                        + " before it was ready; config in " + directory + "\n" + output.text());
            }
            if (answersOptionsOverUdp(++attempt) && acceptsTcp()) {
                return;
            }
        }
        close();
        throw new IllegalStateException("kamailio did not answer OPTIONS on 127.0.0.1:" + port
                + " within " + STARTUP + "; config in " + directory + "\n" + output.text());
    }

    private boolean answersOptionsOverUdp(int attempt) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
            socket.setSoTimeout(200);
            String options = String.join("\r\n",
                    "OPTIONS sip:127.0.0.1:" + port + " SIP/2.0",
                    "Via: SIP/2.0/UDP 127.0.0.1:" + socket.getLocalPort() + ";branch=z9hG4bK-ready-" + attempt,
                    "Max-Forwards: 70",
                    "From: <sip:harness@127.0.0.1>;tag=ready",
                    "To: <sip:127.0.0.1:" + port + ">",
                    "Call-ID: ready-" + attempt + "@127.0.0.1",
                    "CSeq: " + attempt + " OPTIONS",
                    "Content-Length: 0", "", "");
            byte[] request = options.getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(request, request.length, loopback, port));
            byte[] buffer = new byte[4096];
            DatagramPacket response = new DatagramPacket(buffer, buffer.length);
            socket.receive(response);
            return new String(buffer, 0, response.getLength(), StandardCharsets.US_ASCII).startsWith("SIP/2.0 200");
        } catch (SocketTimeoutException notYet) {
            return false;
        } catch (IOException e) {
            sleepBriefly();
            return false;
        }
    }

    private boolean acceptsTcp() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException notYet) {
            sleepBriefly();
            return false;
        }
    }

    private void awaitOutputEnd() {
        try {
            output.awaitEnd(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String config(Challenge challenge, int port, List<SipUser> users) {
        String passwords = users.stream()
                .map(u -> "    $sht(users=>" + u.user() + "@" + u.domain() + ") = \"" + quoted(u.password()) + "\";")
                .collect(Collectors.joining("\n"));
        return """
                #!KAMAILIO
                debug=2
                log_stderror=yes
                children=2
                tcp_children=2
                auto_aliases=no
                dns=no
                rev_dns=no
                listen=udp:127.0.0.1:%1$d
                listen=tcp:127.0.0.1:%1$d

                loadmodule "tm.so"
                loadmodule "sl.so"
                loadmodule "pv.so"
                loadmodule "textops.so"
                loadmodule "htable.so"
                loadmodule "auth.so"
                loadmodule "usrloc.so"
                loadmodule "registrar.so"

                modparam("usrloc", "db_mode", 0)
                modparam("registrar", "min_expires", %2$d)
                modparam("registrar", "min_expires_mode", 1)
                modparam("registrar", "max_expires", %3$d)
                modparam("htable", "htable", "users=>size=4;")

                event_route[htable:mod-init] {
                %4$s
                }

                request_route {
                    # A stateful transaction absorbs retransmissions and resends the last
                    # response (RFC 3261 §17.2.2), as sipreg's transaction layer does.
                    if (!t_newtran()) {
                        sl_reply_error();
                        exit;
                    }
                    if (is_method("OPTIONS")) {
                        append_to_reply("Allow: REGISTER, OPTIONS\\r\\n");
                        send_reply("200", "OK");
                        exit;
                    }
                    if (!is_method("REGISTER")) {
                        append_to_reply("Allow: REGISTER, OPTIONS\\r\\n");
                        send_reply("405", "Method Not Allowed");
                        exit;
                    }
                    if (!%5$s("$td", "$sht(users=>$au@$td)", "0")) {
                        # -2: the user exists but the password is wrong. Answer 403 like sipreg
                        # instead of challenging again.
                        if ($rc == -2) {
                            send_reply("403", "Forbidden");
                            exit;
                        }
                        %6$s("$td", "0");
                        exit;
                    }
                    save("location");
                }
                """.formatted(port, MIN_EXPIRES, MAX_EXPIRES, passwords,
                challenge.authenticate, challenge.challenge);
    }

    private static String quoted(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
