package io.sipreg.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.HeaderName;
import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParser;
import io.sipreg.message.SipResponse;
import io.sipreg.transport.ListenAddress;
import io.sipreg.transport.SipTransport;
import io.sipreg.transport.TransportConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The transport and the server transactions wired as the registrar uses them, on loopback sockets. */
class ServerTransactionsLoopbackTest {
    private static final int TIMEOUT_MS = 5_000;

    private final AtomicInteger tuCalls = new AtomicInteger();
    private ScheduledExecutorService scheduler;
    private SipTransport transport;
    private InetSocketAddress udp;
    private InetSocketAddress tcp;

    @BeforeEach
    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        transport = new SipTransport(TransportConfig.defaults().withIoThreads(2));
        // The TU answers on another thread, as a registrar does after its durable write.
        RequestHandler tu = (request, flow) -> {
            tuCalls.incrementAndGet();
            return CompletableFuture.supplyAsync(() -> SipResponse.to(request, 200, "OK")
                    .with(HeaderName.CONTACT, request.headers().first(HeaderName.CONTACT).orElseThrow()));
        };
        var transactions = new ServerTransactions(transport, tu, TransactionTimers.of(scheduler));
        var bound = transport.start(
                List.of(ListenAddress.parse("udp:127.0.0.1:0"), ListenAddress.parse("tcp:127.0.0.1:0")),
                transactions);
        udp = bound.get(0).address();
        tcp = bound.get(1).address();
    }

    @AfterEach
    void stop() {
        transport.close();
        scheduler.shutdownNow();
    }

    private static byte[] register(String transport, String branch) {
        return SipText.bytes("""
                REGISTER sip:registrar.example.com SIP/2.0
                Via: SIP/2.0/%s 10.0.0.5:5060;branch=%s;rport
                Max-Forwards: 70
                To: Bob <sip:bob@example.com>
                From: Bob <sip:bob@example.com>;tag=456248
                Call-ID: loopback@10.0.0.5
                CSeq: 1 REGISTER
                Contact: <sip:bob@10.0.0.5:5060>
                Content-Length: 0

                """.formatted(transport, branch));
    }

    private static SipResponse parse(byte[] wire) {
        var result = SipParser.strict().parse(wire);
        assertThat(result).isInstanceOf(ParseResult.Parsed.class);
        return (SipResponse) ((ParseResult.Parsed) result).message();
    }

    @Test // RFC 3261 §17.2.2 over a real socket: the retransmission gets the same bytes, the TU one call
    void answersUdpRegisterAndItsRetransmission() throws Exception {
        try (var client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(TIMEOUT_MS);
            byte[] request = register("UDP", "z9hG4bKloop1");
            client.send(new DatagramPacket(request, request.length, udp));
            byte[] first = receive(client);
            client.send(new DatagramPacket(request, request.length, udp));
            byte[] second = receive(client);

            assertThat(second).isEqualTo(first);
            SipResponse response = parse(first);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.topVia().params().get("received")).contains("127.0.0.1");
            assertThat(response.topVia().rport()).hasValue(client.getLocalPort());
            assertThat(tuCalls).hasValue(1);
        }
    }

    @Test // RFC 3261 §21.4.1 on a stream: the 400 goes out before the connection closes
    void answersAnUnframeableTcpRequestWith400ThenCloses() throws Exception {
        try (var client = new Socket()) {
            client.connect(tcp, TIMEOUT_MS);
            client.setSoTimeout(TIMEOUT_MS);
            client.getOutputStream().write(SipText.bytes("""
                    REGISTER sip:registrar.example.com SIP/2.0
                    Via: SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bKnolen
                    Max-Forwards: 70
                    To: Bob <sip:bob@example.com>
                    From: Bob <sip:bob@example.com>;tag=456248
                    Call-ID: nolen@10.0.0.5
                    CSeq: 1 REGISTER

                    """));
            byte[] all = client.getInputStream().readAllBytes();

            SipResponse response = parse(all);
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.reason()).isEqualTo("Missing Content-Length on a stream transport");
            assertThat(response.topVia().rport()).isEmpty();
            assertThat(response.topVia().params().get("received")).contains("127.0.0.1");
            assertThat(tuCalls).hasValue(0);
        }
    }

    @Test
    void answersTcpRegisterOverItsConnection() throws Exception {
        try (var client = new Socket()) {
            client.connect(tcp, TIMEOUT_MS);
            client.setSoTimeout(TIMEOUT_MS);
            client.getOutputStream().write(register("TCP", "z9hG4bKtcp1"));
            SipResponse response = parse(readMessage(client.getInputStream()));
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.topVia().rport()).hasValue(client.getLocalPort());
        }
    }

    private static byte[] receive(DatagramSocket client) throws IOException {
        var packet = new DatagramPacket(new byte[65_535], 65_535);
        client.receive(packet);
        return Arrays.copyOf(packet.getData(), packet.getLength());
    }

    private static byte[] readMessage(InputStream in) throws IOException {
        var out = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("closed before a whole message: " + out);
            }
            out.write(b);
            byte[] so = out.toByteArray();
            int n = so.length;
            if (n >= 4 && so[n - 4] == '\r' && so[n - 3] == '\n' && so[n - 2] == '\r' && so[n - 1] == '\n') {
                return so;
            }
        }
    }
}
