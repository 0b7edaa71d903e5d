package io.sipreg.transport;

import static io.sipreg.transport.SipText.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.sipreg.message.HeaderName;
import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParser;
import io.sipreg.message.SipRequest;
import io.sipreg.message.Via;
import io.sipreg.message.Violation;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class SipDatagramDecoderTest {
    private static final InetSocketAddress LOCAL = new InetSocketAddress("192.0.2.1", 5060);
    private static final InetSocketAddress REMOTE = new InetSocketAddress("203.0.113.5", 40211);

    private final Counters counters = new Counters();
    private final RecordingHandler handler = new RecordingHandler();

    private EmbeddedChannel decoderOnly() {
        return new EmbeddedChannel(new SipDatagramDecoder(SipParser.strict(), counters));
    }

    private EmbeddedChannel withDispatcher() {
        return new EmbeddedChannel(new SipDatagramDecoder(SipParser.strict(), counters),
                new InboundDispatcher(handler, counters));
    }

    private static DatagramPacket datagram(byte[] data) {
        return new DatagramPacket(Unpooled.wrappedBuffer(data), LOCAL, REMOTE);
    }

    @Test
    void decodesOneDatagramAsOneMessageWithItsFlow() {
        EmbeddedChannel channel = decoderOnly();
        channel.writeInbound(datagram(bytes(SipText.register("UDP", "z9hG4bK1"))));

        ReceivedMessage received = channel.readInbound();
        assertThat(received.flow()).isEqualTo(new Flow(Transport.UDP, LOCAL, REMOTE, 0));
        assertThat(received.result()).isInstanceOf(ParseResult.Parsed.class);
        assertThat((Object) channel.readInbound()).isNull();
    }

    @Test // RFC 5626 §3.5.1 keepalives, as devices also send them over UDP
    void ignoresCrlfOnlyDatagrams() {
        EmbeddedChannel channel = decoderOnly();
        channel.writeInbound(datagram(new byte[] {'\r', '\n', '\r', '\n'}));
        channel.writeInbound(datagram(new byte[] {'\r', '\n'}));

        assertThat((Object) channel.readInbound()).isNull();
        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(counters.keepalives.sum()).isEqualTo(2);
        assertThat(counters.malformed.sum()).isZero();
    }

    @Test // RFC 5626 §4.4.2 and §8: a STUN keepalive is answered from the same socket, never handed up as SIP
    void answersStunBindingRequestsWithTheSourceAddress() {
        byte[] stun = java.util.HexFormat.of().parseHex("000100002112a442b7e7a701bc34d686fa87dfae");
        EmbeddedChannel channel = withDispatcher();
        channel.writeInbound(datagram(stun));

        DatagramPacket answer = channel.readOutbound();
        assertThat(answer.recipient()).isEqualTo(REMOTE);
        byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(answer.content());
        answer.release();
        assertThat(bytes).isEqualTo(StunBinding.answer(stun, REMOTE).orElseThrow());
        assertThat(handler.events).isEmpty();
        assertThat(counters.keepalives.sum()).isEqualTo(1);
        assertThat(counters.malformed.sum()).isZero();
    }

    @Test // RFC 5389 §7.3: a Binding indication needs no answer
    void dropsOtherStunMessagesSilently() {
        byte[] indication = java.util.HexFormat.of().parseHex("001100002112a442b7e7a701bc34d686fa87dfae");
        EmbeddedChannel channel = withDispatcher();
        channel.writeInbound(datagram(indication));

        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(handler.events).isEmpty();
        assertThat(counters.malformed.sum()).isZero();
    }

    @Test
    void reportsAMalformedDatagram() {
        EmbeddedChannel channel = withDispatcher();
        channel.writeInbound(datagram(bytes("""
                REGISTER sip:registrar.example.com SIP/2.0
                Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKnocseq;rport
                Max-Forwards: 70
                To: Bob <sip:bob@example.com>
                From: Bob <sip:bob@example.com>;tag=456248
                Call-ID: nocseq@10.0.0.5
                Content-Length: 0

                """)));

        RecordingHandler.Event event = handler.events.poll();
        assertThat(event.flow()).isEqualTo(new Flow(Transport.UDP, LOCAL, REMOTE, 0));
        ParseResult.Failed failed = (ParseResult.Failed) event.message();
        assertThat(failed.error().violation()).isEqualTo(Violation.MISSING_CSEQ);
        // the 400 built from these headers goes back to where the request came from
        Via via = Via.parse(failed.partialHeaders().first(HeaderName.VIA).orElseThrow());
        assertThat(via.rport()).hasValue(40211);
        assertThat(counters.malformed.sum()).isEqualTo(1);
    }

    @Test // RFC 3581 §4, RFC 3261 §18.2.1
    void handsUpRequestsWithReceivedAndRport() {
        EmbeddedChannel channel = withDispatcher();
        channel.writeInbound(datagram(bytes(SipText.register("UDP", "z9hG4bK1"))));

        SipRequest request = (SipRequest) handler.events.poll().message();
        assertThat(request.topVia().params().get("received")).contains("203.0.113.5");
        assertThat(request.topVia().rport()).hasValue(40211);
    }

    @Test
    void keepsTheSocketWhenTheHandlerThrows() {
        EmbeddedChannel channel = withDispatcher();
        handler.failWith = new IllegalStateException("handler bug");
        channel.writeInbound(datagram(bytes(SipText.register("UDP", "z9hG4bK1"))));
        handler.failWith = null;
        channel.writeInbound(datagram(bytes(SipText.register("UDP", "z9hG4bK2"))));

        assertThat(handler.events).hasSize(2);
        assertThat(channel.isOpen()).isTrue();
        assertThat(counters.internalErrors.sum()).isEqualTo(1);
    }

    @Test // overload: a socket far behind drops what can wait before parsing it, and catches up
    void dropsRequestsWithoutCredentialsUnparsedWhenOneReadGoesOnBeyondTheThreshold() {
        var channel = new EmbeddedChannel(new SipDatagramDecoder(SipParser.strict(), counters, 10));
        byte[] fresh = bytes(SipText.register("UDP", "z9hG4bKnew"));
        byte[] refresh = bytes(SipText.register("UDP", "z9hG4bKrefresh").replace("Content-Length: 0",
                "Authorization: Digest username=\"bob\", realm=\"example.com\", nonce=\"n\", uri=\"sip:x\", "
                        + "response=\"0\"\r\nContent-Length: 0"));
        byte[] answer = bytes("""
                SIP/2.0 200 OK
                Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKka1
                To: <sip:bob@10.0.0.5>;tag=x
                From: <sip:registrar.example.com>;tag=y
                Call-ID: ka1
                CSeq: 1 OPTIONS
                Content-Length: 0

                """);
        var burst = new Object[60];
        for (int i = 0; i < burst.length; i++) {
            burst[i] = datagram(i % 3 == 0 ? fresh : i % 3 == 1 ? refresh : answer);
        }
        channel.writeInbound(burst);

        int requests = 0;
        int refreshes = 0;
        int responses = 0;
        for (ReceivedMessage m; (m = channel.readInbound()) != null; ) {
            var message = ((ParseResult.Parsed) m.result()).message();
            if (message instanceof SipRequest r) {
                requests++;
                refreshes += r.headers().contains(HeaderName.AUTHORIZATION) ? 1 : 0;
            } else {
                responses++;
            }
        }
        // The first 10 all; of the rest (up to 40) the refreshes; past 40 no request at all; every response.
        assertThat(responses).isEqualTo(20);
        assertThat(requests - refreshes).isEqualTo(4);
        assertThat(refreshes).isEqualTo(3 + 10);
        assertThat(counters.shed.sum()).isEqualTo(60 - 20 - 17);

        // The socket was emptied: the next read starts a new burst and parses everything again.
        channel.writeInbound(datagram(fresh));
        assertThat((Object) channel.readInbound()).isNotNull();
    }

    @Test // reads are bounded per wake-up: full reads in a row add up to the backlog; a short one clears it
    void countsTheBacklogAcrossFullReadsUntilOneEndsShort() {
        var channel = new EmbeddedChannel(new SipDatagramDecoder(SipParser.strict(), counters, 100));
        byte[] fresh = bytes(SipText.register("UDP", "z9hG4bKnew"));

        for (int read = 0; read < 2; read++) {
            channel.writeInbound(fullRead(fresh, fresh));   // one read that filled the limit, then channelReadComplete
        }
        // 128 read without the socket emptying: those past 100 were shed.
        assertThat(counters.shed.sum()).isEqualTo(2L * SipDatagramDecoder.READS_PER_WAKEUP - 100);

        channel.writeInbound(datagram(fresh), datagram(fresh));   // a short read: the socket is empty again
        channel.writeInbound(datagram(fresh));
        assertThat(counters.shed.sum()).isEqualTo(2L * SipDatagramDecoder.READS_PER_WAKEUP - 100 + 2);
        channel.writeInbound(datagram(fresh));
        assertThat(counters.shed.sum()).isEqualTo(2L * SipDatagramDecoder.READS_PER_WAKEUP - 100 + 2);
    }

    @Test // near capacity a socket goes long without running empty while few datagrams wait: nothing is shed
    void shedsOnlyWhileTheKernelsReceiveBufferIsAtLeastHalfFull() throws InterruptedException {
        double[] fill = {0.1};
        int[] asked = {0};
        ReceiveQueue queue = ch -> {
            asked[0]++;
            return java.util.OptionalDouble.of(fill[0]);
        };
        var channel = new EmbeddedChannel(new SipDatagramDecoder(SipParser.strict(), counters, 100, queue));
        byte[] fresh = bytes(SipText.register("UDP", "z9hG4bKnew"));

        for (int read = 0; read < 4; read++) {
            channel.writeInbound(fullRead(fresh, fresh));
        }
        assertThat(counters.shed.sum()).isZero();
        // Asked again only after QUEUE_CHECK_NANOS: not once for each of the 156 datagrams past the threshold.
        assertThat(asked[0]).isBetween(1, 20);

        fill[0] = 0.6;
        Thread.sleep(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(SipDatagramDecoder.QUEUE_CHECK_NANOS) + 1);
        channel.writeInbound(fullRead(fresh, fresh));
        assertThat(counters.shed.sum()).isEqualTo(SipDatagramDecoder.READS_PER_WAKEUP);
        channel.releaseInbound();
    }

    @Test // a keepalive is a datagram of the read like any other: a read it helps fill was not the socket emptying
    void keepalivesCountTowardsAFullRead() {
        var channel = new EmbeddedChannel(new SipDatagramDecoder(SipParser.strict(), counters, 100));
        byte[] fresh = bytes(SipText.register("UDP", "z9hG4bKnew"));
        for (int read = 0; read < 2; read++) {
            channel.writeInbound(fullRead(bytes("\r\n\r\n"), fresh));
        }

        assertThat(counters.keepalives.sum()).isEqualTo(2);
        assertThat(counters.shed.sum()).isEqualTo(2L * SipDatagramDecoder.READS_PER_WAKEUP - 100);
    }

    /** The datagrams of one read that fills {@link SipDatagramDecoder#READS_PER_WAKEUP}: {@code first}, then the rest. */
    private static Object[] fullRead(byte[] first, byte[] rest) {
        var full = new Object[SipDatagramDecoder.READS_PER_WAKEUP];
        for (int i = 0; i < full.length; i++) {
            full[i] = datagram(i == 0 ? first : rest);
        }
        return full;
    }

    @Test
    void recognisesCredentialsByTheHeaderNameAtALineStart() {
        assertThat(SipDatagramDecoder.hasCredentials(Unpooled.wrappedBuffer(bytes(
                "REGISTER sip:a SIP/2.0\nproxy-authorization: Digest x\n\n")))).isTrue();
        assertThat(SipDatagramDecoder.hasCredentials(Unpooled.wrappedBuffer(bytes(
                "REGISTER sip:a SIP/2.0\nX-Authorization: Digest x\nSubject: Authorization: no\n\n")))).isFalse();
    }
}
