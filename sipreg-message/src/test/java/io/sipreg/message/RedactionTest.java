package io.sipreg.message;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What may be logged of a message: never a digest response, nonce or cnonce (style guide: never log credentials). */
class RedactionTest {
    @Test // RFC 3261 §20.7: the credentials stay out of the log, the user stays in it
    void authorizationKeepsItsSchemeAndUsernameOnly() {
        var register = SipText.request("""
                REGISTER sip:example.com SIP/2.0
                Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776asdhds
                Max-Forwards: 70
                To: <sip:alice@example.com>
                From: <sip:alice@example.com>;tag=1928301774
                Call-ID: a84b4c76e66710@10.0.0.5
                CSeq: 2 REGISTER
                Authorization: Digest username="alice", realm="example.com", nonce="bm9uY2U=", uri="sip:example.com", \
                response="6629fae49393a05397450978507c4ef1", qop=auth, nc=00000001, cnonce="0a4f113b"
                proxy-authorization: Digest realm="example.com",response="feedface",username=bob
                Contact: <sip:alice@10.0.0.5:5060>
                Content-Length: 0

                """);

        String logged = Redaction.of(register);

        assertThat(logged).contains("Authorization: Digest username=\"alice\" (credentials redacted)\r\n")
                .contains("Proxy-Authorization: Digest username=bob (credentials redacted)\r\n")
                .contains("Contact: <sip:alice@10.0.0.5:5060>\r\n")
                .doesNotContain("6629fae49393a05397450978507c4ef1").doesNotContain("feedface")
                .doesNotContain("bm9uY2U=").doesNotContain("0a4f113b");
    }
}
