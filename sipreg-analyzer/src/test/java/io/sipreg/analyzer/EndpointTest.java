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

    /** The same components as Endpoint, with the hashCode a record is given. */
    private record Components(boolean v6, long hi, long lo, int port) {
    }

    @Test // the maps keyed by endpoints iterate as before, so the report keeps its order
    void hashesAsARecordDoes() {
        for (var e : new Endpoint[] {new Endpoint(false, 0, 0xC0000201L, 5060), new Endpoint(true, -1, 42, 0),
            new Endpoint(true, 0x20010db800000000L, 1, 65_535), new Endpoint(false, 0, 0x7F000001L, 5070)}) {
            assertThat(e.hashCode()).isEqualTo(new Components(e.v6(), e.hi(), e.lo(), e.port()).hashCode());
            assertThat(e).isEqualTo(new Endpoint(e.v6(), e.hi(), e.lo(), e.port()))
                    .isNotEqualTo(e.withPort(e.port() + 1));
        }
    }
}
