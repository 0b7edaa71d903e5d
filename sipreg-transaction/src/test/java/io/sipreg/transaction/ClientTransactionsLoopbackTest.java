package io.sipreg.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.Body;
import io.sipreg.message.HeaderName;
import io.sipreg.message.Headers;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.SipUri;
import io.sipreg.transport.Flow;
import io.sipreg.transport.ListenAddress;
import io.sipreg.transport.SipTransport;
import io.sipreg.transport.Transport;
import io.sipreg.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two real transports on loopback: the "registrar" sends an OPTIONS from its UDP listener to the "device", whose
 * server transactions answer it; the answer comes back through the registrar's server transactions to its client
 * transactions, as in {@code sipreg serve}.
 */
class ClientTransactionsLoopbackTest {
    private ScheduledExecutorService scheduler;
    private SipTransport registrar;
    private SipTransport device;
    private ClientTransactions client;
    private InetSocketAddress registrarUdp;
    private InetSocketAddress deviceUdp;

    @BeforeEach
    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        TransactionTimers timers = TransactionTimers.of(scheduler);

        device = new SipTransport(TransportConfig.defaults().withIoThreads(1));
        RequestHandler phone = (request, flow) -> CompletableFuture.completedFuture(
                ToTag.ensure(SipResponse.to(request, 200, "OK")));
        deviceUdp = device.start(List.of(ListenAddress.parse("udp:127.0.0.1:0")),
                new ServerTransactions(device, phone, timers)).get(0).address();

        registrar = new SipTransport(TransportConfig.defaults().withIoThreads(1));
        client = new ClientTransactions(registrar, timers, TransactionConfig.defaults(), "example.com");
        var inbound = new ServerTransactions(registrar, (request, flow) -> new CompletableFuture<>(), timers);
        inbound.setResponseListener(client);
        registrarUdp = registrar.start(List.of(ListenAddress.parse("udp:127.0.0.1:0")), inbound).get(0).address();
    }

    @AfterEach
    void stop() {
        registrar.close();
        device.close();
        scheduler.shutdownNow();
    }

    @Test // RFC 3261 §17.1.2 over a real socket: sent from a chosen listener to any address, answered, matched
    void sendsFromTheChosenListenerAndCompletesWithTheAnswer() throws Exception {
        SipRequest options = new SipRequest("OPTIONS", SipUri.parse("sip:alice@" + "127.0.0.1:" + deviceUdp.getPort()),
                Headers.builder()
                        .add(HeaderName.MAX_FORWARDS, "70")
                        .add(HeaderName.TO, "<sip:alice@example.com>")
                        .add(HeaderName.FROM, "<sip:sipreg@example.com>;tag=1")
                        .add(HeaderName.CALL_ID, "loopback-ka@example.com")
                        .add(HeaderName.CSEQ, "1 OPTIONS")
                        .build(), Body.EMPTY);

        SipResponse answer = client.send(options, new Flow(Transport.UDP, registrarUdp, deviceUdp, 0))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.topVia().host() + ":" + answer.topVia().port())
                .isEqualTo("127.0.0.1:" + registrarUdp.getPort());
        // RFC 3581 §4: the device filled rport with the port the OPTIONS came from, our listener
        assertThat(answer.topVia().rport()).hasValue(registrarUdp.getPort());
        assertThat(client.size()).isZero();
    }
}
