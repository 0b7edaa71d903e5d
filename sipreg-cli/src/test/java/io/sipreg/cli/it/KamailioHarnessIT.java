package io.sipreg.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.cli.it.Kamailio.Challenge;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The harness run against Kamailio, a registrar we did not write. Every scenario and phone
 * here passes against it, so they test standard SIP and not sipreg's habits.
 *
 * <p>Two scenarios are not here because Kamailio answers differently and RFC 3261 allows
 * both: cseq-order (Kamailio: 400 with P-Registrar-Error "Invalid CSeq number"; sipreg: 500
 * "Out of order CSeq"; §10.3 step 7 only says the request fails) and malformed (Kamailio
 * drops a request without From silently; sipreg answers 400 with a reason naming the problem).
 * register-403 passes because this Kamailio is configured to answer a wrong password with 403
 * as sipreg does; a stock Kamailio challenges again with 401.
 */
class KamailioHarnessIT {

    private static final SipUser ALICE = new SipUser("alice", "sipreg.test", "secret");
    private static final SipUser ALICE_WRONG_PASSWORD = new SipUser("alice", "sipreg.test", "not-the-password");
    private static final List<SipUser> OFFICE = IntStream.rangeClosed(1, 20)
            .mapToObj(n -> new SipUser("desk%02d".formatted(n), "sipreg.test", "password-%02d".formatted(n)))
            .toList();

    private static Kamailio registrar;
    private static Kamailio proxyChallenging;

    @BeforeAll
    static void startKamailio() {
        registrar = Kamailio.start(Challenge.WWW_AUTHENTICATE, Stream.concat(Stream.of(ALICE), OFFICE.stream()).toList());
        proxyChallenging = Kamailio.start(Challenge.PROXY_AUTHENTICATE, List.of(ALICE));
    }

    @AfterAll
    static void stopKamailio() {
        if (registrar != null) {
            registrar.close();
        }
        if (proxyChallenging != null) {
            proxyChallenging.close();
        }
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2, §22.2
    @EnumSource(Transport.class)
    void registersAfterA401Challenge(Transport transport) {
        assertPasses(sipp("register-401.xml", registrar, transport).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §22.3
    @EnumSource(Transport.class)
    void registersAfterA407Challenge(Transport transport) {
        assertPasses(sipp("register-407.xml", proxyChallenging, transport).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.3 step 3
    @EnumSource(Transport.class)
    void refusesAWrongPasswordWith403(Transport transport) {
        assertPasses(sipp("register-403.xml", registrar, transport).users(ALICE_WRONG_PASSWORD).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2.2
    @EnumSource(Transport.class)
    void removesOneBindingWithExpiresZero(Transport transport) {
        assertPasses(sipp("unregister.xml", registrar, transport).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2.2, §10.3 step 6
    @EnumSource(Transport.class)
    void removesAllBindingsWithTheWildcard(Transport transport) {
        assertPasses(sipp("wildcard.xml", registrar, transport).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.3 step 6
    @EnumSource(Transport.class)
    void refusesTheWildcardWithANonZeroExpiry(Transport transport) {
        assertPasses(sipp("wildcard-bad.xml", registrar, transport).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2.1.2
    @EnumSource(Transport.class)
    void bindsTwoContactsWithTheirQValues(Transport transport) {
        assertPasses(sipp("multiple-contacts.xml", registrar, transport).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2.3
    @EnumSource(Transport.class)
    void listsBindingsForARegisterWithoutContact(Transport transport) {
        assertPasses(sipp("fetch.xml", registrar, transport).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.3 step 7, §21.4.17
    @EnumSource(Transport.class)
    void refusesAnExpiryBelowTheMinimumWith423(Transport transport) {
        assertPasses(sipp("interval-too-brief.xml", registrar, transport).run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §10.2.1
    @EnumSource(Transport.class)
    void capsAnExpiryAboveTheMaximum(Transport transport) {
        assertPasses(sipp("expiry-capped.xml", registrar, transport)
                .set("max_expires", Integer.toString(Kamailio.MAX_EXPIRES))
                .run());
    }

    @Test // RFC 3261 §17.2.2; UDP only, a TCP server transaction keeps no response (Timer J = 0)
    void answersARetransmittedRegisterWithTheSameResponse() {
        assertPasses(sipp("retransmission.xml", registrar, Transport.UDP).extraArguments("-nr").run());
    }

    @ParameterizedTest(name = "over {0}") // RFC 3261 §11.2
    @EnumSource(Transport.class)
    void answersOptionsWithAllow(Transport transport) {
        assertPasses(sipp("options.xml", registrar, transport).run());
    }

    @ParameterizedTest(name = "over {0}") // one scenario, one injection file line per user
    @EnumSource(Transport.class)
    void registersTwentyUsers(Transport transport) {
        assertPasses(sipp("register-401.xml", registrar, transport).users(OFFICE).calls(OFFICE.size()).rate(100).run(),
                OFFICE.size());
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(Transport.class)
    void baresipRegisters(Transport transport) {
        try (Baresip phone = Baresip.account(ALICE, transport, registrar.port(transport)).start()) {
            assertThat(phone.awaitRegistered(Duration.ofSeconds(10))).contains("200 OK");
        }
    }

    @Test
    void baresipReportsTheRefusalOfAWrongPassword() {
        try (Baresip phone = Baresip.account(ALICE_WRONG_PASSWORD, Transport.UDP, registrar.udpPort()).start()) {
            String refusal = phone.awaitOutput(Pattern.compile("^reg: \\S+: (\\d{3} .*)$"), Duration.ofSeconds(10)).group(1);
            assertThat(refusal).as(phone::output).startsWith("403 Forbidden");
        }
    }

    private static Sipp sipp(String scenario, Kamailio kamailio, Transport transport) {
        return Sipp.scenario(scenario).target(kamailio.port(transport)).transport(transport).users(ALICE);
    }

    private static void assertPasses(SippResult result) {
        assertPasses(result, 1);
    }

    private static void assertPasses(SippResult result, int calls) {
        assertThat(result.succeeded(calls)).as(result::report).isTrue();
    }
}
