package io.sipreg.transport;

import static io.sipreg.transport.SipText.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.Via;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** SIP over TLS (RFC 3261 §26.2) between a listener and a flow opened from this side, on loopback. */
class TlsLoopbackTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static final TlsCredentials SERVER =
            TestCertificates.selfSigned("registrar.test", Duration.ofDays(1), "localhost", "127.0.0.1");

    private final RecordingHandler serverSide = new RecordingHandler();
    private final LinkedBlockingQueue<Flow> pongs = new LinkedBlockingQueue<>();
    private final RecordingHandler clientSide = new RecordingHandler() {
        @Override
        public void onKeepaliveAnswer(Flow flow) {
            pongs.add(flow);
        }
    };
    private SipTransport server;
    private SipTransport client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private InetSocketAddress listen(ServerTls tls) {
        server = new SipTransport(TransportConfig.defaults().withIoThreads(1));
        BoundListener bound = server.start(List.of(ListenAddress.parse("tls:127.0.0.1:0")), serverSide,
                Optional.of(tls)).get(0);
        assertThat(bound.transport()).isEqualTo(Transport.TLS);
        client = new SipTransport(TransportConfig.defaults().withIoThreads(1));
        client.start(List.of(), clientSide);
        return bound.address();
    }

    private Flow open(InetSocketAddress registrar, String serverName, ClientTls tls) throws Exception {
        return client.openTls(ANY_LOOPBACK, registrar, serverName, tls).get(5, TimeUnit.SECONDS);
    }

    private static TlsHandshakeException handshakeFailure(ThrowableCallable call) {
        try {
            call.call();
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(TlsHandshakeException.class);
            return (TlsHandshakeException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError("expected a failed handshake, got " + e, e);
        }
        throw new AssertionError("expected a failed handshake, but it succeeded");
    }

    interface ThrowableCallable {
        void call() throws Exception;
    }

    @Test // RFC 3261 §26.2, §18.2.2: the response goes back over the connection the request came on
    void carriesARegisterAndItsResponseOverOneTlsConnection() throws Exception {
        InetSocketAddress registrar = listen(ServerTls.of(SERVER));
        Flow flow = open(registrar, "127.0.0.1", ClientTls.trusting(SERVER.chain()));
        assertThat(flow.transport()).isEqualTo(Transport.TLS);

        client.sendBytes(flow, bytes(SipText.register("TLS", "z9hG4bKtls1"))).get(5, TimeUnit.SECONDS);
        RecordingHandler.Event event = serverSide.next();
        SipRequest request = (SipRequest) event.message();
        assertThat(event.flow().transport()).isEqualTo(Transport.TLS);
        assertThat(event.flow().remote()).isEqualTo(flow.local());
        // RFC 3581 §4 as for TCP: the source address and port are recorded on the Via.
        Via via = request.topVia();
        assertThat(via.received()).contains("127.0.0.1");
        assertThat(via.rport()).hasValue(flow.local().getPort());

        server.sendBytes(event.flow(), io.sipreg.message.SipWriter.write(SipResponse.to(request, 200, "OK")))
                .get(5, TimeUnit.SECONDS);
        assertThat(clientSide.next(SipResponse.class).status()).isEqualTo(200);
    }

    @Test // RFC 5626 §3.5.1: the double-CRLF ping and its CRLF pong travel inside TLS too
    void answersACrlfKeepaliveInsideTls() throws Exception {
        InetSocketAddress registrar = listen(ServerTls.of(SERVER));
        Flow flow = open(registrar, "localhost", ClientTls.trusting(SERVER.chain()));

        client.sendKeepalive(flow).get(5, TimeUnit.SECONDS);

        assertThat(pongs.poll(5, TimeUnit.SECONDS)).isEqualTo(flow);
    }

    @Test
    void refusesASelfSignedCertificateThatIsNotTrusted() {
        InetSocketAddress registrar = listen(ServerTls.of(SERVER));

        TlsHandshakeException failure = handshakeFailure(() -> open(registrar, "127.0.0.1", ClientTls.systemTrust()));

        assertThat(failure.problem()).isEqualTo(TlsHandshakeException.Problem.CERTIFICATE_NOT_TRUSTED);
        assertThat(failure.getMessage()).startsWith("certificate not trusted: CN=registrar.test (serial ")
                .contains("is self-signed");
        assertThat(serverSide.events).isEmpty();
    }

    @Test // RFC 5922 §7.2, checked as RFC 2818 does: the name asked for must be in the certificate
    void refusesACertificateForAnotherName() {
        InetSocketAddress registrar = listen(ServerTls.of(SERVER));

        TlsHandshakeException failure = handshakeFailure(
                () -> open(registrar, "sip.example.org", ClientTls.trusting(SERVER.chain())));

        assertThat(failure.problem()).isEqualTo(TlsHandshakeException.Problem.CERTIFICATE_NAME_MISMATCH);
        assertThat(failure.getMessage())
                .isEqualTo("certificate does not match sip.example.org: CN=registrar.test is for localhost, 127.0.0.1");
    }

    @Test
    void refusesAnExpiredCertificate() {
        TlsCredentials expired = TestCertificates.selfSigned("old.test", Instant.now().minus(Duration.ofDays(10)),
                Duration.ofDays(1), "127.0.0.1");
        InetSocketAddress registrar = listen(ServerTls.of(expired));

        TlsHandshakeException failure = handshakeFailure(
                () -> open(registrar, "127.0.0.1", ClientTls.trusting(expired.chain())));

        assertThat(failure.problem()).isEqualTo(TlsHandshakeException.Problem.CERTIFICATE_EXPIRED);
        assertThat(failure.getMessage()).startsWith("certificate expired: CN=old.test, serial ");
    }

    @Test
    void insecureAcceptsAnyCertificate() throws Exception {
        InetSocketAddress registrar = listen(ServerTls.of(SERVER));

        Flow flow = open(registrar, "sip.example.org", ClientTls.insecure());

        assertThat(flow.transport()).isEqualTo(Transport.TLS);
        assertThat(ClientTls.insecure().verifies()).isFalse();
    }

    @Test
    void newConnectionsGetAReplacedCertificateWhileOpenOnesGoOn() throws Exception {
        ServerTls tls = ServerTls.of(SERVER);
        InetSocketAddress registrar = listen(tls);
        Flow before = open(registrar, "127.0.0.1", ClientTls.trusting(SERVER.chain()));
        TlsCredentials renewed = TestCertificates.selfSigned("renewed.test", Duration.ofDays(1), "127.0.0.1");

        tls.replace(renewed);

        assertThat(tls.credentials()).isEqualTo(renewed);
        assertThat(handshakeFailure(() -> open(registrar, "127.0.0.1", ClientTls.trusting(SERVER.chain())))
                .problem()).isEqualTo(TlsHandshakeException.Problem.CERTIFICATE_NOT_TRUSTED);
        open(registrar, "127.0.0.1", ClientTls.trusting(renewed.chain()));
        client.sendBytes(before, bytes(SipText.register("TLS", "z9hG4bKtls2"))).get(5, TimeUnit.SECONDS);
        assertThat(serverSide.next().message()).isInstanceOf(SipRequest.class);
    }

    @Test
    void aPlainTcpPortIsNamedAsNotSpeakingTls() throws Exception {
        listen(ServerTls.of(SERVER));
        try (var plain = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            var registrar = (InetSocketAddress) plain.getLocalSocketAddress();
            var future = client.openTls(ANY_LOOPBACK, registrar, "127.0.0.1", ClientTls.trusting(SERVER.chain()));
            try (var accepted = plain.accept()) {
                accepted.getOutputStream().write(bytes("SIP/2.0 400 Bad Request\r\n\r\n"));
                // Not the 5 s of the other tests: under the whole suite's load the client's first handshake here
                // once took longer (a TimeoutException). A client that never noticed would fail on its own
                // handshake timeout instead ("no TLS server answered"), which the message assertion tells apart.
                TlsHandshakeException failure = handshakeFailure(() -> future.get(30, TimeUnit.SECONDS));
                assertThat(failure.problem()).isEqualTo(TlsHandshakeException.Problem.HANDSHAKE_FAILED);
                assertThat(failure.getMessage()).startsWith("TLS handshake with 127.0.0.1 failed: ")
                        .endsWith(": the other side does not speak TLS");
            }
        }
    }

    @Test
    void aTlsListenerNeedsACertificate() {
        server = new SipTransport(TransportConfig.defaults().withIoThreads(1));

        assertThatThrownBy(() -> server.start(List.of(ListenAddress.parse("tls:127.0.0.1:0")), serverSide))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot listen on tls:127.0.0.1:0: no TLS certificate");
    }
}
