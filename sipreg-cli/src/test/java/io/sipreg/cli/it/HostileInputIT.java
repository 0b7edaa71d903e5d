package io.sipreg.cli.it;

import static io.sipreg.cli.it.RawSip.bytes;
import static io.sipreg.cli.it.RawSip.register;
import static io.sipreg.cli.it.RawSip.statusLine;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * sipreg serve against a hostile client on raw sockets: oversized messages, header bombs, NUL and invalid UTF-8,
 * Contacts that are no SIP URI, and slowloris connections. Each bad request gets a 400 whose reason names the defect,
 * or (TCP, when the stream cannot be framed) a 400 and a closed connection; nothing is stored, nothing is logged as
 * an exception, and the server answers the next client as before.
 */
class HostileInputIT {
    private static final String DOMAIN = "sipreg.test";
    private static final SipUser ALICE = new SipUser("alice", DOMAIN, "wonderland");
    private static final int MAX_MESSAGE = 16_384;
    private static final int PARTIAL_TIMEOUT = 2;
    private static final int IDLE_TIMEOUT = 3;
    private static final int PER_ADDRESS = 4;

    private static Path data;
    private static ServerProcess server;

    @BeforeAll
    static void start() {
        data = WorkDirectory.create("hostile-it");
        RegistrarIT.addUser(data, ALICE);
        server = ServerProcess.serve(data, DOMAIN, "--max-message-size", Integer.toString(MAX_MESSAGE),
                "--partial-message-timeout", Integer.toString(PARTIAL_TIMEOUT),
                "--tcp-idle-timeout", Integer.toString(IDLE_TIMEOUT),
                "--max-connections-per-address", Integer.toString(PER_ADDRESS));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** After each attack: still serving, nothing stored, no exception in the log. */
    @AfterEach
    void serverIsUnharmed() throws Exception {
        assertThat(server.isAlive()).isTrue();
        try (var udp = new RawSip.Udp(server.udpPort())) {
            assertThat(statusLine(udp.exchange(RawSip.options("UDP", udp.localPort(), "after", DOMAIN))))
                    .isEqualTo("200 OK");
        }
        try (var tcp = new RawSip.Tcp(server.tcpPort())) {
            assertThat(statusLine(tcp.exchange(RawSip.options("TCP", tcp.localPort(), "after", DOMAIN))))
                    .isEqualTo("200 OK");
        }
        assertThat(RegistrarIT.bindingsJson(data, ALICE.addressOfRecord())).isEmpty();
        assertThat(server.output()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    // ---- too large ----

    @Test // RFC 3261 §18.1.1: the datagram is larger than the limit; the headers within it still route the 400
    void aDatagramAboveTheLimitIsAnswered400MessageTooLarge() {
        try (var udp = new RawSip.Udp(server.udpPort())) {
            String padding = "X-Padding: " + "a".repeat(1_000) + "\r\n";
            String response = udp.exchange(register("UDP", udp.localPort(), "big", "alice", DOMAIN,
                    "<sip:alice@127.0.0.1:" + udp.localPort() + ">", padding.repeat(20)));
            assertThat(statusLine(response)).isEqualTo("400 Message too large");
        }
    }

    @Test // RFC 3261 §18.3: a Content-Length beyond the limit can never be framed: 400, then the connection closes
    void aTcpMessageWhoseContentLengthIsAboveTheLimitIsRefusedAndTheConnectionClosed() {
        try (var tcp = new RawSip.Tcp(server.tcpPort())) {
            String message = register("TCP", tcp.localPort(), "cl", "alice", DOMAIN,
                    "<sip:alice@127.0.0.1:" + tcp.localPort() + ";transport=tcp>", "")
                    .replace("Content-Length: 0", "Content-Length: 100000");
            assertThat(statusLine(tcp.exchange(message))).isEqualTo("400 Message too large");
            assertThat(tcp.awaitClosedByServer(RawSip.ANSWER)).isTrue();
        }
    }

    @Test // a header block that never ends: refused once it passes the limit, without waiting for the rest
    void aTcpHeaderBlockAboveTheLimitIsRefusedAndTheConnectionClosed() {
        try (var tcp = new RawSip.Tcp(server.tcpPort())) {
            String start = register("TCP", tcp.localPort(), "hdr", "alice", DOMAIN, "<sip:a@127.0.0.1>", "");
            String head = start.substring(0, start.indexOf("Contact:"));
            tcp.write(bytes(head + ("X-Flood: " + "b".repeat(100) + "\r\n").repeat(200)));
            assertThat(statusLine(tcp.readResponse().orElseThrow())).isEqualTo("400 Message too large");
            assertThat(tcp.awaitClosedByServer(RawSip.ANSWER)).isTrue();
        }
    }

    @Test // a header bomb: thousands of header lines over TCP, a few hundred in a datagram
    void thousandsOfHeadersAreRefused() {
        try (var tcp = new RawSip.Tcp(server.tcpPort())) {
            String bomb = register("TCP", tcp.localPort(), "bomb", "alice", DOMAIN, "<sip:a@127.0.0.1>",
                    "X-H: 1\r\n".repeat(5_000));
            assertThat(statusLine(tcp.exchange(bomb))).isEqualTo("400 Message too large");
            assertThat(tcp.awaitClosedByServer(RawSip.ANSWER)).isTrue();
        }
        try (var udp = new RawSip.Udp(server.udpPort())) {
            String bomb = register("UDP", udp.localPort(), "bomb", "alice", DOMAIN, "<sip:a@127.0.0.1>",
                    "X-H: 1\r\n".repeat(1_000));
            assertThat(statusLine(udp.exchange(bomb))).isEqualTo("400 Too many headers");
        }
    }

    @Test // RFC 3261 §20: one 100 KB header line over TCP; a 10 KB one in a datagram
    void aHugeHeaderLineIsRefused() {
        try (var tcp = new RawSip.Tcp(server.tcpPort())) {
            String line = "User-Agent: " + "c".repeat(100 * 1024) + "\r\n";
            String message = register("TCP", tcp.localPort(), "line", "alice", DOMAIN, "<sip:a@127.0.0.1>", line);
            tcp.write(bytes(message));
            assertThat(tcp.readResponse().map(RawSip::statusLine)).hasValue("400 Message too large");
            assertThat(tcp.awaitClosedByServer(RawSip.ANSWER)).isTrue();
        }
        try (var udp = new RawSip.Udp(server.udpPort())) {
            String line = "User-Agent: " + "c".repeat(10 * 1024) + "\r\n";
            assertThat(statusLine(udp.exchange(register("UDP", udp.localPort(), "line", "alice", DOMAIN,
                    "<sip:a@127.0.0.1>", line)))).isEqualTo("400 Header too long");
        }
    }

    // ---- bytes that are not text ----

    @Test // RFC 3261 §25.1, RFC 3629
    void invalidUtf8InAHeaderOrAUriIsRefused() {
        try (var udp = new RawSip.Udp(server.udpPort())) {
            int port = udp.localPort();
            assertThat(statusLine(udp.exchange(register("UDP", port, "utf1", "alice", DOMAIN,
                    "\"Al\u00c0\u0080ce\" <sip:alice@127.0.0.1:" + port + ">", ""))))
                    .isEqualTo("400 Invalid UTF-8 in header");
            assertThat(statusLine(udp.exchange(register("UDP", port, "utf2", "alice", DOMAIN,
                    "<sip:al\u00ffice@127.0.0.1:" + port + ">", ""))))
                    .isEqualTo("400 Invalid UTF-8 in header");
            assertThat(statusLine(udp.exchange(register("UDP", port, "utf3", "alice", DOMAIN,
                    "<sip:alice@127.0.0.1:" + port + ">", "User-Agent: \u00ed\u00a0\u0080\r\n"))))
                    .isEqualTo("400 Invalid UTF-8 in header");
            assertThat(statusLine(udp.exchange(register("UDP", port, "utf4", "alice", DOMAIN,
                    "<sip:alice@127.0.0.1:" + port + ">", "").replace("REGISTER sip:" + DOMAIN,
                    "REGISTER sip:sipreg\u00ff.test")))).isEqualTo("400 Malformed Request-URI");
        }
    }

    @Test // RFC 3261 §25.1: no control characters; a NUL would cut the value short for a C reader of the log
    void aNulInAHeaderOrAUriIsRefused() {
        try (var tcp = new RawSip.Tcp(server.tcpPort())) {
            int port = tcp.localPort();
            assertThat(statusLine(tcp.exchange(register("TCP", port, "nul1", "alice", DOMAIN,
                    "<sip:alice\u0000@127.0.0.1:" + port + ";transport=tcp>", ""))))
                    .isEqualTo("400 Control character in header");
            // A framed but malformed message does not cost the connection.
            assertThat(statusLine(tcp.exchange(register("TCP", port, "nul2", "alice", DOMAIN,
                    "<sip:alice@127.0.0.1:" + port + ";transport=tcp>", "User-Agent: phone\u0000; DROP TABLE\r\n"))))
                    .isEqualTo("400 Control character in header");
        }
    }

    // ---- Contacts ----

    @Test // RFC 3261 §10.3 step 7: malformed before authentication, not SIP after it; neither is stored
    void contactsThatAreNotValidSipUrisAreRefused() {
        try (var udp = new RawSip.Udp(server.udpPort())) {
            int port = udp.localPort();
            assertThat(statusLine(udp.exchange(register("UDP", port, "c1", "alice", DOMAIN, "<sip:@>", ""))))
                    .isEqualTo("400 Malformed Contact header");
            assertThat(statusLine(udp.exchange(register("UDP", port, "c2", "alice", DOMAIN,
                    "<sip:alice@[::1>", "")))).isEqualTo("400 Malformed Contact header");

            String http = register("UDP", port, "c3", "alice", DOMAIN, "<http://tracker.example/alice>", "");
            String challenge = udp.exchange(http);
            assertThat(statusLine(challenge)).isEqualTo("401 Unauthorized");
            String withCredentials = http.replace("CSeq: 1 REGISTER", "CSeq: 2 REGISTER")
                    .replace("branch=z9hG4bKc3", "branch=z9hG4bKc3b")
                    .replace("Contact:", RawSip.authorization(RawSip.header(challenge, "WWW-Authenticate")
                            .orElseThrow(), "alice", "wonderland", "sip:" + DOMAIN) + "Contact:");
            assertThat(statusLine(udp.exchange(withCredentials))).isEqualTo("400 Contact is not a SIP URI");
        }
    }

    // ---- slowloris ----

    @Test // a connection that never says anything is closed after the idle timeout
    void aSilentConnectionIsClosedAfterTheIdleTimeout() {
        try (var tcp = new RawSip.Tcp(server.tcpPort())) {
            long start = System.nanoTime();
            assertThat(tcp.awaitClosedByServer(Duration.ofSeconds(IDLE_TIMEOUT + 5))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(
                    Duration.ofSeconds(IDLE_TIMEOUT - 1));
        }
    }

    @Test // a message sent a byte every 100 ms is cut off by the partial-message timeout, idle timeout or not
    void aMessageTricklingInByteByByteIsCutOffByThePartialMessageTimeout() throws InterruptedException {
        try (var tcp = new RawSip.Tcp(server.tcpPort())) {
            byte[] message = bytes(register("TCP", tcp.localPort(), "slow", "alice", DOMAIN,
                    "<sip:alice@127.0.0.1:" + tcp.localPort() + ";transport=tcp>", ""));
            int sent = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(PARTIAL_TIMEOUT + 10).toNanos();
            while (sent < message.length && System.nanoTime() < deadline && tcp.write(new byte[] {message[sent]})) {
                sent++;
                Thread.sleep(100);
            }
            assertThat(sent).as("bytes written before the server closed").isLessThan(message.length);
            assertThat(tcp.awaitClosedByServer(RawSip.ANSWER)).isTrue();
        }
    }

    @Test // RFC 3261 §26.1.5: one address cannot take every connection; the others are closed at accept
    void connectionsBeyondTheLimitPerAddressAreClosedAtAccept() {
        var open = new ArrayList<RawSip.Tcp>();
        try {
            for (int i = 0; i < PER_ADDRESS; i++) {
                var tcp = new RawSip.Tcp(server.tcpPort());
                open.add(tcp);
                assertThat(statusLine(tcp.exchange(RawSip.options("TCP", tcp.localPort(), "pa" + i, DOMAIN))))
                        .isEqualTo("200 OK");
            }
            try (var excess = new RawSip.Tcp(server.tcpPort())) {
                assertThat(excess.awaitClosedByServer(RawSip.ANSWER)).isTrue();
            }
            // Those admitted are still served.
            RawSip.Tcp first = open.get(0);
            assertThat(statusLine(first.exchange(RawSip.options("TCP", first.localPort(), "pa-again", DOMAIN))))
                    .isEqualTo("200 OK");
        } finally {
            open.forEach(RawSip.Tcp::close);
        }
        // The server counts a connection until it sees it close; a moment, so the next test may connect.
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
