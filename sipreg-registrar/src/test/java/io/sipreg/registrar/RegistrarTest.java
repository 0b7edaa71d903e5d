package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.HeaderName;
import io.sipreg.message.SipResponse;
import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** RFC 3261 §10.3, steps 1 to 8, with an authenticated device and the in-memory store. */
class RegistrarTest {
    static final String ALICE_AOR = "sip:alice@example.com";

    /** Alice's phone behind NAT; the transport has filled in received and rport (RFC 3581). */
    static final String REGISTER = """
            REGISTER sip:example.com SIP/2.0
            Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776asdhds;rport=40211;received=198.51.100.7
            Max-Forwards: 70
            To: Alice <sip:alice@example.com>
            From: Alice <sip:alice@example.com>;tag=1928301774
            Call-ID: a84b4c76e66710@10.0.0.5
            CSeq: 1 REGISTER
            Contact: <sip:alice@10.0.0.5:5060>
            User-Agent: Algo 8180
            Expires: 3600
            Content-Length: 0

            """;

    final ManualClock clock = ManualClock.at("2025-03-01T10:00:00Z");
    final InMemoryLocationStore locations = new InMemoryLocationStore(clock);
    final MapUserStore users = new MapUserStore();
    final Flow flow = new Flow(Transport.UDP, new InetSocketAddress("192.0.2.1", 5060),
            new InetSocketAddress("198.51.100.7", 40211), 0);
    Registrar registrar;
    Device alice;

    @BeforeEach
    void start() {
        users.put(User.withPassword("alice", "example.com", "wonderland"));
        users.put(User.withPassword("bob", "example.com", "builder"));
        registrar = new Registrar(RegistrarConfig.defaults("example.com"), locations, users,
                NonceService.withRandomSecret(Duration.ofSeconds(300), clock), clock,
                Set.of(new InetSocketAddress("192.0.2.1", 5060)));
        alice = new Device(registrar, flow, "alice", "wonderland");
    }

    // ---- step 1: Request-URI ----

    @Test // RFC 3261 §10.3 step 1
    void aRequestUriForAnotherDomainIsNotServed() {
        SipResponse response = alice.register(REGISTER.replace("REGISTER sip:example.com", "REGISTER sip:example.org"));

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.reason()).isEqualTo("Domain not served");
        assertThat(locations.all()).isEmpty();
    }

    @Test // RFC 3261 §10.3 step 1: the server's own address stands for the domain
    void aRequestUriNamingTheServersAddressIsTheServedDomain() {
        SipResponse response = alice.register(REGISTER.replace("REGISTER sip:example.com",
                "REGISTER sip:192.0.2.1:5060"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(locations.bindings(ALICE_AOR)).hasSize(1);
    }

    @Test // RFC 3261 §10.3 step 1
    void theServersAddressWithAnotherPortIsNotServed() {
        SipResponse response = alice.register(REGISTER.replace("REGISTER sip:example.com",
                "REGISTER sip:192.0.2.1:5070"));

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.reason()).isEqualTo("Domain not served");
    }

    @Test // RFC 3261 §10.3 step 1: domain names compare case-insensitively
    void theDomainMatchesInAnyCase() {
        SipResponse response = alice.register(REGISTER.replace("REGISTER sip:example.com",
                "REGISTER sip:EXAMPLE.com"));

        assertThat(response.status()).isEqualTo(200);
    }

    // ---- step 2: Require ----

    @Test // RFC 3261 §10.3 step 2, §8.2.2.3
    void anUnsupportedRequiredExtensionIs420WithUnsupported() {
        SipResponse response = alice.register(SipText.withHeader(REGISTER, "Require: path, gruu"));

        assertThat(response.status()).isEqualTo(420);
        assertThat(response.reason()).isEqualTo("Bad Extension");
        assertThat(String.join(", ", response.headers().all(HeaderName.UNSUPPORTED))).isEqualTo("path, gruu");
    }

    // ---- step 4: authorization for the AOR ----

    @Test // RFC 3261 §10.3 step 4
    void aUserMayNotRegisterSomeoneElsesAddressOfRecord() {
        String bobsAor = REGISTER.replace("To: Alice <sip:alice@example.com>", "To: Bob <sip:bob@example.com>");

        SipResponse response = alice.register(bobsAor);

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.reason()).isEqualTo("Not authorized for this address-of-record");
        assertThat(locations.all()).isEmpty();
    }

    // ---- step 5: AOR from To ----

    @Test // RFC 3261 §10.3 step 5
    void aToInAnotherDomainIsNotFound() {
        SipResponse response = alice.register(REGISTER.replace("To: Alice <sip:alice@example.com>",
                "To: Alice <sip:alice@example.org>"));

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.reason()).isEqualTo("Not Found");
    }

    @Test // RFC 3261 §10.3 step 5: the AOR is keyed by the domain even when To names our address
    void aToNamingTheServersAddressIsStoredUnderTheDomain() {
        SipResponse response = alice.register(REGISTER.replace("To: Alice <sip:alice@example.com>",
                "To: <sip:alice@192.0.2.1>"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(locations.bindings(ALICE_AOR)).extracting(Binding::contactUri)
                .containsExactly("sip:alice@10.0.0.5:5060");
    }

    // ---- step 6: wildcard ----

    @Test // RFC 3261 §10.3 step 6
    void aWildcardWithNonZeroExpiresIsRejected() {
        SipResponse response = alice.register(REGISTER.replace("Contact: <sip:alice@10.0.0.5:5060>", "Contact: *"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.reason()).isEqualTo("Contact * requires Expires: 0");
    }

    @Test // RFC 3261 §10.3 step 6: the Expires *header* must be zero; a wildcard has no expires parameter
    void aWildcardWithoutAnExpiresHeaderIsRejected() {
        SipResponse response = alice.register(REGISTER.replace("Contact: <sip:alice@10.0.0.5:5060>", "Contact: *")
                .replace("Expires: 3600\n", ""));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.reason()).isEqualTo("Contact * requires Expires: 0");
    }

    @Test // RFC 3261 §10.3 step 6; the strict parser already refuses this (as a malformed Contact)
    void aWildcardBesideOtherContactsIsRejected() {
        SipResponse response = alice.registerLeniently(REGISTER
                .replace("Contact: <sip:alice@10.0.0.5:5060>", "Contact: *\nContact: <sip:alice@10.0.0.5:5060>")
                .replace("Expires: 3600", "Expires: 0"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.reason()).isEqualTo("Contact * must be alone");
    }

    @Test // RFC 3261 §10.3 step 7: a binding to a scheme we cannot reach is refused, not stored
    void aContactThatIsNotASipUriIsRefusedAndNothingIsStored() {
        SipResponse response = alice.register(REGISTER.replace("Contact: <sip:alice@10.0.0.5:5060>",
                "Contact: <sip:alice@10.0.0.6:5060>, <http://attacker.example/track>"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.reason()).isEqualTo("Contact is not a SIP URI");
        assertThat(locations.all()).isEmpty();
    }

    @Test // RFC 3261 §10.3 step 6, §10.2.2
    void aWildcardWithExpiresZeroRemovesEveryBinding() {
        alice.register(REGISTER.replace("Contact: <sip:alice@10.0.0.5:5060>",
                "Contact: <sip:alice@10.0.0.5:5060>, <sip:alice@10.0.0.6:5060>"));
        assertThat(locations.bindings(ALICE_AOR)).hasSize(2);

        SipResponse response = alice.send(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 3 REGISTER")
                .replace("Contact: <sip:alice@10.0.0.5:5060>", "Contact: *").replace("Expires: 3600", "Expires: 0"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().all(HeaderName.CONTACT)).isEmpty();
        assertThat(locations.bindings(ALICE_AOR)).isEmpty();
    }

    @Test // RFC 3261 §10.3 step 7 applied to "*": a stale wildcard must not remove a newer binding
    void aWildcardOlderThanABindingOfTheSameCallIdChangesNothing() {
        alice.register(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 10 REGISTER"));

        SipResponse response = alice.send(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 5 REGISTER")
                .replace("Contact: <sip:alice@10.0.0.5:5060>", "Contact: *").replace("Expires: 3600", "Expires: 0"));

        assertThat(response.status()).isEqualTo(500);
        assertThat(response.reason()).isEqualTo("Out of order CSeq");
        assertThat(locations.bindings(ALICE_AOR)).hasSize(1);
    }

    // ---- step 7: each contact ----

    @Test // RFC 3261 §10.3 step 7, §10.2.8
    void anExpiresParameterBelowTheMinimumIs423WithMinExpires() {
        SipResponse response = alice.register(REGISTER.replace("<sip:alice@10.0.0.5:5060>",
                "<sip:alice@10.0.0.5:5060>;expires=30"));

        assertThat(response.status()).isEqualTo(423);
        assertThat(response.reason()).isEqualTo("Interval Too Brief");
        assertThat(response.headers().first(HeaderName.MIN_EXPIRES)).contains("60");
        assertThat(locations.all()).isEmpty();
    }

    @Test // RFC 3261 §10.3 step 7, §10.2.8
    void anExpiresHeaderBelowTheMinimumIs423() {
        SipResponse response = alice.register(REGISTER.replace("Expires: 3600", "Expires: 59"));

        assertThat(response.status()).isEqualTo(423);
        assertThat(response.headers().first(HeaderName.MIN_EXPIRES)).contains("60");
    }

    @Test // RFC 3261 §10.2.1.1: "the registrar MAY shorten it"
    void anExpiryAboveTheMaximumIsCapped() {
        SipResponse response = alice.register(REGISTER.replace("Expires: 3600", "Expires: 86400"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().all(HeaderName.CONTACT)).containsExactly("<sip:alice@10.0.0.5:5060>;expires=3600");
    }

    @Test // RFC 3261 §10.2.1.1: the parameter wins over the header; without either, the server default
    void eachContactTakesItsParameterThenTheHeaderThenTheDefault() {
        SipResponse response = alice.register(REGISTER
                .replace("Contact: <sip:alice@10.0.0.5:5060>",
                        "Contact: <sip:alice@10.0.0.5:5060>;expires=120, <sip:alice@10.0.0.6:5060>")
                .replace("Expires: 3600\n", ""));

        assertThat(response.headers().all(HeaderName.CONTACT)).containsExactlyInAnyOrder(
                "<sip:alice@10.0.0.5:5060>;expires=120", "<sip:alice@10.0.0.6:5060>;expires=3600");
    }

    @Test // RFC 3261 §20.10 contact-params, §25.1 delta-seconds; the strict parser already refuses this
    void aNonNumericExpiresParameterIs400() {
        SipResponse response = alice.registerLeniently(REGISTER.replace("<sip:alice@10.0.0.5:5060>",
                "<sip:alice@10.0.0.5:5060>;expires=soon"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.reason()).isEqualTo("Malformed Contact header");
    }

    @Test // RFC 3261 §20.19; the strict parser already refuses this
    void aNonNumericExpiresHeaderIs400() {
        SipResponse response = alice.registerLeniently(REGISTER.replace("Expires: 3600", "Expires: 1h"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.reason()).isEqualTo("Malformed Expires header");
    }

    @Test // RFC 3261 §10.3 step 7: "removed if the expiration time is zero"
    void expiresZeroRemovesTheBinding() {
        alice.register(REGISTER);
        assertThat(locations.bindings(ALICE_AOR)).hasSize(1);

        SipResponse response = alice.send(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 3 REGISTER")
                .replace("Expires: 3600", "Expires: 0"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().all(HeaderName.CONTACT)).isEmpty();
        assertThat(locations.bindings(ALICE_AOR)).isEmpty();
    }

    @Test // RFC 3261 §10.3 step 7: same Call-ID, CSeq not higher → the update is aborted
    void anOutOfOrderCSeqLeavesTheBindingAsItWas() {
        alice.register(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 10 REGISTER"));
        Binding before = locations.bindings(ALICE_AOR).get(0);
        clock.advance(Duration.ofSeconds(100));

        SipResponse lower = alice.send(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 9 REGISTER")
                .replace("Expires: 3600", "Expires: 0"));
        SipResponse equal = alice.send(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 11 REGISTER")
                .replace("Expires: 3600", "Expires: 600"));

        assertThat(lower.status()).isEqualTo(500);
        assertThat(lower.reason()).isEqualTo("Out of order CSeq");
        assertThat(equal.status()).isEqualTo(500);
        assertThat(locations.bindings(ALICE_AOR)).containsExactly(before);
    }

    @Test // RFC 3261 §10.3 step 7: a different Call-ID replaces the binding whatever its CSeq
    void aNewCallIdReplacesTheBinding() {
        alice.register(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 500 REGISTER"));

        SipResponse response = alice.send(REGISTER.replace("Call-ID: a84b4c76e66710@10.0.0.5",
                "Call-ID: rebooted-1@10.0.0.5").replace("Expires: 3600", "Expires: 1800"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(locations.bindings(ALICE_AOR)).singleElement().satisfies(b -> {
            assertThat(b.callId()).isEqualTo("rebooted-1@10.0.0.5");
            assertThat(b.cseq()).isEqualTo(1);
            assertThat(b.remainingSeconds(clock.instant())).isEqualTo(1800);
        });
    }

    @Test // RFC 3261 §10.3 step 7 compares contact URIs by §19.1.4: host case does not matter
    void anEquivalentContactUriRefreshesTheSameBinding() {
        alice.register(REGISTER.replace("<sip:alice@10.0.0.5:5060>", "<sip:alice@Phone.Example.net>"));

        alice.send(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 3 REGISTER")
                .replace("<sip:alice@10.0.0.5:5060>", "<sip:alice@phone.example.net>"));

        assertThat(locations.bindings(ALICE_AOR)).extracting(Binding::contactUri)
                .containsExactly("sip:alice@phone.example.net");
    }

    @Test // RFC 3261 §10.3 step 7; RFC 5626 §5.3 (flow), §4.1 (+sip.instance), §4.2 (reg-id)
    void aBindingRemembersTheRequestAndTheFlowItCameOn() {
        alice.register(SipText.withHeader(REGISTER, "Supported: outbound").replace("<sip:alice@10.0.0.5:5060>",
                "<sip:alice@10.0.0.5:5060;transport=udp>;q=0.7;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-"
                        + "AABBCCDDEEFF>\";reg-id=1"));

        Binding b = locations.bindings(ALICE_AOR).get(0);
        assertThat(b.aor()).isEqualTo(ALICE_AOR);
        assertThat(b.contactUri()).isEqualTo("sip:alice@10.0.0.5:5060;transport=udp");
        assertThat(b.q()).isEqualTo(700);
        assertThat(b.qText()).isEqualTo("0.7");
        assertThat(b.callId()).isEqualTo("a84b4c76e66710@10.0.0.5");
        assertThat(b.cseq()).isEqualTo(2);
        assertThat(b.source()).isEqualTo("198.51.100.7:40211");
        assertThat(b.transport()).isEqualTo("UDP");
        assertThat(b.localSocket()).isEqualTo("192.0.2.1:5060");
        assertThat(b.connectionId()).isZero();
        assertThat(b.nat()).isTrue();
        assertThat(b.userAgent()).isEqualTo("Algo 8180");
        assertThat(b.instanceId()).isEqualTo("<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>");
        assertThat(b.regId()).isEqualTo(1);
        assertThat(b.path()).isEmpty();
        assertThat(b.registeredAt()).isEqualTo(clock.millis());
        assertThat(b.lastUpdated()).isEqualTo(clock.millis());
        assertThat(b.expiresAt()).isEqualTo(clock.millis() + 3_600_000);
    }

    @Test // RFC 3261 §10.3 step 7: a refresh keeps when the registration began
    void aRefreshKeepsTheRegistrationTime() {
        alice.register(REGISTER);
        long registeredAt = clock.millis();
        clock.advance(Duration.ofSeconds(1800));

        alice.register(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 3 REGISTER"));

        Binding b = locations.bindings(ALICE_AOR).get(0);
        assertThat(b.registeredAt()).isEqualTo(registeredAt);
        assertThat(b.lastUpdated()).isEqualTo(clock.millis());
        assertThat(b.remainingSeconds(clock.instant())).isEqualTo(3600);
    }

    // ---- step 8: response ----

    @Test // RFC 3261 §10.3 step 8, §8.2.6.2
    void the200ListsTheBindingsWithAToTagDateAndServer() {
        SipResponse response = alice.register(REGISTER);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.reason()).isEqualTo("OK");
        assertThat(response.headers().first(HeaderName.CSEQ)).contains("2 REGISTER");
        assertThat(response.headers().first(HeaderName.TO).orElseThrow())
                .startsWith("Alice <sip:alice@example.com>;tag=");
        assertThat(response.headers().all(HeaderName.VIA)).containsExactly(
                "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776asdhds;rport=40211;received=198.51.100.7");
        assertThat(response.headers().all(HeaderName.CONTACT)).containsExactly("<sip:alice@10.0.0.5:5060>;expires=3600");
        assertThat(response.headers().first(HeaderName.DATE)).contains("Sat, 01 Mar 2025 10:00:00 GMT");
        assertThat(response.headers().first(HeaderName.SERVER)).contains("sipreg/0.1");
    }

    @Test // RFC 3261 §10.2.3, §10.3 step 8: no Contact is a query and changes nothing
    void aRegisterWithoutContactFetchesTheBindings() {
        alice.register(REGISTER);
        clock.advance(Duration.ofSeconds(600));
        Binding before = locations.bindings(ALICE_AOR).get(0);

        SipResponse response = alice.register(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 3 REGISTER")
                .replace("Contact: <sip:alice@10.0.0.5:5060>\n", "").replace("Expires: 3600\n", ""));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().all(HeaderName.CONTACT)).containsExactly("<sip:alice@10.0.0.5:5060>;expires=3000");
        assertThat(locations.bindings(ALICE_AOR)).containsExactly(before);
    }

    @Test // RFC 3261 §10.3 step 8, §20.10: highest q first; a Contact without q counts as 1.0 and is echoed without
    void bindingsAreListedByDescendingQAndQIsWrittenBackAsSent() {
        SipResponse response = alice.register(REGISTER.replace("Contact: <sip:alice@10.0.0.5:5060>",
                "Contact: <sip:alice@10.0.0.7>;q=0.5, <sip:alice@10.0.0.8>, <sip:alice@10.0.0.9>;q=0.9"));

        assertThat(response.headers().all(HeaderName.CONTACT)).containsExactly(
                "<sip:alice@10.0.0.8>;expires=3600",
                "<sip:alice@10.0.0.9>;q=0.9;expires=3600",
                "<sip:alice@10.0.0.7>;q=0.5;expires=3600");
        assertThat(locations.bindings(ALICE_AOR)).extracting(Binding::qText).containsExactly("", "0.9", "0.5");
    }

    @Test // RFC 3261 §20.10 qvalue; the strict parser already refuses this
    void aMalformedQIs400() {
        SipResponse response = alice.registerLeniently(REGISTER.replace("<sip:alice@10.0.0.5:5060>",
                "<sip:alice@10.0.0.5:5060>;q=1.5"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.reason()).isEqualTo("Malformed Contact header");
    }

    // ---- expiry ----

    @Test // RFC 3261 §10.2.1: a binding not refreshed in time is gone
    void anExpiredBindingDisappearsOnTime() {
        alice.register(REGISTER.replace("Expires: 3600", "Expires: 60"));
        clock.advance(Duration.ofSeconds(59));
        assertThat(locations.bindings(ALICE_AOR)).singleElement()
                .satisfies(b -> assertThat(b.remainingSeconds(clock.instant())).isEqualTo(1));

        clock.advance(Duration.ofSeconds(1));

        assertThat(locations.bindings(ALICE_AOR)).isEmpty();
        assertThat(locations.all()).isEmpty();
        assertThat(locations.removeExpired(clock.instant())).isEqualTo(1);
        SipResponse fetch = alice.register(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 3 REGISTER")
                .replace("Contact: <sip:alice@10.0.0.5:5060>\n", ""));
        assertThat(fetch.headers().all(HeaderName.CONTACT)).isEmpty();
    }

    // ---- 200 means stored ----

    @Test // RFC 3261 §10.3 step 8: never a 200 for a binding that was not stored
    void aStoreFailureIs500AndNever200() {
        alice.register(REGISTER.replace("Contact: <sip:alice@10.0.0.5:5060>\n", ""));
        locations.close();

        SipResponse response = alice.send(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 3 REGISTER"));

        assertThat(response.status()).isEqualTo(500);
        assertThat(response.reason()).isEqualTo("Binding store unavailable");
    }

    // ---- other methods ----

    @Test // RFC 3261 §11.2
    void optionsToTheServerSaysWhatItSupports() {
        SipResponse response = alice.exchange("""
                OPTIONS sip:example.com SIP/2.0
                Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKhjhs8ass877;rport=40211;received=198.51.100.7
                Max-Forwards: 70
                To: <sip:example.com>
                From: Alice <sip:alice@example.com>;tag=1928301774
                Call-ID: ping-1@10.0.0.5
                CSeq: 63104 OPTIONS
                Accept: application/sdp
                Content-Length: 0

                """);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().first(HeaderName.ALLOW)).contains("REGISTER, OPTIONS");
        assertThat(response.headers().first(HeaderName.ACCEPT)).contains("");
        assertThat(response.headers().first(HeaderName.TO).orElseThrow()).startsWith("<sip:example.com>;tag=");
        assertThat(response.headers().first(HeaderName.CSEQ)).contains("63104 OPTIONS");
    }

    @Test // RFC 3261 §8.2.1
    void anyOtherMethodIs405WithAllow() {
        SipResponse response = alice.exchange("""
                SUBSCRIBE sip:alice@example.com SIP/2.0
                Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKnashds8;rport=40211;received=198.51.100.7
                Max-Forwards: 70
                To: <sip:alice@example.com>
                From: Alice <sip:alice@example.com>;tag=1928301774
                Call-ID: sub-1@10.0.0.5
                CSeq: 1 SUBSCRIBE
                Event: reg
                Content-Length: 0

                """);

        assertThat(response.status()).isEqualTo(405);
        assertThat(response.reason()).isEqualTo("Method Not Allowed");
        assertThat(response.headers().first(HeaderName.ALLOW)).contains("REGISTER, OPTIONS");
    }

    @Test // RFC 3261 §10.3: two devices of one user keep separate bindings
    void twoDevicesOfOneUserHaveOneBindingEach() {
        var desk = new Device(registrar, flow, "alice", "wonderland");
        alice.register(REGISTER);
        desk.register(REGISTER.replace("Call-ID: a84b4c76e66710@10.0.0.5", "Call-ID: desk-7@10.0.0.6")
                .replace("<sip:alice@10.0.0.5:5060>", "<sip:alice@10.0.0.6:5060>"));

        List<Binding> bindings = locations.bindings(ALICE_AOR);

        assertThat(bindings).extracting(Binding::contactUri)
                .containsExactlyInAnyOrder("sip:alice@10.0.0.5:5060", "sip:alice@10.0.0.6:5060");
    }
}
