package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    final AtomicLong nanos = new AtomicLong();
    final RateLimiter limiter = new RateLimiter(10, 20, "answered 503", nanos::get);

    static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    int passed(InetAddress source, int requests) {
        int passed = 0;
        for (int i = 0; i < requests; i++) {
            passed += limiter.tryAcquire(source) ? 1 : 0;
        }
        return passed;
    }

    @Test
    void aBurstPassesThenTheRate() throws Exception {
        assertThat(passed(ip("192.0.2.1"), 100)).isEqualTo(20);

        nanos.addAndGet(1_000_000_000L);

        assertThat(passed(ip("192.0.2.1"), 100)).isEqualTo(10);
        assertThat(limiter.refused()).isEqualTo(170);
    }

    @Test
    void eachSourceHasItsOwnBucket() throws Exception {
        passed(ip("192.0.2.1"), 100);

        assertThat(passed(ip("192.0.2.2"), 5)).isEqualTo(5);
    }

    @Test // one host holds a whole IPv6 /64
    void addressesOfOneIpv6Slash64ShareABucket() throws Exception {
        assertThat(passed(ip("2001:db8:1:2::1"), 15) + passed(ip("2001:db8:1:2::99"), 15)).isEqualTo(20);
        assertThat(passed(ip("2001:db8:1:3::1"), 5)).isEqualTo(5);
    }

    @Test
    void aSourceBackUnderTheLimitIsForgotten() throws Exception {
        passed(ip("192.0.2.1"), 30);
        limiter.sweep();
        assertThat(limiter.sources()).isEqualTo(1);

        nanos.addAndGet(2_000_000_000L);
        limiter.sweep();

        assertThat(limiter.sources()).isZero();
    }

    @Test
    void zeroMeansNoLimit() throws Exception {
        var off = new RateLimiter(0, 1, "dropped", nanos::get);
        for (int i = 0; i < 1000; i++) {
            assertThat(off.tryAcquire(ip("192.0.2.1"))).isTrue();
        }
    }
}
