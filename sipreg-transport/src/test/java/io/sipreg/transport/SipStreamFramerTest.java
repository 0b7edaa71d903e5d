package io.sipreg.transport;

import static io.sipreg.transport.SipText.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sipreg.message.HeaderName;
import io.sipreg.message.ParseLimits;
import io.sipreg.message.ParseResult;
import io.sipreg.message.SipMessage;
import io.sipreg.message.SipParser;
import io.sipreg.message.SipRequest;
import io.sipreg.message.Violation;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SipStreamFramerTest {
    static final Flow FLOW = new Flow(Transport.TCP, new InetSocketAddress("192.0.2.1", 5060),
            new InetSocketAddress("203.0.113.5", 40211), 7);

    static final byte[] REGISTER = bytes(SipText.register("TCP", "z9hG4bKnashds7"));

    static final byte[] OPTIONS_WITH_BODY = bytes("""
            OPTIONS sip:registrar.example.com SIP/2.0
            Via: SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bKopt1
            Max-Forwards: 70
            To: <sip:registrar.example.com>
            From: <sip:bob@example.com>;tag=a1
            Call-ID: opt-1@10.0.0.5
            CSeq: 7 OPTIONS
            Content-Type: text/plain
            Content-Length: 11

            hello
            body""");

    private final Counters counters = new Counters();

    private EmbeddedChannel channel() {
        return channel(SipParser.strict());
    }

    private EmbeddedChannel channel(SipParser parser) {
        return new EmbeddedChannel(new SipStreamFramer(parser, FLOW, counters));
    }

    private static List<ReceivedMessage> inbound(EmbeddedChannel channel) {
        var received = new ArrayList<ReceivedMessage>();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            received.add((ReceivedMessage) msg);
        }
        return received;
    }

    private static List<String> outbound(EmbeddedChannel channel) {
        var written = new ArrayList<String>();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            if (buf.isReadable()) {
                written.add(buf.toString(StandardCharsets.US_ASCII));
            }
            buf.release();
        }
        return written;
    }

    private static SipMessage message(ReceivedMessage received) {
        assertThat(received.result()).isInstanceOf(ParseResult.Parsed.class);
        return ((ParseResult.Parsed) received.result()).message();
    }

    private static ParseResult.Failed failure(ReceivedMessage received) {
        assertThat(received.result()).isInstanceOf(ParseResult.Failed.class);
        return (ParseResult.Failed) received.result();
    }

    private static void write(EmbeddedChannel channel, byte[] data, int from, int to) {
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(data, from, to)));
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    @Test
    void framesAWholeMessage() {
        EmbeddedChannel channel = channel();
        write(channel, REGISTER, 0, REGISTER.length);

        List<ReceivedMessage> received = inbound(channel);
        assertThat(received).hasSize(1);
        assertThat(received.get(0).flow()).isEqualTo(FLOW);
        assertThat(message(received.get(0))).isEqualTo(SipText.parse(REGISTER));
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void framesAMessageFedByteByByte() {
        EmbeddedChannel channel = channel();
        for (int i = 0; i < OPTIONS_WITH_BODY.length; i++) {
            write(channel, OPTIONS_WITH_BODY, i, i + 1);
            if (i < OPTIONS_WITH_BODY.length - 1) {
                assertThat(inbound(channel)).as("after byte %d", i).isEmpty();
            }
        }
        List<ReceivedMessage> received = inbound(channel);
        assertThat(received).hasSize(1);
        assertThat(message(received.get(0)).body().toString()).isEqualTo("hello\r\nbody");
    }

    @Test
    void framesAMessageSplitAtEveryHeaderBoundary() {
        List<Integer> boundaries = new ArrayList<>();
        for (int i = 0; i < REGISTER.length; i++) {
            if (REGISTER[i] == '\n') {
                boundaries.add(i + 1);
            }
            if (REGISTER[i] == '\r' || REGISTER[i] == ':') {
                boundaries.add(i);
            }
        }
        SipMessage expected = SipText.parse(REGISTER);
        for (int split : boundaries) {
            EmbeddedChannel channel = channel();
            write(channel, REGISTER, 0, split);
            write(channel, REGISTER, split, REGISTER.length);
            List<ReceivedMessage> received = inbound(channel);
            assertThat(received).as("split at %d", split).hasSize(1);
            assertThat(message(received.get(0))).as("split at %d", split).isEqualTo(expected);
        }
    }

    @Test
    void framesAMessageWithBodySplitAtEveryByte() {
        SipMessage expected = SipText.parse(OPTIONS_WITH_BODY);
        for (int split = 1; split < OPTIONS_WITH_BODY.length; split++) {
            EmbeddedChannel channel = channel();
            write(channel, OPTIONS_WITH_BODY, 0, split);
            write(channel, OPTIONS_WITH_BODY, split, OPTIONS_WITH_BODY.length);
            List<ReceivedMessage> received = inbound(channel);
            assertThat(received).as("split at %d", split).hasSize(1);
            assertThat(message(received.get(0))).as("split at %d", split).isEqualTo(expected);
        }
    }

    @Test // RFC 3261 §18.3: Content-Length marks where the next message starts
    void framesTwoMessagesInOneRead() {
        EmbeddedChannel channel = channel();
        byte[] both = concat(OPTIONS_WITH_BODY, REGISTER);
        write(channel, both, 0, both.length);

        List<ReceivedMessage> received = inbound(channel);
        assertThat(received).hasSize(2);
        assertThat(((SipRequest) message(received.get(0))).method()).isEqualTo("OPTIONS");
        assertThat(((SipRequest) message(received.get(1))).method()).isEqualTo("REGISTER");
    }

    @Test
    void framesTheSecondMessageWhenItStartsInTheFirstRead() {
        EmbeddedChannel channel = channel();
        byte[] both = concat(REGISTER, OPTIONS_WITH_BODY);
        int split = REGISTER.length + 20;
        write(channel, both, 0, split);
        assertThat(inbound(channel)).hasSize(1);
        write(channel, both, split, both.length);
        assertThat(inbound(channel)).hasSize(1);
    }

    @Test // RFC 5626 §3.5.1
    void answersDoubleCrlfPingWithSingleCrlfPong() {
        EmbeddedChannel channel = channel();
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'\r', '\n', '\r', '\n'}));

        assertThat(inbound(channel)).isEmpty();
        assertThat(outbound(channel)).containsExactly("\r\n");
        assertThat(counters.keepalives.sum()).isEqualTo(1);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test // RFC 5626 §3.5.1
    void answersPingFedByteByByteOnce() {
        EmbeddedChannel channel = channel();
        for (byte b : new byte[] {'\r', '\n', '\r', '\n'}) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertThat(outbound(channel)).containsExactly("\r\n");
        assertThat(inbound(channel)).isEmpty();
    }

    @Test // RFC 5626 §3.5.1 between messages
    void answersPingsBetweenMessages() {
        EmbeddedChannel channel = channel();
        byte[] ping = {'\r', '\n', '\r', '\n'};
        byte[] stream = concat(ping, REGISTER, ping, ping, OPTIONS_WITH_BODY);
        write(channel, stream, 0, stream.length);

        assertThat(inbound(channel)).hasSize(2);
        assertThat(outbound(channel)).containsExactly("\r\n", "\r\n", "\r\n");
    }

    @Test // RFC 5626 §3.5.1: on a flow this side opened, a CRLF is the pong to our ping
    void reportsAPongOnAConnectionOpenedHere() {
        var opened = new EmbeddedChannel(new SipStreamFramer(SipParser.strict(), FLOW, counters, true));

        opened.writeInbound(Unpooled.wrappedBuffer(new byte[] {'\r'}));
        assertThat((Object) opened.readInbound()).isNull();          // half a pong: wait for the rest
        opened.writeInbound(Unpooled.wrappedBuffer(new byte[] {'\n'}));

        assertThat((Object) opened.readInbound()).isEqualTo(new KeepaliveAnswer(FLOW));
        assertThat((Object) opened.readOutbound()).isNull();         // a pong is never answered
    }

    @Test // RFC 3261 §7.5: CRLFs before a start line are ignored
    void skipsASingleLeadingCrlfWithoutAnswering() {
        EmbeddedChannel channel = channel();
        byte[] stream = concat(new byte[] {'\r', '\n'}, REGISTER);
        write(channel, stream, 0, 2);
        write(channel, stream, 2, stream.length);

        assertThat(inbound(channel)).hasSize(1);
        assertThat(outbound(channel)).isEmpty();
        assertThat(counters.keepalives.sum()).isZero();
    }

    @Test
    void reportsAFramedButMalformedMessageAndKeepsTheConnection() {
        byte[] noCallId = bytes("""
                REGISTER sip:registrar.example.com SIP/2.0
                Via: SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bKbad1
                Max-Forwards: 70
                To: Bob <sip:bob@example.com>
                From: Bob <sip:bob@example.com>;tag=456248
                CSeq: 1826 REGISTER
                Content-Length: 0

                """);
        EmbeddedChannel channel = channel();
        byte[] stream = concat(noCallId, REGISTER);
        write(channel, stream, 0, stream.length);

        List<ReceivedMessage> received = inbound(channel);
        assertThat(received).hasSize(2);
        ParseResult.Failed failed = failure(received.get(0));
        assertThat(failed.error().violation()).isEqualTo(Violation.MISSING_CALL_ID);
        assertThat(failed.isRequest()).isTrue();
        assertThat(failed.partialHeaders().first(HeaderName.VIA)).isPresent();
        assertThat(message(received.get(1))).isEqualTo(SipText.parse(REGISTER));
        assertThat(channel.isOpen()).isTrue();
        assertThat(counters.framingErrors.sum()).isZero();
    }

    @Test // RFC 3261 §18.3: Content-Length is mandatory on a stream
    void closesTheConnectionWhenContentLengthIsMissing() {
        byte[] noLength = bytes("""
                REGISTER sip:registrar.example.com SIP/2.0
                Via: SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bKnolen
                Max-Forwards: 70
                To: Bob <sip:bob@example.com>
                From: Bob <sip:bob@example.com>;tag=456248
                Call-ID: nolen@10.0.0.5
                CSeq: 1 REGISTER

                """);
        EmbeddedChannel channel = channel();
        byte[] stream = concat(noLength, REGISTER);
        write(channel, stream, 0, stream.length);
        channel.runPendingTasks();

        List<ReceivedMessage> received = inbound(channel);
        assertThat(received).hasSize(1);
        ParseResult.Failed failed = failure(received.get(0));
        assertThat(failed.error().violation()).isEqualTo(Violation.MISSING_CONTENT_LENGTH);
        assertThat(failed.isRequest()).isTrue();
        assertThat(failed.method()).contains("REGISTER");
        assertThat(failed.partialHeaders().first(HeaderName.CALL_ID)).contains("nolen@10.0.0.5");
        assertThat(failed.partialHeaders().first(HeaderName.VIA)).isPresent();
        assertThat(channel.isOpen()).isFalse();
        assertThat(counters.framingErrors.sum()).isEqualTo(1);
    }

    @Test
    void closesTheConnectionOnABadContentLength() {
        byte[] badLength = bytes("""
                OPTIONS sip:registrar.example.com SIP/2.0
                Via: SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bKbadlen
                Call-ID: badlen@10.0.0.5
                Content-Length: twelve

                """);
        EmbeddedChannel channel = channel();
        write(channel, badLength, 0, badLength.length);
        channel.runPendingTasks();

        List<ReceivedMessage> received = inbound(channel);
        assertThat(received).hasSize(1);
        assertThat(failure(received.get(0)).error().violation()).isEqualTo(Violation.BAD_CONTENT_LENGTH);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test // a header block that never ends must not grow the buffer without bound
    void closesTheConnectionWhenTheHeaderBlockOutgrowsTheLimit() {
        var text = new StringBuilder("REGISTER sip:registrar.example.com SIP/2.0\r\n"
                + "Via: SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bKbig\r\n");
        while (text.length() < 3_000) {
            text.append("X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
        }
        byte[] big = text.toString().getBytes(StandardCharsets.US_ASCII);
        EmbeddedChannel channel = channel(new SipParser(new ParseLimits(1_024, 128, 1_024), SipParser.Mode.STRICT));
        for (int at = 0; at < big.length && channel.isOpen(); at += 100) {
            write(channel, big, at, Math.min(at + 100, big.length));
        }
        channel.runPendingTasks();

        List<ReceivedMessage> received = inbound(channel);
        assertThat(received).hasSize(1);
        assertThat(failure(received.get(0)).error().violation()).isEqualTo(Violation.MESSAGE_TOO_LARGE);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void ignoresBytesAfterAFramingErrorUntilClosed() {
        EmbeddedChannel channel = channel();
        byte[] stream = concat(bytes("GARBAGE\nContent-Length: x\n\n"), REGISTER);
        write(channel, stream, 0, stream.length);
        channel.runPendingTasks();

        assertThat(inbound(channel)).hasSize(1);
        assertThat(channel.isOpen()).isFalse();
    }
}
