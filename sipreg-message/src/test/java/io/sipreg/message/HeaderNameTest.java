package io.sipreg.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeaderNameTest {

    @ParameterizedTest // RFC 3261 §7.3.1 case-insensitive names, §7.3.3 compact forms
    @CsvSource({
        "via, Via", "V, Via", "v, Via", "CALL-ID, Call-ID", "i, Call-ID", "cseq, CSeq", "m, Contact",
        "l, Content-Length",
        "WWW-AUTHENTICATE, WWW-Authenticate", "k, Supported", "x-unknown, x-unknown", "q, q", "Path, Path",
        "max-forwards, Max-Forwards", "MIN-EXPIRES, Min-Expires", "proxy-require, Proxy-Require"
    })
    void wireNamesBecomeTheCanonicalSpellingWithOrWithoutAllocating(String wire, String canonical) {
        byte[] bytes = wire.getBytes(StandardCharsets.US_ASCII);

        assertThat(HeaderName.canonical(wire)).isEqualTo(canonical);
        assertThat(HeaderName.canonical(bytes, 0, bytes.length)).isEqualTo(canonical);
    }

    @ParameterizedTest // RFC 3261 §7.3.1: these are comma-separated lists; the authentication headers are not
    @CsvSource({"Via, true", "Contact, true", "Accept, true", "Supported, true", "Authorization, false",
        "WWW-Authenticate, false", "Call-ID, false"})
    void listValuedHeaders(String name, boolean listValued) {
        assertThat(HeaderName.isListValued(name)).isEqualTo(listValued);
    }
}
