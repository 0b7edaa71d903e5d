package io.sipreg.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Fnv1aTest {

    @Test
    void givesTheValuesOfTheReferenceTestVectors() {
        // FNV-1a 64-bit test vectors (draft-eastlake-fnv, appendix C)
        assertThat(Fnv1a.hash(Fnv1a.OFFSET_BASIS, "")).isEqualTo(0xcbf29ce484222325L);
        assertThat(Fnv1a.hash(Fnv1a.OFFSET_BASIS, "a")).isEqualTo(0xaf63dc4c8601ec8cL);
        assertThat(Fnv1a.hash(Fnv1a.OFFSET_BASIS, "foobar")).isEqualTo(0x85944171f73967e8L);
    }

    @Test
    void hashesCharactersAndTheirBytesAlike() {
        String aor = "sip:alice@example.com";
        assertThat(Fnv1a.hash(Fnv1a.OFFSET_BASIS, aor.getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(Fnv1a.hash(Fnv1a.OFFSET_BASIS, aor));
        assertThat(Fnv1a.hash(Fnv1a.hash(Fnv1a.OFFSET_BASIS, "sip:alice"), "@example.com"))
                .isEqualTo(Fnv1a.hash(Fnv1a.OFFSET_BASIS, aor));
    }

    @Test
    void mixesEveryBitIntoTheHighHalf() {
        long a = Fnv1a.mix(Fnv1a.hash(Fnv1a.OFFSET_BASIS, "z9hG4bK-1"));
        long b = Fnv1a.mix(Fnv1a.hash(Fnv1a.OFFSET_BASIS, "z9hG4bK-2"));
        assertThat(Long.bitCount((a ^ b) >>> 32)).isGreaterThan(8);
        assertThat(Fnv1a.mix(0)).isZero();
    }
}
