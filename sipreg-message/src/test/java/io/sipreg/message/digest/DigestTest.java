package io.sipreg.message.digest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sipreg.message.SipParseException;
import io.sipreg.message.Violation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {

    @Test // RFC 2617 §3.5
    void computesTheRfc2617Example() {
        String ha1 = Digest.ha1(DigestAlgorithm.MD5, "Mufasa", "testrealm@host.com", "Circle Of Life");

        assertThat(Digest.response(DigestAlgorithm.MD5, ha1, "GET", "/dir/index.html",
                "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth"))
                .isEqualTo("6629fae49393a05397450978507c4ef1");
    }

    @Test // RFC 7616 §3.9.1, SHA-256 and MD5 responses of the same exchange
    void computesTheRfc7616Examples() {
        String nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
        String cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        String realm = "http-auth@example.org";

        String sha = Digest.ha1(DigestAlgorithm.SHA_256, "Mufasa", realm, "Circle of Life");
        assertThat(Digest.response(DigestAlgorithm.SHA_256, sha, "GET", "/dir/index.html", nonce, "00000001",
                cnonce, "auth")).isEqualTo("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");

        String md5 = Digest.ha1(DigestAlgorithm.MD5, "Mufasa", realm, "Circle of Life");
        assertThat(Digest.response(DigestAlgorithm.MD5, md5, "GET", "/dir/index.html", nonce, "00000001",
                cnonce, "auth")).isEqualTo("8ca523f5e9506fed4657c9700eebdbec");
    }

    @Test // RFC 2617 §3.2.2.1: without qop, KD(HA1, nonce:HA2)
    void computesTheRfc2069FormWithoutQop() {
        String ha1 = Digest.hash(DigestAlgorithm.MD5, "Mufasa:testrealm@host.com:Circle Of Life");
        String ha2 = Digest.hash(DigestAlgorithm.MD5, "GET:/dir/index.html");

        assertThat(Digest.response(DigestAlgorithm.MD5, ha1, "GET", "/dir/index.html", "abc", "", "", ""))
                .isEqualTo(Digest.hash(DigestAlgorithm.MD5, ha1 + ":abc:" + ha2));
    }

    @Test
    void matchesComparesHexIgnoringTheCaseOfTheAnswer() {
        assertThat(Digest.matches("6629fae49393a05397450978507c4ef1", "6629FAE49393A05397450978507C4EF1")).isTrue();
        assertThat(Digest.matches("6629fae49393a05397450978507c4ef1", "6629fae49393a05397450978507c4ef2")).isFalse();
    }

    @Test // RFC 7616 §3.3
    void formatsAndParsesAChallenge() {
        var challenge = new DigestChallenge("example.com", "n0nce", "op", DigestAlgorithm.MD5, "auth", true);

        assertThat(challenge.toString()).isEqualTo("Digest realm=\"example.com\", nonce=\"n0nce\", opaque=\"op\","
                + " algorithm=MD5, qop=\"auth\", stale=true");
        assertThat(DigestChallenge.parse(challenge.toString())).isEqualTo(challenge);
        assertThat(new DigestChallenge("r", "n", "", DigestAlgorithm.SHA_256, "auth", false).toString())
                .isEqualTo("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256, qop=\"auth\"");
    }

    @Test // RFC 7616 §3.3: names case-insensitive, any order, LWS around commas
    void parsesALooselyWrittenChallenge() {
        var c = DigestChallenge.parse(
                "digest NONCE=abc ,\tRealm=\"a \\\"b\\\"\" ,qop=\"auth,auth-int\",algorithm=sha-256");

        assertThat(c).isEqualTo(new DigestChallenge("a \"b\"", "abc", "", DigestAlgorithm.SHA_256, "auth,auth-int",
                false));
        assertThat(c.offersAuth()).isTrue();
    }

    @Test // RFC 7616 §3.4, the form baresip and pjsip send
    void formatsAndParsesCredentials() {
        var credentials = new DigestCredentials("alice", "x", "n0nce", "sip:x", "0123", DigestAlgorithm.MD5,
                "c", "00000001", "auth", "");

        assertThat(credentials.toString()).isEqualTo("Digest username=\"alice\", realm=\"x\", nonce=\"n0nce\","
                + " uri=\"sip:x\", response=\"0123\", algorithm=MD5, cnonce=\"c\", qop=auth, nc=00000001");
        assertThat(DigestCredentials.parse(credentials.toString())).isEqualTo(credentials);
    }

    @Test // RFC 2617 §3.2.2 example Authorization, reordered and quoted differently
    void parsesCredentialsInAnyOrder() {
        var c = DigestCredentials.parse("Digest qop=\"auth\", NC=00000001, cnonce=\"0a4f113b\",\r\n"
                + " response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\","
                + " username=\"Mufasa\", realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\","
                + " uri=\"/dir/index.html\"");

        assertThat(c).isEqualTo(new DigestCredentials("Mufasa", "testrealm@host.com",
                "dcd98b7102dd2f0e8b11d0f600bfb0c093", "/dir/index.html", "6629fae49393a05397450978507c4ef1",
                DigestAlgorithm.MD5, "0a4f113b", "00000001", "auth", "5ccc069c403ebaf9f0171e9517f40e41"));
    }

    @ParameterizedTest // RFC 7616 §3.4: required parameters; qop requires cnonce and nc
    @ValueSource(strings = {
        "Digest realm=\"x\", nonce=\"n\", uri=\"sip:x\", response=\"r\"",
        "Digest username=\"a\", nonce=\"n\", uri=\"sip:x\", response=\"r\"",
        "Digest username=\"a\", realm=\"x\", uri=\"sip:x\", response=\"r\"",
        "Digest username=\"a\", realm=\"x\", nonce=\"n\", response=\"r\"",
        "Digest username=\"a\", realm=\"x\", nonce=\"n\", uri=\"sip:x\"",
        "Digest username=\"a\", realm=\"x\", nonce=\"n\", uri=\"sip:x\", response=\"r\", qop=auth, nc=00000001",
        "Digest username=\"a\", realm=\"x\", nonce=\"n\", uri=\"sip:x\", response=\"r\", qop=auth, cnonce=\"c\"",
        "Digest username=\"a\", realm=\"x\", nonce=\"n\", uri=\"sip:x\", response=\"r\", algorithm=SHA-512",
        "Digest username=\"a, realm=\"x\"",
        "Basic dXNlcjpwYXNz",
        "NoOneKnowsThisScheme opaque-data=here",
        "",
    })
    void rejectsBadCredentials(String value) {
        var e = catchThrowableOfType(SipParseException.class, () -> DigestCredentials.parse(value));

        assertThat(e.violation()).isEqualTo(Violation.BAD_AUTHORIZATION);
    }

    @ParameterizedTest // RFC 7616 §3.3: realm and nonce are required; the algorithm must be one we can answer
    @ValueSource(strings = {
        "Digest nonce=\"n\"",
        "Digest realm=\"r\"",
        "Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess",
        "Basic realm=\"r\"",
        "Digest realm=\"r\" nonce=\"n\"",
        "Digest realm=\"r\", realm=\"s\", nonce=\"n\"",
    })
    void rejectsBadChallenges(String value) {
        var e = catchThrowableOfType(SipParseException.class, () -> DigestChallenge.parse(value));

        assertThat(e.violation()).isEqualTo(Violation.BAD_CHALLENGE);
    }

    @Test // RFC 7616 §3.3: stale is a flag; qop is the option list as sent
    void parsesStaleAndQopOptions() {
        var c = DigestChallenge.parse("Digest realm=\"r\", nonce=\"n\", stale=TRUE, qop=\"auth-int, auth\"");

        assertThat(c.stale()).isTrue();
        assertThat(c.qop()).isEqualTo("auth-int, auth");
        assertThat(c.offersAuth()).isTrue();
        assertThat(DigestChallenge.parse("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"").offersAuth()).isFalse();
    }

    @Test // RFC 7616 §3.4: nc-value = 8LHEX
    void rejectsAMalformedNonceCount() {
        var e = catchThrowableOfType(SipParseException.class, () -> DigestCredentials.parse("Digest username=\"a\","
                + " realm=\"x\", nonce=\"n\", uri=\"sip:x\", response=\"r\", qop=auth, cnonce=\"c\", nc=1"));

        assertThat(e.violation()).isEqualTo(Violation.BAD_AUTHORIZATION);
        assertThat(e.detail()).isEqualTo("nc");
    }

    @Test // RFC 7616 §3.4: credentials without qop (RFC 2069 style) carry no cnonce, qop or nc
    void formatsCredentialsWithoutQopAndWithOpaque() {
        var c = new DigestCredentials("bob", "r", "n", "sip:r", "abc", DigestAlgorithm.SHA_256, "", "", "", "op");

        assertThat(c.toString()).isEqualTo("Digest username=\"bob\", realm=\"r\", nonce=\"n\", uri=\"sip:r\","
                + " response=\"abc\", algorithm=SHA-256, opaque=\"op\"");
        assertThat(DigestCredentials.parse(c.toString())).isEqualTo(c);
        assertThat(c.describe()).doesNotContain("abc");
    }
}
