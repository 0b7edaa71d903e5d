package io.sipreg.transport;

import static io.sipreg.transport.SipText.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.sipreg.message.ParseResult;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.Via;
import io.sipreg.message.Violation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SipTransport on real loopback sockets, with epoll and with NIO. */
class SipTransportLoopbackTest {
    private static final int TIMEOUT_MS = 5_000;

    private final RecordingHandler handler = new RecordingHandler();
    private SipTransport transport;

    @AfterEach
    void close() {
        if (transport != null) {
            transport.close();
        }
    }

    private List<BoundListener> start(TransportConfig config, String... listens) {
        transport = new SipTransport(config.withIoThreads(2));
        return transport.start(Arrays.stream(listens).map(ListenAddress::parse).toList(), handler);
    }

    private static TransportConfig config(boolean nativeTransport) {
        if (nativeTransport) {
            assumeTrue(Epoll.isAvailable(), "epoll not available here");
        }
        return TransportConfig.defaults().withNativeTransport(nativeTransport);
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void bindsEphemeralPorts(boolean nativeTransport) {
        List<BoundListener> bound = start(config(nativeTransport), "udp:127.0.0.1:0", "tcp:127.0.0.1:0");

        assertThat(bound).extracting(BoundListener::transport).containsExactly(Transport.UDP, Transport.TCP);
        assertThat(bound).allSatisfy(listener -> {
            assertThat(listener.address().getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
            assertThat(listener.address().getPort()).isPositive();
        });
    }

    @ParameterizedTest(name = "native={0}") // sends from other threads (200 OKs after a commit) are gathered, in order
    @ValueSource(booleans = {true, false})
    void manySendsFromAnotherThreadAllArriveInOrderAndCompleteTheirFutures(boolean nativeTransport) throws Exception {
        InetSocketAddress server = start(config(nativeTransport), "udp:127.0.0.1:0").get(0).address();
        try (var device = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            device.setSoTimeout(TIMEOUT_MS);
            device.setReceiveBufferSize(1 << 20);
            var flow = new Flow(Transport.UDP, server, (InetSocketAddress) device.getLocalSocketAddress(), 0);
            var sent = new ArrayList<java.util.concurrent.CompletableFuture<Void>>();
            for (int i = 0; i < 200; i++) {
                sent.add(transport.sendBytes(flow, bytes("OPTIONS sip:d SIP/2.0\r\nCall-ID: c" + i + "\r\n\r\n")));
            }
            for (int i = 0; i < 200; i++) {
                var packet = new DatagramPacket(new byte[2048], 2048);
                device.receive(packet);
                assertThat(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8))
                        .contains("Call-ID: c" + i + "\r\n");
            }
            assertThat(sent).allSatisfy(f -> assertThat(f).succeedsWithin(java.time.Duration.ofSeconds(5)));
        }
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void aSendFromAnotherThreadLeavesFromTheListeningPortAndFailsCleanlyOnceClosed(boolean nativeTransport)
            throws Exception {
        InetSocketAddress server = start(config(nativeTransport), "udp:127.0.0.1:0").get(0).address();
        try (var device = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            device.setSoTimeout(TIMEOUT_MS);
            var flow = new Flow(Transport.UDP, server, (InetSocketAddress) device.getLocalSocketAddress(), 0);
            assertThat(transport.sendBytes(flow, bytes("OPTIONS sip:d SIP/2.0\r\n\r\n")))
                    .succeedsWithin(java.time.Duration.ofSeconds(5));
            var packet = new DatagramPacket(new byte[2048], 2048);
            device.receive(packet);
            assertThat(packet.getSocketAddress()).isEqualTo(server);

            transport.close();
            var late = transport.sendBytes(flow, bytes("OPTIONS sip:d SIP/2.0\r\n\r\n"));
            assertThatThrownBy(() -> late.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        }
    }

    @ParameterizedTest(name = "native={0}") // overload shedding counts one read, not every datagram ever read
    @ValueSource(booleans = {true, false})
    void datagramsThatArriveOneAtATimeAreNeverShedAsABurst(boolean nativeTransport) throws Exception {
        InetSocketAddress server = start(config(nativeTransport).withAbuseLimits(20, 100, 3, 1_000),
                "udp:127.0.0.1:0").get(0).address();
        try (var client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            for (int i = 0; i < 12; i++) {
                byte[] register = bytes(SipText.register("UDP", "z9hG4bKone" + i));
                client.send(new DatagramPacket(register, register.length, server));
                handler.next(SipRequest.class);
                Thread.sleep(20);       // the loop has found the socket empty and ended its read by now
            }
        }
        assertThat(transport.counters().shed()).isZero();
    }

    @Test // one sender (an edge proxy, say) is not tied to one event loop and one core: see DatagramSpreading
    void datagramsOfOneSenderAreSpreadOverTheEventLoops() throws Exception {
        InetSocketAddress server = start(config(true), "udp:127.0.0.1:0").get(0).address();
        var threads = new java.util.HashMap<String, Integer>();
        try (var proxy = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            for (int i = 0; i < 200; i++) {
                byte[] register = bytes(SipText.register("UDP", "z9hG4bKspread" + i));
                proxy.send(new DatagramPacket(register, register.length, server));
                threads.merge(handler.next().thread(), 1, Integer::sum);
            }
        }
        // Two loops; with the kernel's hash of the sender all 200 go to one. At random, one of them gets fewer than
        // 60 with a probability of about 6e-9.
        assertThat(threads).hasSize(2);
        assertThat(threads.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(60));
    }

    @ParameterizedTest(name = "native={0}") // RFC 3581 §4, RFC 3261 §18.2.2
    @ValueSource(booleans = {true, false})
    void answersUdpRequestFromTheSocketItArrivedOnToItsSource(boolean nativeTransport) throws Exception {
        InetSocketAddress server = start(config(nativeTransport), "udp:127.0.0.1:0").get(0).address();
        try (var client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(TIMEOUT_MS);
            byte[] register = bytes(SipText.register("UDP", "z9hG4bKudp1"));
            client.send(new DatagramPacket(register, register.length, server));

            RecordingHandler.Event event = handler.next();
            Flow flow = event.flow();
            assertThat(flow).isEqualTo(new Flow(Transport.UDP, server,
                    (InetSocketAddress) client.getLocalSocketAddress(), 0));
            SipRequest request = (SipRequest) event.message();
            Via via = request.topVia();
            assertThat(via.params().get("received")).contains("127.0.0.1");
            assertThat(via.rport()).hasValue(client.getLocalPort());

            transport.send(flow, SipResponse.to(request, 200, "OK")).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);

            var packet = new DatagramPacket(new byte[65_535], 65_535);
            client.receive(packet);
            assertThat(packet.getSocketAddress()).isEqualTo(server);
            var response = (SipResponse) SipText.parse(Arrays.copyOf(packet.getData(), packet.getLength()));
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.topVia().rport()).hasValue(client.getLocalPort());
        }
    }

    @ParameterizedTest(name = "native={0}") // RFC 3261 §18.2.2: the response goes over the request's connection
    @ValueSource(booleans = {true, false})
    void answersTcpRequestOverItsConnection(boolean nativeTransport) throws Exception {
        InetSocketAddress server = start(config(nativeTransport), "tcp:127.0.0.1:0").get(0).address();
        try (var client = connect(server)) {
            client.getOutputStream().write(bytes(SipText.register("TCP", "z9hG4bKtcp1")));

            RecordingHandler.Event event = handler.next();
            Flow flow = event.flow();
            assertThat(flow.transport()).isEqualTo(Transport.TCP);
            assertThat(flow.local()).isEqualTo(server);
            assertThat(flow.remote()).isEqualTo(client.getLocalSocketAddress());
            assertThat(flow.connectionId()).isPositive();
            SipRequest request = (SipRequest) event.message();
            assertThat(request.topVia().rport()).hasValue(client.getLocalPort());

            transport.send(flow, SipResponse.to(request, 200, "OK")).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);

            var response = (SipResponse) SipText.parse(readMessage(client.getInputStream()));
            assertThat(response.status()).isEqualTo(200);
            assertThat(transport.counters().openConnections()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "native={0}") // RFC 5626 §3.5.1
    @ValueSource(booleans = {true, false})
    void answersTcpPingWithPong(boolean nativeTransport) throws Exception {
        InetSocketAddress server = start(config(nativeTransport), "tcp:127.0.0.1:0").get(0).address();
        try (var client = connect(server)) {
            client.getOutputStream().write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] pong = client.getInputStream().readNBytes(2);
            assertThat(new String(pong, StandardCharsets.US_ASCII)).isEqualTo("\r\n");
            assertThat(handler.events).isEmpty();
        }
    }

    @ParameterizedTest(name = "native={0}") // RFC 5626 §8: STUN on the SIP port, answered from that port
    @ValueSource(booleans = {true, false})
    void answersAStunBindingRequestOnTheSipUdpPort(boolean nativeTransport) throws Exception {
        InetSocketAddress server = start(config(nativeTransport), "udp:127.0.0.1:0").get(0).address();
        try (var client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(TIMEOUT_MS);
            byte[] request = java.util.HexFormat.of().parseHex("000100002112a442000102030405060708090a0b");
            client.send(new DatagramPacket(request, request.length, server));

            var packet = new DatagramPacket(new byte[512], 512);
            client.receive(packet);
            assertThat(packet.getSocketAddress()).isEqualTo(server);
            byte[] answer = Arrays.copyOf(packet.getData(), packet.getLength());
            assertThat(answer).startsWith(0x01, 0x01);
            assertThat(Arrays.copyOfRange(answer, 8, 20)).isEqualTo(Arrays.copyOfRange(request, 8, 20));
            // XOR-MAPPED-ADDRESS: port and address XORed with the magic cookie (RFC 5389 §15.2)
            int port = ((answer[26] & 0xFF) << 8 | (answer[27] & 0xFF)) ^ 0x2112;
            byte[] ip = {(byte) (answer[28] ^ 0x21), (byte) (answer[29] ^ 0x12), (byte) (answer[30] ^ 0xA4),
                (byte) (answer[31] ^ 0x42)};
            assertThat(new InetSocketAddress(InetAddress.getByAddress(ip), port))
                    .isEqualTo(client.getLocalSocketAddress());
            assertThat(handler.events).isEmpty();
        }
    }

    @ParameterizedTest(name = "native={0}") // RFC 5626 §5.3: the layers above learn when a flow ends
    @ValueSource(booleans = {true, false})
    void reportsTheFlowOfAClosedConnection(boolean nativeTransport) throws Exception {
        InetSocketAddress server = start(config(nativeTransport), "tcp:127.0.0.1:0").get(0).address();
        Flow flow;
        try (var client = connect(server)) {
            client.getOutputStream().write(bytes(SipText.register("TCP", "z9hG4bKclose")));
            flow = handler.next().flow();
            assertThat(handler.closed).isEmpty();
        }
        assertThat(handler.closed.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS)).isEqualTo(flow);
    }

    @Test
    void closesOnlyTheConnectionThatCannotBeFramed() throws Exception {
        InetSocketAddress server = start(config(false), "tcp:127.0.0.1:0").get(0).address();
        try (var bad = connect(server); var good = connect(server)) {
            bad.getOutputStream().write(bytes("""
                    REGISTER sip:registrar.example.com SIP/2.0
                    Via: SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bKnolen
                    Call-ID: nolen@10.0.0.5

                    """));
            var failed = handler.next(ParseResult.Failed.class);
            assertThat(failed.error().violation()).isEqualTo(Violation.MISSING_CONTENT_LENGTH);
            assertThat(readToEnd(bad.getInputStream())).isEmpty();

            good.getOutputStream().write(bytes(SipText.register("TCP", "z9hG4bKgood")));
            RecordingHandler.Event event = handler.next();
            transport.send(event.flow(), SipResponse.to((SipRequest) event.message(), 200, "OK"))
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertThat(((SipResponse) SipText.parse(readMessage(good.getInputStream()))).status()).isEqualTo(200);
        }
    }

    @Test
    void failsTheSendWhenTheConnectionIsGone() throws Exception {
        InetSocketAddress server = start(config(false), "tcp:127.0.0.1:0").get(0).address();
        Flow flow;
        try (var client = connect(server)) {
            client.getOutputStream().write(bytes("BROKEN sip:x SIP/2.0\r\nContent-Length: z\r\n\r\n"));
            flow = handler.next().flow();
            assertThat(readToEnd(client.getInputStream())).isEmpty();
        }
        Flow closed = flow;
        assertThatThrownBy(() -> transport.sendBytes(closed, new byte[] {'x'}).get())
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(FlowClosedException.class)
                .hasMessageContaining("connection closed");
    }

    @Test
    void closesConnectionsBeyondTheLimit() throws Exception {
        InetSocketAddress server = start(config(false).withMaxTcpConnections(1), "tcp:127.0.0.1:0").get(0).address();
        try (var first = connect(server)) {
            // admitted once its message is through; only then does the second one knock
            first.getOutputStream().write(bytes(SipText.register("TCP", "z9hG4bKfirst")));
            handler.next();
            var second = connect(server);
            try (second) {
                assertThat(second.getInputStream().read()).isEqualTo(-1);
            } catch (SocketException reset) {
                // closed before the client got to read: also a refusal
            }
            assertThat(transport.counters().connectionsRejected()).isEqualTo(1);
            assertThat(transport.counters().openConnections()).isEqualTo(1);
        }
    }

    @Test // RFC 3261 §26.1.5: one host must not take every connection
    void closesConnectionsBeyondTheLimitPerSourceAddress() throws Exception {
        InetSocketAddress server = start(config(false).withAbuseLimits(20, 2, 0, 1_000), "tcp:127.0.0.1:0").get(0)
                .address();
        try (var first = connect(server); var second = connect(server)) {
            first.getOutputStream().write(bytes(SipText.register("TCP", "z9hG4bKone")));
            handler.next();
            second.getOutputStream().write(bytes(SipText.register("TCP", "z9hG4bKtwo")));
            handler.next();
            var third = connect(server);
            try (third) {
                assertThat(third.getInputStream().read()).isEqualTo(-1);
            } catch (SocketException reset) {
                // closed before the client got to read: also a refusal
            }
            assertThat(transport.counters().connectionsRejected()).isEqualTo(1);
        }
        // Once those are gone, the address may connect again.
        awaitOpenConnections(0);
        try (var again = connect(server)) {
            again.getOutputStream().write(bytes(SipText.register("TCP", "z9hG4bKagain")));
            assertThat(handler.next().flow().remote().getPort()).isEqualTo(again.getLocalPort());
        }
    }

    @Test // a client that sends requests and never reads the answers does not get them queued without end
    void closesAConnectionWhosePeerDoesNotReadItsResponses() throws Exception {
        InetSocketAddress server = start(config(false), "tcp:127.0.0.1:0").get(0).address();
        try (var client = connect(server)) {
            client.setReceiveBufferSize(4096);
            client.getOutputStream().write(bytes(SipText.register("TCP", "z9hG4bKdeaf")));
            Flow flow = handler.next().flow();
            byte[] response = new byte[60_000];
            Throwable refused = null;
            for (int i = 0; i < 2_000 && refused == null; i++) {
                try {
                    transport.sendBytes(flow, response).get(50, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    refused = e.getCause();
                } catch (java.util.concurrent.TimeoutException stillQueued) {
                    // the write waits in the outbound buffer; the next send finds the channel unwritable
                }
            }
            assertThat(refused).isInstanceOf(FlowClosedException.class).hasMessageContaining("does not read");
            assertThat(transport.counters().slowReadersClosed()).isEqualTo(1);
        }
    }

    private void awaitOpenConnections(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (transport.counters().openConnections() != count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(transport.counters().openConnections()).isEqualTo(count);
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void servesIpv6(boolean nativeTransport) throws Exception {
        InetSocketAddress server = start(config(nativeTransport), "udp:[::1]:0").get(0).address();
        try (var client = new DatagramSocket(new InetSocketAddress("::1", 0))) {
            client.setSoTimeout(TIMEOUT_MS);
            byte[] register = bytes(SipText.register("UDP", "z9hG4bKv6"));
            client.send(new DatagramPacket(register, register.length, server));

            RecordingHandler.Event event = handler.next();
            assertThat(event.flow().toString()).startsWith("udp [::1]:" + client.getLocalPort() + "->[::1]:");
            SipRequest request = (SipRequest) event.message();
            assertThat(request.topVia().params().get("received")).contains("::1");

            transport.send(event.flow(), SipResponse.to(request, 200, "OK")).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            var packet = new DatagramPacket(new byte[65_535], 65_535);
            client.receive(packet);
            assertThat(((SipResponse) SipText.parse(Arrays.copyOf(packet.getData(), packet.getLength()))).status())
                    .isEqualTo(200);
        }
    }

    @Test // IPV6_V6ONLY keeps the two wildcard sockets apart
    void listensOnIpv4AndIpv6WildcardsOnOnePort() throws Exception {
        int port;
        try (var probe = new DatagramSocket(0)) {
            port = probe.getLocalPort();
        }
        List<BoundListener> bound = start(config(true), "udp:0.0.0.0:" + port, "udp:[::]:" + port,
                "tcp:0.0.0.0:" + port, "tcp:[::]:" + port);
        assertThat(bound).extracting(listener -> listener.address().getPort()).containsOnly(port);

        try (var client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            byte[] register = bytes(SipText.register("UDP", "z9hG4bKv4"));
            client.send(new DatagramPacket(register, register.length, new InetSocketAddress("127.0.0.1", port)));
            assertThat(handler.next().flow().local()).isEqualTo(new InetSocketAddress("0.0.0.0", port));
        }
    }

    @Test
    void refusesToStartOnAPortInUse() throws Exception {
        try (var taken = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            transport = new SipTransport(config(false));
            String spec = "udp:127.0.0.1:" + taken.getLocalPort();
            assertThatThrownBy(() -> transport.start(List.of(ListenAddress.parse(spec)), handler))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot listen on " + spec);
        }
    }

    @Test
    void closeIsIdempotent() {
        start(config(false), "udp:127.0.0.1:0", "tcp:127.0.0.1:0");
        transport.close();
        transport.close();
    }

    private static Socket connect(InetSocketAddress server) throws IOException {
        var socket = new Socket();
        socket.connect(server, TIMEOUT_MS);
        socket.setSoTimeout(TIMEOUT_MS);
        return socket;
    }

    /** Reads one message with Content-Length: 0, i.e. up to the empty line. */
    private static byte[] readMessage(InputStream in) throws IOException {
        var out = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("connection closed before a whole message: " + out);
            }
            out.write(b);
            byte[] so = out.toByteArray();
            int n = so.length;
            if (n >= 4 && so[n - 4] == '\r' && so[n - 3] == '\n' && so[n - 2] == '\r' && so[n - 1] == '\n') {
                return so;
            }
        }
    }

    private static byte[] readToEnd(InputStream in) throws IOException {
        return in.readAllBytes();
    }
}
