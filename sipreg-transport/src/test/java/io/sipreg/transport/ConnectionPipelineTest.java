package io.sipreg.transport;

import static io.sipreg.transport.SipText.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sipreg.message.SipParser;
import io.sipreg.message.SipRequest;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The whole pipeline of one TCP connection, as SipTransport builds it, on an EmbeddedChannel with a fake clock. */
class ConnectionPipelineTest {
    private static final Flow FLOW = new Flow(Transport.TCP, new InetSocketAddress("192.0.2.1", 5060),
            new InetSocketAddress("203.0.113.5", 40211), 3);

    private final Counters counters = new Counters();
    private final RecordingHandler handler = new RecordingHandler();

    private EmbeddedChannel connection(int idleSeconds) {
        var config = TransportConfig.defaults().withTcpIdleTimeoutSeconds(idleSeconds);
        return new EmbeddedChannel(SipTransport.connectionHandlers(config, SipParser.strict(), FLOW, counters,
                new InboundDispatcher(handler, counters)));
    }

    @Test
    void closesAnIdleConnectionAfterTheTimeout() {
        EmbeddedChannel channel = connection(60);
        channel.advanceTimeBy(59, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();

        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        assertThat(counters.idleClosed.sum()).isEqualTo(1);
    }

    @Test // RFC 5626 §4.4.1: a client's keepalives keep its connection
    void keepalivesCountAsTraffic() {
        EmbeddedChannel channel = connection(60);
        for (int minute = 0; minute < 5; minute++) {
            channel.advanceTimeBy(50, TimeUnit.SECONDS);
            channel.runScheduledPendingTasks();
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'\r', '\n', '\r', '\n'}));
            channel.runPendingTasks();
        }
        assertThat(channel.isOpen()).isTrue();
        assertThat(counters.keepalives.sum()).isEqualTo(5);
    }

    @Test
    void deliversStampedRequestsWithTheConnectionFlow() {
        EmbeddedChannel channel = connection(60);
        channel.writeInbound(Unpooled.wrappedBuffer(bytes(SipText.register("TCP", "z9hG4bKtcp1"))));

        RecordingHandler.Event event = handler.events.poll();
        assertThat(event.flow()).isEqualTo(FLOW);
        SipRequest request = (SipRequest) event.message();
        assertThat(request.topVia().params().get("received")).contains("203.0.113.5");
        assertThat(request.topVia().rport()).hasValue(40211);
    }
}
