package io.sipreg.cli.it;

import static io.sipreg.cli.it.RegisterClientIT.register;
import static io.sipreg.cli.it.RegisterLadder.assertInOrder;
import static io.sipreg.cli.it.RegisterLadder.line;
import static io.sipreg.cli.it.RegisterLadder.received;
import static io.sipreg.cli.it.RegisterLadder.sent;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.cli.it.Kamailio.Challenge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code sipreg register} against Kamailio, a registrar we did not write: the client speaks standard SIP, answers
 * 401 with Authorization and 407 with Proxy-Authorization (RFC 3261 §22.2, §22.3), and reads Kamailio's 200 and
 * 403 as it reads ours.
 */
class KamailioClientIT {
    private static final String DOMAIN = "sipreg.test";
    private static final SipUser ALICE = new SipUser("alice", DOMAIN, "secret");
    private static final SipUser BOB = new SipUser("bob", DOMAIN, "b0b-pass");
    private static final int LOAD_ACCOUNTS = 50;
    private static final List<SipUser> LOAD = IntStream.rangeClosed(1, LOAD_ACCOUNTS)
            .mapToObj(n -> new SipUser("load" + n, DOMAIN, "load-pw-" + n))
            .toList();

    private static final Map<Challenge, Kamailio> registrars = new EnumMap<>(Challenge.class);

    @BeforeAll
    static void startKamailio() {
        var users = new ArrayList<>(List.of(ALICE, BOB));
        users.addAll(LOAD);
        for (Challenge challenge : Challenge.values()) {
            registrars.put(challenge, Kamailio.start(challenge, users));
        }
    }

    @AfterAll
    static void stopKamailio() {
        registrars.values().forEach(Kamailio::close);
    }

    @ParameterizedTest(name = "{0}") // RFC 3261 §10.2, §22.2 (401) and §22.3 (407), §10.2.2
    @EnumSource(Challenge.class)
    void onceRegistersAfterTheChallengeThenUnregisters(Challenge challenge) {
        Kamailio kamailio = registrars.get(challenge);
        int port = kamailio.udpPort();
        boolean proxy = challenge == Challenge.PROXY_AUTHENTICATE;

        CommandResult result = register(ALICE, Transport.UDP, port, "--once", "--verbose");

        assertThat(result.exitCode()).as(() -> result + "\n--- kamailio ---\n" + kamailio.output()).isZero();
        List<String> ladder = assertInOrder(result.stdout(),
                sent(Transport.UDP, port, "REGISTER sip:" + DOMAIN + "  CSeq 1 REGISTER  Contact <sip:alice@"),
                received(Transport.UDP, port, (proxy ? "407 Proxy Authentication Required" : "401 Unauthorized")
                        + "  CSeq 1 REGISTER  realm=\"" + DOMAIN + "\" algorithm=MD5"),
                line("^\\s+\\| " + (proxy ? "Proxy-Authenticate" : "WWW-Authenticate") + ": Digest "),
                sent(Transport.UDP, port, "REGISTER sip:" + DOMAIN + "  CSeq 2 REGISTER  credentials"
                        + " username=\"alice\" realm=\"" + DOMAIN + "\"  Contact .* Expires 3600$"),
                line("^\\s+\\| " + (proxy ? "Proxy-Authorization" : "Authorization") + ": Digest .*username=\"alice\""),
                received(Transport.UDP, port, "200 OK  CSeq 2 REGISTER  \\[1 binding\\]"),
                line("^registered " + ALICE.addressOfRecord() + " for 3600 s \\(challenged with "
                        + (proxy ? "407" : "401") + ", credentials accepted\\)$"),
                line("^the registrar saw us at 127\\.0\\.0\\.1:\\d+, the address in our headers: no NAT in between$"),
                sent(Transport.UDP, port, "REGISTER .*CSeq 3 REGISTER  credentials .* Expires 0$"),
                received(Transport.UDP, port, "200 OK  CSeq 3 REGISTER"),
                line("^unregistered " + ALICE.addressOfRecord() + "$"));
        // Kamailio's flags "0": no qop, so the ladder must not invent one.
        assertThat(ladder.get(1)).doesNotContain("qop");
        assertThat(ladder.get(9)).as("the 200 to Expires 0 lists no binding left").doesNotContain("binding");
    }

    @ParameterizedTest(name = "{0}") // the seed: "403 usually indicates the user name/password is incorrect"
    @EnumSource(Challenge.class)
    void aWrongPasswordIsForbiddenAndExits3(Challenge challenge) {
        int port = registrars.get(challenge).udpPort();
        String status = challenge == Challenge.PROXY_AUTHENTICATE ? "407" : "401";

        CommandResult result = register(new SipUser("alice", DOMAIN, "not-the-password"), Transport.UDP, port,
                "--once");

        assertThat(result.exitCode()).as(result::toString).isEqualTo(3);
        assertInOrder(result.stdout(),
                received(Transport.UDP, port, status + " .*CSeq 1 REGISTER"),
                sent(Transport.UDP, port, "REGISTER .*CSeq 2 REGISTER  credentials username=\"alice\""),
                received(Transport.UDP, port, "403 Forbidden  CSeq 2 REGISTER"),
                line("^forbidden: wrong username or password$"),
                line("^  403 Forbidden \\(after a " + status + " challenge\\)$"));
    }

    @Test // RFC 3261 §22.2: credentials for an authentication user the registrar does not know get a new challenge
    void aChallengeAfterCredentialsIsAChallengeLoopAndExits4() {
        int port = registrars.get(Challenge.WWW_AUTHENTICATE).udpPort();

        CommandResult result = register(ALICE, Transport.UDP, port, "--once", "--user", "nobody");

        assertThat(result.exitCode()).as(result::toString).isEqualTo(4);
        assertInOrder(result.stdout(),
                received(Transport.UDP, port, "401 .*CSeq 1 REGISTER"),
                sent(Transport.UDP, port, "REGISTER .*CSeq 2 REGISTER  credentials username=\"nobody\""),
                received(Transport.UDP, port, "401 .*CSeq 2 REGISTER"),
                line("^challenged again after sending credentials: wrong realm or authentication username$"));
        assertThat(result.stdout()).doesNotContain("CSeq 3 REGISTER");
    }

    @Test // RFC 3261 §10.3 step 8: the 200 lists every binding of the AOR, here in Kamailio's way of writing them
    void theLadderCountsEveryBindingKamailioLists() {
        Kamailio kamailio = registrars.get(Challenge.WWW_AUTHENTICATE);
        int port = kamailio.udpPort();
        try (RegisterProcess deskPhone = RegisterProcess.start(BOB.user() + "@" + DOMAIN,
                "--registrar", "127.0.0.1:" + port, "--password-file", RegisterClientIT.passwordFile(BOB).toString())) {
            assertThat(deskPhone.awaitOutput(line("^registered " + BOB.addressOfRecord() + " for "),
                    Duration.ofSeconds(20))).as(deskPhone::output).isPresent();

            CommandResult softphone = register(BOB, Transport.UDP, port, "--once");

            assertThat(softphone.exitCode()).as(softphone::toString).isZero();
            assertInOrder(softphone.stdout(),
                    received(Transport.UDP, port, "200 OK  CSeq 2 REGISTER  \\[2 bindings\\]"),
                    received(Transport.UDP, port, "200 OK  CSeq 3 REGISTER  \\[1 binding\\]"));
            assertThat(deskPhone.stop()).as(deskPhone::output).isZero();
        }
    }

    @Test
    void loadModeRegistersEveryAccountThenUnregistersThem() {
        CommandResult result = ServerProcess.run("register", "load{n}@" + DOMAIN,
                "--registrar", "127.0.0.1:" + registrars.get(Challenge.WWW_AUTHENTICATE).udpPort(),
                "--load", Integer.toString(LOAD_ACCOUNTS), "--rate", "100",
                "--password-template", "load-pw-{n}", "--duration", "3");

        assertThat(result.exitCode()).as(result::toString).isZero();
        // This Kamailio sends no keepalives: nothing may be counted as answered.
        assertThat(RegisterClientIT.assertLoadRun(result, LOAD_ACCOUNTS, 100)).isZero();
    }
}
