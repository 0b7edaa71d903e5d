package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.HeaderName;
import io.sipreg.message.SipResponse;
import io.sipreg.message.SipWriter;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.message.digest.DigestChallenge;
import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registrar with its brute-force guard: nothing tells a scanner which users exist, a block answers as a wrong
 * password does, and devices already registered from the blocked address keep working.
 */
class BruteForceDefenceTest {
    static final String REGISTER = """
            REGISTER sip:example.com SIP/2.0
            Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKnashds7;rport=40211;received=203.0.113.5
            Max-Forwards: 70
            To: <sip:USER@example.com>
            From: <sip:USER@example.com>;tag=456248
            Call-ID: CALLID
            CSeq: 1 REGISTER
            Contact: <sip:USER@10.0.0.5:5060>
            Expires: 3600
            Content-Length: 0

            """;

    final ManualClock clock = ManualClock.at("2025-03-01T10:00:00Z");
    final InMemoryLocationStore locations = new InMemoryLocationStore(clock);
    final MapUserStore users = new MapUserStore();
    final MapBlockStore blocks = new MapBlockStore();
    final byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    final Flow office = flow("203.0.113.5", 40211);
    final Flow officePc = flow("203.0.113.5", 51000);
    final Flow home = flow("198.51.100.7", 5060);
    Registrar registrar;
    BruteForceGuard guard;

    static Flow flow(String ip, int port) {
        return new Flow(Transport.UDP, new InetSocketAddress("192.0.2.1", 5060), new InetSocketAddress(ip, port), 0);
    }

    static String register(String user, String callId) {
        return REGISTER.replace("USER", user).replace("CALLID", callId);
    }

    @BeforeEach
    void setUp() {
        users.put(User.withPassword("alice", "example.com", "wonderland"));
        users.put(User.withPassword("bob", "example.com", "builder"));
        registrar = registrar(Refusal.ANSWER);
    }

    Registrar registrar(Refusal action) {
        var config = new RegistrarConfig("example.com", Challenge.WWW_401, 60, 3600, 3600,
                List.of(DigestAlgorithm.MD5), Duration.ofSeconds(300));
        var r = new Registrar(config, locations, users, NonceService.create(secret, Duration.ofSeconds(300), clock),
                clock, Set.of(new InetSocketAddress("192.0.2.1", 5060)));
        guard = new BruteForceGuard(new SecurityPolicy(5, 30, Duration.ofSeconds(120), Duration.ofSeconds(60),
                Duration.ofSeconds(3600), Duration.ofHours(24), action, 0, 1, Refusal.ANSWER), blocks, clock);
        r.setGuard(guard);
        return r;
    }

    /** A guesser: a fresh Call-ID for every attempt, as svcrack does. */
    SipResponse guess(Flow from, String user, String password, int attempt) {
        var guesser = new Device(registrar, from, user, password);
        return guesser.register(register(user, "guess-" + attempt + "@attacker"));
    }

    static String wire(SipResponse response) {
        return new String(SipWriter.write(response), StandardCharsets.UTF_8);
    }

    /** The response with what differs per request by design taken out: the nonce, and the user named in To/From. */
    static String normalised(SipResponse response, String user) {
        return wire(response).replaceAll("nonce=\"[^\"]*\"", "nonce=\"N\"").replace(user, "USER");
    }

    @Test // no enumeration: the challenge of a user that exists and of one that does not are alike, byte for byte
    void anUnknownUserIsChallengedExactlyAsAKnownOne() {
        SipResponse known = registrar.handle(SipText.request(register("alice", "c1@x")), office)
                .toCompletableFuture().join();
        SipResponse unknown = registrar.handle(SipText.request(register("zed99", "c1@x")), office)
                .toCompletableFuture().join();

        assertThat(known.status()).isEqualTo(401);
        assertThat(normalised(unknown, "zed99")).isEqualTo(normalised(known, "alice"));
    }

    @Test // RFC 3261 §22.4: the 403 of an unknown user and of a wrong password are alike, byte for byte
    void anUnknownUserIsRefusedExactlyAsAWrongPassword() {
        SipResponse wrong = new Device(registrar, office, "alice", "guess").register(register("alice", "c2@x"));
        SipResponse unknown = new Device(registrar, office, "zed99", "guess").register(register("zed99", "c2@x"));

        assertThat(wrong.status()).isEqualTo(403);
        assertThat(normalised(unknown, "zed99")).isEqualTo(normalised(wrong, "alice"));
    }

    @Test
    void afterFiveWrongGuessesEvenTheRightPasswordGetsTheSame403() {
        SipResponse wrong = null;
        for (int i = 0; i < 5; i++) {
            wrong = guess(office, "alice", "guess" + i, i);
        }

        SipResponse right = guess(office, "alice", "wonderland", 5);

        assertThat(right.status()).isEqualTo(403);
        assertThat(normalised(right, "alice").replaceAll("guess-\\d+", "G").replaceAll("tag=[0-9a-f]{16}", "T"))
                .isEqualTo(normalised(wrong, "alice").replaceAll("guess-\\d+", "G").replaceAll("tag=[0-9a-f]{16}", "T"));
        assertThat(locations.all()).isEmpty();
        assertThat(blocks.row("203.0.113.5", "alice").refused()).isZero();
        assertThat(guess(home, "alice", "wonderland", 6).status()).as("the user from elsewhere").isEqualTo(200);
        assertThat(guess(office, "bob", "builder", 7).status()).as("another user from the office").isEqualTo(200);
    }

    @Test // RFC 7616 §3.3: a blocked guess with an old nonce must not learn stale=true (which means "right password")
    void aBlockedRightPasswordWithAnOldNonceGetsAPlainChallenge() {
        var device = new Device(registrar, office, "alice", "wonderland");
        device.learn(registrar.handle(SipText.request(register("alice", "old@x")), office)
                .toCompletableFuture().join());
        clock.advance(Duration.ofSeconds(301));
        for (int i = 0; i < 5; i++) {
            guess(office, "alice", "guess" + i, i);
        }

        SipResponse response = device.send(register("alice", "old@x"));

        assertThat(response.status()).isEqualTo(401);
        DigestChallenge challenge = DigestChallenge.parse(response.headers().first(HeaderName.WWW_AUTHENTICATE)
                .orElseThrow());
        assertThat(challenge.stale()).isFalse();
    }

    @Test // the office NAT: the phone registered before the attack keeps refreshing through the block
    void aDeviceRegisteredFromTheBlockedAddressKeepsRefreshing() {
        var phone = new Device(registrar, office, "alice", "wonderland");
        String phoneRegister = register("alice", "phone-boot-1@10.0.0.5");
        assertThat(phone.register(phoneRegister).status()).isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            guess(officePc, "alice", "guess" + i, i);
        }
        assertThat(guess(officePc, "alice", "wonderland", 5).status()).isEqualTo(403);

        String refresh = Device.nextCSeq(Device.nextCSeq(phoneRegister));
        SipResponse refreshed = phone.send(refresh);

        assertThat(refreshed.status()).isEqualTo(200);
        assertThat(blocks.row("203.0.113.5", "alice")).isNotNull();
    }

    @Test // an RFC 5626 device is known by its instance, whatever its Call-ID after a reboot
    void aDeviceKnownByItsInstanceKeepsRegistering() {
        String withInstance = register("alice", "boot-1@x").replace("Contact: <sip:alice@10.0.0.5:5060>",
                "Contact: <sip:alice@10.0.0.5:5060>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000a95a0e128>\"");
        assertThat(new Device(registrar, office, "alice", "wonderland").register(withInstance).status())
                .isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            guess(officePc, "alice", "guess" + i, i);
        }

        SipResponse rebooted = new Device(registrar, office, "alice", "wonderland")
                .register(withInstance.replace("boot-1@x", "boot-2@x"));

        assertThat(rebooted.status()).isEqualTo(200);
    }

    @Test
    void aGuesserRefusedDuringTheBlockIsCounted() {
        for (int i = 0; i < 25; i++) {
            guess(officePc, "alice", "guess" + i, i);
        }
        guard.sync();

        assertThat(blocks.row("203.0.113.5", "alice").refused()).isEqualTo(20);
    }

    @Test
    void withDropABlockedRegisterIsDroppedUnlessItIsTheRegisteredDevice() {
        registrar = registrar(Refusal.DROP);
        var phone = new Device(registrar, office, "alice", "wonderland");
        String phoneRegister = register("alice", "phone@10.0.0.5");
        assertThat(phone.register(phoneRegister).status()).isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            guess(officePc, "alice", "guess" + i, i);
        }
        var guesser = new Device(registrar, officePc, "alice", "wonderland");
        guesser.learn(registrar.handle(SipText.request(register("alice", "g@x")), officePc)
                .toCompletableFuture().join());
        String guessWithCredentials = SipText.withHeader(Device.nextCSeq(register("alice", "g@x")),
                "Authorization: " + guesser.credentials("sip:example.com", guesser.nextNc(), "abc"));
        String phoneRefresh = SipText.withHeader(Device.nextCSeq(Device.nextCSeq(phoneRegister)),
                "Authorization: " + phone.credentials("sip:example.com", phone.nextNc(), "abc"));

        assertThat(registrar.dropsSilently(SipText.request(guessWithCredentials), officePc)).isTrue();
        assertThat(registrar.dropsSilently(SipText.request(phoneRefresh), office)).isFalse();
        assertThat(registrar.dropsSilently(SipText.request(register("alice", "g@x")), officePc))
                .as("without credentials: challenged as ever").isFalse();
    }
}
