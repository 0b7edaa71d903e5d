package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.SipParseException;
import io.sipreg.message.SipParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 9293 §3.4: bytes in sequence-number order, each once, whatever order the segments came in. */
class TcpStreamReassemblerTest {
    private static final Endpoint PHONE = new Endpoint(false, 0, 0xC0000204L, 40000);
    private static final Endpoint SERVER = new Endpoint(false, 0, 0xC0000201L, 5060);
    private static final String MESSAGE = ("""
            REGISTER sip:example.com SIP/2.0
            Via: SIP/2.0/TCP 192.0.2.4:40000;branch=z9hG4bK-tcp
            Max-Forwards: 70
            To: <sip:alice@example.com>
            From: <sip:alice@example.com>;tag=1
            Call-ID: tcp-1
            CSeq: 1 REGISTER
            Content-Length: 0

            """).replace("\n", "\r\n");

    private final List<String> messages = new ArrayList<>();
    private final TcpStreamReassembler reassembler =
            new TcpStreamReassembler(() -> new SipStreamFramer(SipParser.lenient()));
    private final TcpStreamReassembler.Sink sink = new TcpStreamReassembler.Sink() {
        @Override
        public void bytes(TcpStreamReassembler.Direction direction, SipStreamFramer framer, byte[] d, int at, int len) {
            framer.append(d, at, len, new SipStreamFramer.Emitter() {
                @Override
                public void message(byte[] m, int from, int n) {
                    messages.add(new String(m, from, n, StandardCharsets.UTF_8));
                }

                @Override
                public void unframeable(byte[] m, int from, int n, SipParseException why) {
                    throw new AssertionError(why);
                }
            });
        }

        @Override
        public void closed(TcpStreamReassembler.Direction direction, int leftover) {
        }
    };
    private final byte[] stream = (MESSAGE + MESSAGE.replace("CSeq: 1", "CSeq: 2")).getBytes(StandardCharsets.UTF_8);
    private final int isn = 0xFFFFFF00;     // the sequence numbers wrap around inside the stream

    @Test
    void deliversInOrderSegments() {
        syn();
        send(0, 100);
        send(100, 300);
        send(300, stream.length);
        assertThat(messages).hasSize(2);
    }

    @Test
    void waitsForTheHoleBeforeAnEarlySegment() {
        syn();
        send(0, 100);
        send(200, stream.length);
        assertThat(messages).isEmpty();
        send(100, 200);
        assertThat(messages).hasSize(2);
        assertThat(reassembler.outOfOrderSegments()).isEqualTo(1);
    }

    @Test
    void dropsRetransmittedAndOverlappingBytes() {
        syn();
        send(0, 150);
        send(0, 150);
        send(100, 250);
        send(250, stream.length);
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0)).isEqualTo(MESSAGE);
        assertThat(reassembler.retransmittedSegments()).isEqualTo(2);
    }

    @Test
    void joinsAStreamWhoseStartWasNotCaptured() {
        byte[] second = Arrays.copyOfRange(stream, MESSAGE.length(), stream.length);
        reassembler.segment(PHONE, SERVER, 12345, 0, second, 0, second.length, true, 0, sink);
        assertThat(messages).hasSize(1);
    }

    @Test
    void ignoresStreamsThatNeverLookedLikeSip() {
        byte[] tls = {0x16, 0x03, 0x01, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        reassembler.segment(PHONE, SERVER, 1, 0, tls, 0, tls.length, false, 0, sink);
        reassembler.segment(PHONE, SERVER, 17, 0, tls, 0, tls.length, false, 0, sink);
        assertThat(messages).isEmpty();
    }

    @Test
    void skipsAHoleThatIsNeverFilled() {
        syn();
        send(0, 50);                               // a partial first message, then its rest is lost
        byte[] filler = new byte[TcpStreamReassembler.MAX_OUT_OF_ORDER];
        Arrays.fill(filler, (byte) 'x');
        int second = MESSAGE.length();
        send(second, stream.length);               // the second message arrives, but after the hole
        reassembler.segment(PHONE, SERVER, isn + 1 + stream.length, 0, filler, 0, filler.length, false, 0, sink);
        assertThat(messages).hasSize(1);
        assertThat(messages.get(0)).contains("CSeq: 2");
        assertThat(reassembler.gaps()).isEqualTo(1);
    }

    private void syn() {
        reassembler.segment(PHONE, SERVER, isn, PacketDecoder.TCP_SYN, stream, 0, 0, false, 0, sink);
    }

    private void send(int from, int to) {
        reassembler.segment(PHONE, SERVER, isn + 1 + from, 0, stream, from, to - from, false, 0, sink);
    }
}
