package io.sipreg.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ListenAddressTest {

    @ParameterizedTest
    @CsvSource({
        "udp:0.0.0.0:5060,   UDP, 0.0.0.0,     5060",
        "tcp:0.0.0.0:0,      TCP, 0.0.0.0,     0",
        "udp:[::1]:5060,     UDP, ::1,         5060",
        "TCP:[::]:5061,      TCP, ::,          5061",
        "tls:sip.example.com:5061, TLS, sip.example.com, 5061",
    })
    void parsesTransportHostAndPort(String spec, Transport transport, String host, int port) {
        assertThat(ListenAddress.parse(spec)).isEqualTo(new ListenAddress(transport, host, port));
    }

    @Test
    void writesIpv6HostInBrackets() {
        assertThat(ListenAddress.parse("udp:[::1]:5060")).hasToString("udp:[::1]:5060");
        assertThat(ListenAddress.parse("tcp:127.0.0.1:0")).hasToString("tcp:127.0.0.1:0");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "sctp:0.0.0.0:5060 | transport must be udp, tcp or tls",
        "udp:0.0.0.0       | missing port",
        "udp               | expected TRANSPORT:HOST:PORT",
        "udp:::1:5060      | an IPv6 host must be in brackets",
        "udp:[::1]5060     | expected [IPv6]:PORT",
        "udp::5060         | missing host",
        "udp:1.2.3.4:65536 | port must be 0-65535",
        "udp:1.2.3.4:x     | port is not a number",
    })
    void rejectsBadSpecNamingIt(String spec, String why) {
        assertThatThrownBy(() -> ListenAddress.parse(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bad listen address '" + spec + "': ")
                .hasMessageContaining(why);
    }
}
