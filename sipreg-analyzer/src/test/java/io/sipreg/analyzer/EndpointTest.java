package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EndpointTest {
    @Test
    void writesIpv4WithPort() {
        assertThat(new Endpoint(false, 0, 0xC0000201L, 5060)).hasToString("192.0.2.1:5060");
    }

    @Test // RFC 5952 §4.2: the longest run of zeros becomes "::"; brackets around the address with a port
    void writesIpv6InItsCanonicalForm() {
        assertThat(new Endpoint(true, 0x20010db800000000L, 0x0000000000000001L, 5060)).hasToString("[2001:db8::1]:5060");
        assertThat(new Endpoint(true, 0, 1, 0).address()).isEqualTo("::1");
        assertThat(new Endpoint(true, 0x20010db800000001L, 0x0000000100000001L, 0).address()).isEqualTo("2001:db8:0:1:0:1:0:1");
        assertThat(new Endpoint(true, 0xfd00005100000000L, 2, 0).address()).isEqualTo("fd00:51::2");
    }
}
