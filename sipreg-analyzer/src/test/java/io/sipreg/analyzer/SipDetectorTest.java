package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SipDetectorTest {
    @Test // RFC 3261 §7.1
    void recognisesARequestLineOnAnyPort() {
        assertThat(detect("REGISTER sip:example.com SIP/2.0\r\nVia: x\r\n")).isTrue();
        assertThat(detect("OPTIONS sip:alice@[2001:db8::1]:5062 SIP/2.0\n")).isTrue();
    }

    @Test // RFC 3261 §7.2
    void recognisesAStatusLine() {
        assertThat(detect("SIP/2.0 401 Unauthorized\r\n")).isTrue();
        assertThat(detect("SIP/2.0 4x1 Unauthorized\r\n")).isFalse();
    }

    @Test
    void rejectsOtherProtocols() {
        assertThat(detect("GET / HTTP/1.1\r\nHost: example.com\r\n")).isFalse();
        assertThat(detect("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003")).isFalse();
        assertThat(detect("REGISTER sip:example.com SIP/2.0")).isFalse();     // no line end yet
    }

    @Test
    void findsTheNextStartLine() {
        byte[] b = "tail of a body\r\nSIP/2.0 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(SipDetector.find(b, 0, b.length)).isEqualTo(16);
    }

    private static boolean detect(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return SipDetector.startsMessage(b, 0, b.length);
    }
}
