package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.SipParseException;
import io.sipreg.message.SipParser;
import io.sipreg.message.Violation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 3261 §18.3: on a stream, Content-Length tells where a message ends. */
class SipStreamFramerTest {
    private static final String REGISTER = crlf("""
            REGISTER sip:example.com SIP/2.0
            Via: SIP/2.0/TCP 192.0.2.4:5060;branch=z9hG4bK-1
            Max-Forwards: 70
            To: <sip:alice@example.com>
            From: <sip:alice@example.com>;tag=1
            Call-ID: frame-1
            CSeq: 1 REGISTER
            Content-Length: 0

            """);
    private static final String WITH_BODY = crlf("""
            SIP/2.0 200 OK
            Via: SIP/2.0/TCP 192.0.2.4:5060;branch=z9hG4bK-1
            To: <sip:alice@example.com>;tag=2
            From: <sip:alice@example.com>;tag=1
            Call-ID: frame-1
            CSeq: 1 REGISTER
            Content-Length: 5

            """) + "hello";

    private final List<String> messages = new ArrayList<>();
    private final List<SipParseException> failures = new ArrayList<>();
    private final SipStreamFramer framer = new SipStreamFramer(SipParser.lenient());
    private final SipStreamFramer.Emitter out = new SipStreamFramer.Emitter() {
        @Override
        public void message(byte[] d, int at, int len) {
            messages.add(new String(d, at, len, StandardCharsets.UTF_8));
        }

        @Override
        public void unframeable(byte[] d, int at, int len, SipParseException why) {
            failures.add(why);
        }
    };

    @Test
    void cutsTwoMessagesOutOfOneSegment() {
        feed(REGISTER + WITH_BODY);
        assertThat(messages).containsExactly(REGISTER, WITH_BODY);
    }

    @Test
    void reassemblesAMessageSplitAtEveryByte() {
        String stream = REGISTER + WITH_BODY;
        for (int split = 1; split < stream.length(); split++) {
            messages.clear();
            var f = new SipStreamFramer(SipParser.lenient());
            byte[] b = stream.getBytes(StandardCharsets.UTF_8);
            f.append(b, 0, split, out);
            f.append(b, split, b.length - split, out);
            assertThat(messages).as("split at %d", split).containsExactly(REGISTER, WITH_BODY);
        }
    }

    @Test
    void acceptsOneByteAtATime() {
        byte[] b = (REGISTER + WITH_BODY).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            framer.append(b, i, 1, out);
        }
        assertThat(messages).containsExactly(REGISTER, WITH_BODY);
    }

    @Test // RFC 5626 §3.5.1
    void skipsCrlfKeepalivesBetweenMessages() {
        feed("\r\n\r\n" + REGISTER + "\r\n\r\n" + WITH_BODY);
        assertThat(messages).containsExactly(REGISTER, WITH_BODY);
        assertThat(framer.keepalives()).isEqualTo(2);
    }

    @Test // joined in the middle of a message: resynchronise at the next start line
    void resynchronisesAfterJoiningMidMessage() {
        feed(REGISTER.substring(40) + WITH_BODY);
        assertThat(messages).containsExactly(WITH_BODY);
        assertThat(framer.skippedBytes()).isEqualTo(REGISTER.length() - 40);
    }

    @Test // RFC 3261 §18.3: Content-Length MUST be used with stream transports
    void reportsAMessageWithoutContentLengthAndGoesOn() {
        String bad = REGISTER.replace("Content-Length: 0\r\n", "");
        feed(bad + WITH_BODY);
        assertThat(failures).extracting(SipParseException::violation).containsExactly(Violation.MISSING_CONTENT_LENGTH);
        assertThat(messages).containsExactly(WITH_BODY);
    }

    @Test
    void dropsWhatIsBufferedAtAGap() {
        feed(REGISTER.substring(0, 60));
        framer.gap();
        feed(WITH_BODY);
        assertThat(messages).containsExactly(WITH_BODY);
    }

    private void feed(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        framer.append(b, 0, b.length, out);
    }

    private static String crlf(String text) {
        return text.replace("\n", "\r\n");
    }
}
