package io.sipreg.transport;

import static io.sipreg.transport.SipText.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Flows opened from this side, as the registration client opens them, on real loopback sockets. */
class OutboundFlowTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private final RecordingHandler handler = new RecordingHandler();
    private SipTransport transport;

    @AfterEach
    void close() {
        if (transport != null) {
            transport.close();
        }
    }

    private void start(boolean nativeTransport) {
        if (nativeTransport) {
            assumeTrue(Epoll.isAvailable(), "epoll not available here");
        }
        transport = new SipTransport(TransportConfig.defaults().withNativeTransport(nativeTransport));
        transport.start(List.of(), handler);
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void sendsOverAConnectedUdpSocketAndReceivesTheAnswerAndRequestsOnIt(boolean nativeTransport) throws Exception {
        start(nativeTransport);
        try (var registrar = new DatagramSocket(ANY_LOOPBACK)) {
            registrar.setSoTimeout(5_000);
            Flow flow = transport.open(Transport.UDP, ANY_LOOPBACK,
                    (InetSocketAddress) registrar.getLocalSocketAddress()).get(5, TimeUnit.SECONDS);
            assertThat(flow.local().getAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
            assertThat(flow.local().getPort()).isPositive();

            transport.sendBytes(flow, bytes(SipText.register("UDP", "z9hG4bKout1"))).get(5, TimeUnit.SECONDS);
            var packet = new DatagramPacket(new byte[4096], 4096);
            registrar.receive(packet);
            assertThat(packet.getPort()).isEqualTo(flow.local().getPort());

            byte[] options = bytes("OPTIONS sip:alice@127.0.0.1 SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKopt1\r\n"
                    + "From: <sip:registrar@example.com>;tag=1\r\nTo: <sip:alice@example.com>\r\n"
                    + "Call-ID: ka1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
            registrar.send(new DatagramPacket(options, options.length, flow.local()));
            RecordingHandler.Event event = handler.next();
            assertThat(event.message()).isInstanceOf(SipRequest.class);
            assertThat(event.flow()).isEqualTo(flow);
        }
    }

    @ParameterizedTest(name = "native={0}") // Linux reports ICMP errors to connected UDP sockets only
    @ValueSource(booleans = {true, false})
    void reportsAnIcmpPortUnreachableAsAFlowError(boolean nativeTransport) throws Exception {
        start(nativeTransport);
        InetSocketAddress closed;
        try (var socket = new DatagramSocket(ANY_LOOPBACK)) {
            closed = (InetSocketAddress) socket.getLocalSocketAddress();
        }
        var errors = new java.util.concurrent.LinkedBlockingQueue<Throwable>();
        transport.close();
        transport = new SipTransport(TransportConfig.defaults().withNativeTransport(nativeTransport));
        transport.start(List.of(), new RecordingHandler() {
            @Override
            public void onFlowError(Flow flow, Throwable cause) {
                errors.add(cause);
            }
        });
        Flow flow = transport.open(Transport.UDP, ANY_LOOPBACK, closed).get(5, TimeUnit.SECONDS);
        transport.sendBytes(flow, bytes(SipText.register("UDP", "z9hG4bKout2"))).get(5, TimeUnit.SECONDS);

        Throwable error = errors.poll(5, TimeUnit.SECONDS);
        assertThat(error).isInstanceOf(PortUnreachableException.class);
    }

    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void connectsOverTcpAndFailsWhenNothingListens(boolean nativeTransport) throws Exception {
        start(nativeTransport);
        int closedPort;
        try (var socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
        assertThatThrownBy(() -> transport.open(Transport.TCP, ANY_LOOPBACK,
                new InetSocketAddress("127.0.0.1", closedPort)).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(ConnectException.class);

        try (var registrar = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Flow flow = transport.open(Transport.TCP, ANY_LOOPBACK,
                    (InetSocketAddress) registrar.getLocalSocketAddress()).get(5, TimeUnit.SECONDS);
            try (var accepted = registrar.accept()) {
                transport.sendBytes(flow, bytes(SipText.register("TCP", "z9hG4bKout3"))).get(5, TimeUnit.SECONDS);
                accepted.getOutputStream().write(bytes("SIP/2.0 200 OK\r\n"
                        + "Via: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKout3\r\n"
                        + "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>;tag=2\r\n"
                        + "Call-ID: c1\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n"));
                assertThat(handler.next(SipResponse.class).status()).isEqualTo(200);
            }
            assertThat(handler.closed.poll(5, TimeUnit.SECONDS)).isEqualTo(flow);
        }
    }
}
