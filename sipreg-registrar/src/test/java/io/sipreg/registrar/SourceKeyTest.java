package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class SourceKeyTest {
    @Test
    void ipv4IsTheAddress() throws Exception {
        assertThat(SourceKey.of(InetAddress.getByName("203.0.113.5"))).isEqualTo("203.0.113.5");
    }

    @Test // RFC 4291 §2.5.4: a host's interface identifier is the low 64 bits
    void ipv6IsItsSlash64() throws Exception {
        assertThat(SourceKey.of(InetAddress.getByName("2001:db8:0:12::abcd"))).isEqualTo("2001:db8:0:12::/64");
    }

    @Test
    void parsesWhatAnOperatorTypes() {
        assertThat(SourceKey.parse("203.0.113.5")).contains("203.0.113.5");
        assertThat(SourceKey.parse("2001:db8:0:12::7")).contains("2001:db8:0:12::/64");
        assertThat(SourceKey.parse("[2001:db8:0:12::7]")).contains("2001:db8:0:12::/64");
        assertThat(SourceKey.parse("2001:db8:0:12::/64")).contains("2001:db8:0:12::/64");
        assertThat(SourceKey.parse("alice")).isEmpty();
        assertThat(SourceKey.parse("100")).as("an extension, not an address").isEmpty();
    }
}
