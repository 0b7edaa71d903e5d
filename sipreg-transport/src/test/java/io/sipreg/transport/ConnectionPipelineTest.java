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
        return connection(TransportConfig.defaults().withTcpIdleTimeoutSeconds(idleSeconds));
    }

    private EmbeddedChannel connection(TransportConfig config) {
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

    @Test // slowloris: one byte now and then keeps the idle timeout from firing, not the partial-message timeout
    void closesAConnectionWhoseMessageTricklesInPastThePartialMessageTimeout() {
        EmbeddedChannel channel = connection(TransportConfig.defaults().withAbuseLimits(20, 100, 0, 1_000));
        byte[] register = bytes(SipText.register("TCP", "z9hG4bKslow"));
        for (int i = 0; i < 39; i++) {
            channel.writeInbound(Unpooled.wrappedBuffer(register, i, 1));
            channel.advanceTimeBy(500, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
        }
        assertThat(channel.isOpen()).as("19.5 s after the first byte").isTrue();

        channel.writeInbound(Unpooled.wrappedBuffer(register, 39, 1));
        channel.advanceTimeBy(600, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        assertThat(counters.partialTimeouts.sum()).isEqualTo(1);
        assertThat(handler.events).isEmpty();
    }

    @Test // the timeout is per message: a connection that completes its messages stays, however long it lives
    void theTimeoutCountsFromTheFirstByteOfEachMessage() {
        EmbeddedChannel channel = connection(TransportConfig.defaults().withAbuseLimits(20, 100, 0, 1_000));
        byte[] register = bytes(SipText.register("TCP", "z9hG4bKhalf"));
        int half = register.length / 2;
        for (int round = 0; round < 4; round++) {
            channel.writeInbound(Unpooled.wrappedBuffer(register, 0, half));
            channel.advanceTimeBy(15, TimeUnit.SECONDS);
            channel.runScheduledPendingTasks();
            channel.writeInbound(Unpooled.wrappedBuffer(register, half, register.length - half));
            channel.advanceTimeBy(15, TimeUnit.SECONDS);
            channel.runScheduledPendingTasks();
        }
        assertThat(channel.isOpen()).isTrue();
        assertThat(handler.events).hasSize(4);
        assertThat(counters.partialTimeouts.sum()).isZero();
    }
}
