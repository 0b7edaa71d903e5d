package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.HeaderField;
import io.sipreg.message.HeaderName;
import io.sipreg.message.SipResponse;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.message.digest.DigestChallenge;
import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** RFC 3261 §10.3 step 3 and §22: Digest (RFC 7616, RFC 2617) with real hashes, as a device computes them. */
class AuthenticationTest {
    static final String REGISTER = """
            REGISTER sip:example.com SIP/2.0
            Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKnashds7;rport=40211;received=198.51.100.7
            Max-Forwards: 70
            To: Alice <sip:alice@example.com>
            From: Alice <sip:alice@example.com>;tag=456248
            Call-ID: 843817637684230@998sdasdh09
            CSeq: 1826 REGISTER
            Contact: <sip:alice@10.0.0.5:5060>
            Expires: 3600
            Content-Length: 0

            """;

    final ManualClock clock = ManualClock.at("2025-03-01T10:00:00Z");
    final InMemoryLocationStore locations = new InMemoryLocationStore(clock);
    final MapUserStore users = new MapUserStore();
    final byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    final Flow flow = new Flow(Transport.UDP, new InetSocketAddress("192.0.2.1", 5060),
            new InetSocketAddress("198.51.100.7", 40211), 0);

    @BeforeEach
    void users() {
        users.put(User.withPassword("alice", "example.com", "wonderland"));
    }

    Registrar registrar(Challenge challenge, DigestAlgorithm... algorithms) {
        var config = new RegistrarConfig("example.com", challenge, 60, 3600, 3600, List.of(algorithms),
                Duration.ofSeconds(300));
        return new Registrar(config, locations, users, NonceService.create(secret, Duration.ofSeconds(300), clock),
                clock, Set.of(new InetSocketAddress("192.0.2.1", 5060)));
    }

    Registrar registrar() {
        return registrar(Challenge.WWW_401, DigestAlgorithm.MD5);
    }

    SipResponse send(Registrar registrar, String text) {
        return registrar.handle(SipText.request(text), flow).toCompletableFuture().join();
    }

    @Test // RFC 3261 §22.2, §8.2.6.2; the engineer's step 2: "the CSEQ number is the same as the registration attempt"
    void aRegisterWithoutCredentialsIsChallengedWithTheSameCSeq() {
        SipResponse response = send(registrar(), REGISTER);

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.reason()).isEqualTo("Unauthorized");
        assertThat(response.headers().first(HeaderName.CSEQ)).contains("1826 REGISTER");
        assertThat(response.headers().first(HeaderName.TO).orElseThrow()).contains(";tag=");
        assertThat(response.headers().first(HeaderName.SERVER)).contains("sipreg/0.1");
        DigestChallenge challenge = DigestChallenge.parse(response.headers().first(HeaderName.WWW_AUTHENTICATE)
                .orElseThrow());
        assertThat(challenge.realm()).isEqualTo("example.com");
        assertThat(challenge.algorithm()).isEqualTo(DigestAlgorithm.MD5);
        assertThat(challenge.offersAuth()).isTrue();
        assertThat(challenge.stale()).isFalse();
        assertThat(challenge.nonce()).isNotEmpty();
        assertThat(locations.all()).isEmpty();
    }

    @Test // RFC 3261 §22.2; the engineer's steps 3 and 4: credentials with CSeq+1, then 200
    void theAnsweredChallengeRegistersWithMd5AndQopAuth() {
        var phone = new Device(registrar(), flow, "alice", "wonderland");

        SipResponse response = phone.register(REGISTER);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().first(HeaderName.CSEQ)).contains("1827 REGISTER");
        assertThat(locations.bindings("sip:alice@example.com")).hasSize(1);
    }

    @Test // RFC 3261 §22.3: a proxy-style challenge is answered in Proxy-Authorization
    void a407ChallengeIsAnsweredInProxyAuthorization() {
        var phone = new Device(registrar(Challenge.PROXY_407, DigestAlgorithm.MD5), flow, "alice", "wonderland");

        SipResponse challenge = phone.send(REGISTER);
        phone.learn(challenge);
        SipResponse response = phone.send(Device.nextCSeq(REGISTER));

        assertThat(challenge.status()).isEqualTo(407);
        assertThat(challenge.reason()).isEqualTo("Proxy Authentication Required");
        assertThat(challenge.headers().all(HeaderName.PROXY_AUTHENTICATE)).hasSize(1);
        assertThat(challenge.headers().all(HeaderName.WWW_AUTHENTICATE)).isEmpty();
        assertThat(response.status()).isEqualTo(200);
    }

    @Test // RFC 3261 §22.3: tolerance for devices that answer a 407 in Authorization
    void a407ChallengeAnsweredInAuthorizationIsAcceptedToo() {
        var phone = new Device(registrar(Challenge.PROXY_407, DigestAlgorithm.MD5), flow, "alice", "wonderland");
        phone.learn(phone.send(REGISTER));
        phone.answerIn(HeaderName.AUTHORIZATION);

        assertThat(phone.send(Device.nextCSeq(REGISTER)).status()).isEqualTo(200);
    }

    @Test // RFC 8760 §2.4: one challenge per algorithm, SHA-256 first
    void bothAlgorithmsAreOfferedSha256First() {
        SipResponse response = send(registrar(Challenge.WWW_401, DigestAlgorithm.MD5, DigestAlgorithm.SHA_256),
                REGISTER);

        assertThat(response.headers().all(HeaderName.WWW_AUTHENTICATE))
                .extracting(v -> DigestChallenge.parse(v).algorithm())
                .containsExactly(DigestAlgorithm.SHA_256, DigestAlgorithm.MD5);
    }

    @Test // RFC 8760, RFC 7616 §3.4.2
    void aSha256AnswerRegisters() {
        var registrar = registrar(Challenge.WWW_401, DigestAlgorithm.SHA_256, DigestAlgorithm.MD5);
        var phone = new Device(registrar, flow, "alice", "wonderland", DigestAlgorithm.SHA_256);

        SipResponse response = phone.register(REGISTER);

        assertThat(phone.challenge().orElseThrow().algorithm()).isEqualTo(DigestAlgorithm.SHA_256);
        assertThat(response.status()).isEqualTo(200);
    }

    @Test // RFC 8760 §2.4: an MD5-only device picks the MD5 challenge from the list
    void anMd5OnlyDeviceRegistersWhenBothAreOffered() {
        var registrar = registrar(Challenge.WWW_401, DigestAlgorithm.SHA_256, DigestAlgorithm.MD5);
        var phone = new Device(registrar, flow, "alice", "wonderland", DigestAlgorithm.MD5);

        assertThat(phone.register(REGISTER).status()).isEqualTo(200);
    }

    @Test // RFC 7616 §3.7: only offered algorithms count
    void anAnswerWithAnAlgorithmNotOfferedIsChallengedAgain() {
        var sha = new Device(registrar(Challenge.WWW_401, DigestAlgorithm.SHA_256), flow, "alice", "wonderland");
        sha.learn(send(registrar(Challenge.WWW_401, DigestAlgorithm.SHA_256), REGISTER));

        SipResponse response = send(registrar(Challenge.WWW_401, DigestAlgorithm.MD5), SipText.withHeader(
                Device.nextCSeq(REGISTER), "Authorization: " + sha.credentials("sip:example.com", "00000001", "c1")));

        assertThat(response.status()).isEqualTo(401);
    }

    @Test // RFC 2617 §3.2.2 / RFC 2069 compatibility: no qop, response = KD(HA1, nonce:HA2)
    void aDeviceWithoutQopRegistersAndMayReuseTheNonce() {
        var phone = new Device(registrar(), flow, "alice", "wonderland").withoutQop();

        SipResponse first = phone.register(REGISTER);
        SipResponse refresh = phone.send(REGISTER.replace("CSeq: 1826", "CSeq: 1828"));

        assertThat(first.status()).isEqualTo(200);
        assertThat(refresh.status()).isEqualTo(200);
    }

    @Test // RFC 3261 §22; the engineer: "a forbidden response (403) ... indicates the user name/password is incorrect"
    void aWrongPasswordIsForbidden() {
        var phone = new Device(registrar(), flow, "alice", "not-the-password");

        SipResponse response = phone.register(REGISTER);

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.reason()).isEqualTo("Forbidden");
        assertThat(locations.all()).isEmpty();
    }

    @Test // RFC 3261 §22: an unknown user looks exactly like a wrong password
    void anUnknownUserAndAWrongPasswordGetTheSameAnswer() {
        var registrar = registrar();
        var wrongPassword = new Device(registrar, flow, "alice", "not-the-password");
        var unknownUser = new Device(registrar, flow, "mallory", "wonderland");
        String mallorys = REGISTER.replace("sip:alice@example.com", "sip:mallory@example.com");

        SipResponse a = wrongPassword.register(REGISTER);
        SipResponse b = unknownUser.register(mallorys);

        assertThat(b.status()).isEqualTo(a.status()).isEqualTo(403);
        assertThat(b.reason()).isEqualTo(a.reason());
        assertThat(b.body()).isEqualTo(a.body());
        assertThat(withoutToTag(b.headers().fields(), "mallory")).isEqualTo(withoutToTag(a.headers().fields(), "alice"));
    }

    private static List<HeaderField> withoutToTag(List<HeaderField> fields, String user) {
        return fields.stream().map(f -> switch (f.name()) {
            case HeaderName.TO -> new HeaderField(f.name(), f.value().replaceAll(";tag=.*", ";tag=X").replace(user, "U"));
            case HeaderName.FROM -> new HeaderField(f.name(), f.value().replace(user, "U"));
            default -> f;
        }).toList();
    }

    @Test // RFC 7616 §3.3: an expired nonce with a correct digest gets stale=true
    void aStaleNonceWithTheRightPasswordGetsStaleTrue() {
        var registrar = registrar();
        var phone = new Device(registrar, flow, "alice", "wonderland");
        phone.learn(send(registrar, REGISTER));
        clock.advance(Duration.ofSeconds(301));

        SipResponse response = phone.send(Device.nextCSeq(REGISTER));

        assertThat(response.status()).isEqualTo(401);
        DigestChallenge fresh = DigestChallenge.parse(response.headers().first(HeaderName.WWW_AUTHENTICATE)
                .orElseThrow());
        assertThat(fresh.stale()).isTrue();
        assertThat(fresh.nonce()).isNotEqualTo(phone.challenge().orElseThrow().nonce());
        phone.learn(response);
        assertThat(phone.send(REGISTER.replace("CSeq: 1826", "CSeq: 1828")).status()).isEqualTo(200);
    }

    @Test // RFC 7616 §3.3: stale=true only when the digest was right
    void aStaleNonceWithAWrongPasswordIsNotStale() {
        var registrar = registrar();
        var phone = new Device(registrar, flow, "alice", "guess");
        phone.learn(send(registrar, REGISTER));
        clock.advance(Duration.ofSeconds(301));

        SipResponse response = phone.send(Device.nextCSeq(REGISTER));

        assertThat(response.status()).isEqualTo(401);
        assertThat(DigestChallenge.parse(response.headers().first(HeaderName.WWW_AUTHENTICATE).orElseThrow()).stale())
                .isFalse();
    }

    @Test // RFC 7616 §3.3: a nonce we did not issue is answered with a fresh challenge, not stale
    void aForgedNonceIsChallengedAgain() {
        var registrar = registrar();
        var phone = new Device(registrar, flow, "alice", "wonderland");
        SipResponse real = send(registrar, REGISTER);
        String value = real.headers().first(HeaderName.WWW_AUTHENTICATE).orElseThrow();
        DigestChallenge c = DigestChallenge.parse(value);
        String forgedNonce = c.nonce().substring(0, 20) + (c.nonce().charAt(20) == 'A' ? 'B' : 'A')
                + c.nonce().substring(21);
        phone.learn(real.withHeaders(real.headers().replace(HeaderName.WWW_AUTHENTICATE,
                new DigestChallenge(c.realm(), forgedNonce, "", c.algorithm(), "auth", false).toString())));

        SipResponse response = phone.send(Device.nextCSeq(REGISTER));

        assertThat(response.status()).isEqualTo(401);
        assertThat(DigestChallenge.parse(response.headers().first(HeaderName.WWW_AUTHENTICATE).orElseThrow()).stale())
                .isFalse();
    }

    @Test // RFC 7616 §3.3: nonces are verified by their MAC, so they survive a restart with the same secret
    void aNonceIssuedBeforeARestartIsStillAccepted() {
        var phone = new Device(registrar(), flow, "alice", "wonderland");
        phone.learn(send(registrar(), REGISTER));

        var restarted = new Device(registrar(), flow, "alice", "wonderland");
        restarted.learn(send(registrar(), REGISTER));

        SipResponse response = send(registrar(), SipText.withHeader(Device.nextCSeq(REGISTER),
                "Authorization: " + phone.credentials("sip:example.com", "00000001", "c1")));
        assertThat(response.status()).isEqualTo(200);
    }

    @Test // RFC 7616 §3.4, §5.5: a nonce-count not above the last one seen is a replay
    void aReplayedNonceCountIsChallengedAgain() {
        var registrar = registrar();
        var phone = new Device(registrar, flow, "alice", "wonderland");
        phone.learn(send(registrar, REGISTER));
        String captured = SipText.withHeader(Device.nextCSeq(REGISTER),
                "Authorization: " + phone.credentials("sip:example.com", "00000001", "c1"));

        SipResponse original = send(registrar, captured);
        SipResponse replay = send(registrar, captured);
        SipResponse next = send(registrar, SipText.withHeader(REGISTER.replace("CSeq: 1826", "CSeq: 1828"),
                "Authorization: " + phone.credentials("sip:example.com", "00000002", "c1")));

        assertThat(original.status()).isEqualTo(200);
        assertThat(replay.status()).isEqualTo(401);
        assertThat(DigestChallenge.parse(replay.headers().first(HeaderName.WWW_AUTHENTICATE).orElseThrow()).stale())
                .isTrue();
        assertThat(next.status()).isEqualTo(200);
    }

    @Test // RFC 2617 §3.2.2.5: "the server SHOULD return a 400 Bad Request error"
    void aDigestUriOtherThanTheRequestUriIs400() {
        var registrar = registrar();
        var phone = new Device(registrar, flow, "alice", "wonderland");
        phone.learn(send(registrar, REGISTER));

        SipResponse response = send(registrar, SipText.withHeader(Device.nextCSeq(REGISTER),
                "Authorization: " + phone.credentials("sip:other.example.com", "00000001", "c1")));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.reason()).isEqualTo("Digest uri does not match Request-URI");
    }

    @Test // SIPp 3.6 digests sip:<server ip>:<port>; it still names this server
    void aDigestUriNamingThisServersAddressIsAccepted() {
        var registrar = registrar();
        var phone = new Device(registrar, flow, "alice", "wonderland");
        phone.learn(send(registrar, REGISTER));
        String ourAddress = "sip:" + flow.local().getAddress().getHostAddress() + ":" + flow.local().getPort();

        SipResponse response = send(registrar, SipText.withHeader(Device.nextCSeq(REGISTER),
                "Authorization: " + phone.credentials(ourAddress, "00000001", "c1")));

        assertThat(response.status()).isEqualTo(200);
    }

    @Test // RFC 3261 §22.4: credentials for another realm are not for us
    void credentialsForAnotherRealmAreChallenged() {
        SipResponse response = send(registrar(), SipText.withHeader(REGISTER, "Authorization: Digest "
                + "username=\"alice\", realm=\"elsewhere.example\", nonce=\"abc\", uri=\"sip:example.com\", "
                + "response=\"00000000000000000000000000000000\", algorithm=MD5"));

        assertThat(response.status()).isEqualTo(401);
    }

    @Test // RFC 3261 §22.4
    void malformedCredentialsAre400() {
        SipResponse response = send(registrar(), SipText.withHeader(REGISTER,
                "Authorization: Digest username=\"alice\", realm=\"example.com\""));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.reason()).isEqualTo("Malformed credentials");
    }
}
