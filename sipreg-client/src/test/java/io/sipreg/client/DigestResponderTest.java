package io.sipreg.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipreg.message.Body;
import io.sipreg.message.HeaderName;
import io.sipreg.message.Headers;
import io.sipreg.message.SipResponse;
import io.sipreg.message.digest.Digest;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.message.digest.DigestCredentials;
import org.junit.jupiter.api.Test;

class DigestResponderTest {
    private static final String URI = "sip:example.com";
    private final DigestResponder responder = new DigestResponder("alice", "secret");

    private static SipResponse challenge(int status, String... values) {
        var headers = Headers.builder();
        String name = status == 407 ? HeaderName.PROXY_AUTHENTICATE : HeaderName.WWW_AUTHENTICATE;
        for (String value : values) {
            headers.add(name, value);
        }
        return new SipResponse(status, status == 407 ? "Proxy Authentication Required" : "Unauthorized",
                headers.build(), Body.EMPTY);
    }

    /** What a registrar computes to check the answer (RFC 7616 §3.4.1). */
    private static String expected(DigestAlgorithm algorithm, DigestCredentials c) {
        String ha1 = Digest.ha1(algorithm, "alice", c.realm(), "secret");
        return Digest.response(algorithm, ha1, "REGISTER", c.uri(), c.nonce(), c.nonceCount(), c.cnonce(), c.qop());
    }

    @Test // RFC 3261 §22.2: 401 WWW-Authenticate is answered with Authorization
    void answersA401WithQopAuth() throws Exception {
        DigestResponder.Answer answer = responder.answer(
                challenge(401, "Digest realm=\"example.com\", nonce=\"n1\", algorithm=MD5, qop=\"auth\""),
                "REGISTER", URI);

        assertThat(answer.headerName()).isEqualTo(HeaderName.AUTHORIZATION);
        DigestCredentials c = DigestCredentials.parse(answer.value());
        assertThat(c.username()).isEqualTo("alice");
        assertThat(c.realm()).isEqualTo("example.com");
        assertThat(c.uri()).isEqualTo(URI);
        assertThat(c.qop()).isEqualTo("auth");
        assertThat(c.nonceCount()).isEqualTo("00000001");
        assertThat(c.cnonce()).hasSize(16);
        assertThat(c.response()).isEqualTo(expected(DigestAlgorithm.MD5, c));
    }

    @Test // RFC 3261 §22.3: a proxy's 407 Proxy-Authenticate is answered with Proxy-Authorization
    void answersA407WithProxyAuthorization() throws Exception {
        DigestResponder.Answer answer = responder.answer(
                challenge(407, "Digest realm=\"example.com\", nonce=\"n2\""), "REGISTER", URI);

        assertThat(answer.headerName()).isEqualTo(HeaderName.PROXY_AUTHORIZATION);
        DigestCredentials c = DigestCredentials.parse(answer.value());
        // RFC 2069 compatibility: no qop offered, none used, no cnonce or nc.
        assertThat(c.qop()).isEmpty();
        assertThat(c.nonceCount()).isEmpty();
        assertThat(c.response()).isEqualTo(expected(DigestAlgorithm.MD5, c));
    }

    @Test // RFC 8760 §2.4: the strongest algorithm offered
    void prefersSha256WhenBothAreOffered() throws Exception {
        DigestResponder.Answer answer = responder.answer(challenge(401,
                "Digest realm=\"example.com\", nonce=\"n3\", algorithm=SHA-256, qop=\"auth\"",
                "Digest realm=\"example.com\", nonce=\"n3\", algorithm=MD5, qop=\"auth\""), "REGISTER", URI);

        DigestCredentials c = DigestCredentials.parse(answer.value());
        assertThat(c.algorithm()).isEqualTo(DigestAlgorithm.SHA_256);
        assertThat(c.response()).isEqualTo(expected(DigestAlgorithm.SHA_256, c));
    }

    @Test // RFC 7616 §3.4: reusing a nonce counts up nc, so the registrar can tell a replay from a refresh
    void reusesTheLastChallengeWithTheNextNonceCount() throws Exception {
        assertThat(responder.reuse("REGISTER", URI)).isEmpty();
        responder.answer(challenge(401, "Digest realm=\"example.com\", nonce=\"n4\", qop=\"auth\""), "REGISTER",
                URI);

        DigestCredentials again = DigestCredentials.parse(responder.reuse("REGISTER", URI).orElseThrow().value());
        assertThat(again.nonce()).isEqualTo("n4");
        assertThat(again.nonceCount()).isEqualTo("00000002");
        assertThat(again.response()).isEqualTo(expected(DigestAlgorithm.MD5, again));

        responder.forget();
        assertThat(responder.reuse("REGISTER", URI)).isEmpty();
    }

    @Test
    void refusesAChallengeItCannotAnswer() {
        assertThatThrownBy(() -> responder.answer(challenge(401), "REGISTER", URI))
                .isInstanceOf(DigestResponder.UnanswerableChallenge.class)
                .hasMessageContaining("401 without a usable WWW-Authenticate");
        assertThatThrownBy(() -> responder.answer(
                challenge(401, "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\""), "REGISTER", URI))
                .isInstanceOf(DigestResponder.UnanswerableChallenge.class)
                .hasMessageContaining("auth-int");
    }
}
