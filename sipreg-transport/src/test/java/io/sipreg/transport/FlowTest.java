package io.sipreg.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class FlowTest {

    @Test
    void readsRemoteToLocal() {
        var flow = new Flow(Transport.UDP, new InetSocketAddress("192.0.2.1", 5060),
                new InetSocketAddress("203.0.113.5", 40211), 0);
        assertThat(flow).hasToString("udp 203.0.113.5:40211->192.0.2.1:5060");
    }

    @Test
    void namesTheConnectionAndBracketsIpv6() {
        var flow = new Flow(Transport.TCP, new InetSocketAddress("2001:db8::1", 5060),
                new InetSocketAddress("2001:db8:0:0:0:0:0:2", 49152), 17);
        assertThat(flow).hasToString("tcp [2001:db8::2]:49152->[2001:db8::1]:5060#17");
    }

    @Test
    void refusesNegativeConnectionId() {
        var address = new InetSocketAddress("192.0.2.1", 5060);
        assertThatThrownBy(() -> new Flow(Transport.TCP, address, address, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
