package io.sipreg.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderGrammarTest {

    private static SipParseException parseError(Runnable parse) {
        return catchThrowableOfType(SipParseException.class, parse::run);
    }

    @Test // RFC 3261 §19.1.1
    void parsesEveryPartOfASipUri() {
        var uri = SipUri.parse("sips:alice:secret@Atlanta.example.com:5061;transport=tcp;lr?subject=hi&x=y");

        assertThat(uri.scheme()).isEqualTo("sips");
        assertThat(uri.user()).isEqualTo("alice");
        assertThat(uri.password()).isEqualTo("secret");
        assertThat(uri.host()).isEqualTo("Atlanta.example.com");
        assertThat(uri.port()).isEqualTo(5061);
        assertThat(uri.params().get("transport")).contains("tcp");
        assertThat(uri.params().find("lr")).hasValueSatisfying(p -> assertThat(p.hasValue()).isFalse());
        assertThat(uri.headers()).isEqualTo("subject=hi&x=y");
        assertThat(uri.transport()).contains("tcp");
    }

    @ParameterizedTest // RFC 3261 §19.1.1, RFC 4475 §3.1.1.2 (intmeth), §3.1.1.3 (esc01), §3.1.2.? (semiuri)
    @ValueSource(strings = {
        "sip:example.com",
        "sip:alice@192.0.2.1",
        "sip:alice@[2001:db8::1]:5060;transport=udp",
        "sip:%61lice@example.com",
        "sip:user;par=u%40example.net@example.com",
        "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
        "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31",
        "sip:alice@example.com;maddr=[2001:db8::9]",
        "tel:+1-201-555-0123;phone-context=example.com",
        "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        "nobodyKnowsThisScheme:totallyopaquecontent",
    })
    void uriToStringRoundTrips(String text) {
        assertThat(SipUri.parse(text).toString()).isEqualTo(text);
        assertThat(SipUri.parse(SipUri.parse(text).toString())).isEqualTo(SipUri.parse(text));
    }

    @ParameterizedTest // RFC 3261 §19.1.1 / §25.1
    @CsvSource(delimiter = '|', value = {
        "sip:alice@          | 10",
        "sip: alice@host     | 4",
        "<sip:alice@host>    | 0",
        "sip:alice@host:99999| 15",
        "sip:alice@host;     | 15",
        "sip:al ice@host     | 6",
        "sip:a%4@host        | 5",
        "sip:alice@[2001:db8 | 10",
        "alice@host          | 5",
    })
    void rejectsMalformedUrisAtTheOffendingByte(String text, int offset) {
        var e = parseError(() -> SipUri.parse(text));

        assertThat(e.violation()).isEqualTo(Violation.BAD_URI);
        assertThat(e.offset()).isEqualTo(offset);
    }

    @Test // RFC 3261 §10.3 step 5
    void addressOfRecordDropsPortParamsAndLowerCasesSchemeAndHost() {
        assertThat(SipUri.parse("SIP:Bob@Biloxi.Example.COM:5070;transport=tcp?x=y").toAddressOfRecord())
                .isEqualTo("sip:Bob@biloxi.example.com");
        assertThat(SipUri.parse("sips:bob@example.com").toAddressOfRecord()).isEqualTo("sips:bob@example.com");
        assertThat(SipUri.parse("sip:%62ob@example.com").toAddressOfRecord()).isEqualTo("sip:bob@example.com");
        assertThat(SipUri.parse("sip:null-%00-null@example.com").toAddressOfRecord())
                .isEqualTo("sip:null-%00-null@example.com");
    }

    @ParameterizedTest // RFC 3261 §19.1.4, the section's own examples of equivalent URIs
    @CsvSource(delimiter = '|', value = {
        "sip:%61lice@atlanta.com;transport=TCP | sip:alice@AtLanTa.CoM;Transport=tcp",
        "sip:carol@chicago.com | sip:carol@chicago.com;newparam=5",
        "sip:carol@chicago.com | sip:carol@chicago.com;security=on",
        "sip:carol@chicago.com;newparam=5 | sip:carol@chicago.com;security=on",
        "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com"
                + " | sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
        "sip:alice@atlanta.com?subject=project%20x&priority=urgent"
                + " | sip:alice@atlanta.com?priority=urgent&subject=project%20x",
    })
    void equivalentUris(String a, String b) {
        assertThat(SipUri.parse(a).equivalentTo(SipUri.parse(b))).isTrue();
        assertThat(SipUri.parse(b).equivalentTo(SipUri.parse(a))).isTrue();
    }

    @ParameterizedTest // RFC 3261 §19.1.4, the section's own examples of URIs that are not equivalent
    @CsvSource(delimiter = '|', value = {
        "SIP:ALICE@AtLanTa.CoM;Transport=udp | sip:alice@AtLanTa.CoM;Transport=UDP",
        "sip:bob@biloxi.com | sip:bob@biloxi.com:5060",
        "sip:bob@biloxi.com | sip:bob@biloxi.com;transport=udp",
        "sip:bob@biloxi.com | sip:bob@biloxi.com:6000;transport=tcp",
        "sip:carol@chicago.com | sip:carol@chicago.com?Subject=next%20meeting",
        "sip:bob@phone21.boxesbybob.com | sip:bob@192.0.2.4",
        "sip:alice@example.com | sips:alice@example.com",
        "sip:alice@example.com;maddr=192.0.2.1 | sip:alice@example.com",
    })
    void nonEquivalentUris(String a, String b) {
        assertThat(SipUri.parse(a).equivalentTo(SipUri.parse(b))).isFalse();
        assertThat(SipUri.parse(b).equivalentTo(SipUri.parse(a))).isFalse();
    }

    @Test // RFC 3261 §20.10: name-addr with quoted display name and header params
    void parsesNameAddrWithQuotedDisplayNameAndHeaderParams() {
        var a = NameAddress.parse("\"Display \\\"Name\\\"\" <sip:u@h;uriparam>;tag=x;q=0.5;expires=60",
                Violation.BAD_CONTACT);

        assertThat(a.displayName()).isEqualTo("\"Display \\\"Name\\\"\"");
        assertThat(a.uri().params().has("uriparam")).isTrue();
        assertThat(a.tag()).contains("x");
        assertThat(a.params().get("q")).contains("0.5");
        assertThat(a.params().get("expires")).contains("60");
        assertThat(a.toString()).isEqualTo("\"Display \\\"Name\\\"\" <sip:u@h;uriparam>;tag=x;q=0.5;expires=60");
    }

    @Test // RFC 3261 §20.10: params after an addr-spec belong to the header, not the URI
    void addrSpecParamsBelongToTheHeader() {
        var a = NameAddress.parse("sip:u@h;tag=x", Violation.BAD_FROM);

        assertThat(a.uri()).isEqualTo(SipUri.sip("u", "h", -1));
        assertThat(a.tag()).contains("x");
        assertThat(a.toString()).isEqualTo("<sip:u@h>;tag=x");
    }

    @Test // RFC 5626 §4.1 +sip.instance, quoted, with <> inside
    void keepsQuotedInstanceIdVerbatim() {
        var a = NameAddress.parse(
                "<sip:alice@192.0.2.1;ob>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";reg-id=1",
                Violation.BAD_CONTACT);

        assertThat(a.params().get("+sip.instance")).contains("\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"");
        assertThat(a.params().get("reg-id")).contains("1");
        assertThat(a.uri().params().has("ob")).isTrue();
    }

    @Test // RFC 3261 §25.1 display-name = *(token LWS)
    void tokenDisplayNameIsKeptAsWritten() {
        var a = NameAddress.parse("token1~` token2'+_ token3*%!.- <sip:mundane@example.com> ;fromParam=x",
                Violation.BAD_FROM);

        assertThat(a.displayName()).isEqualTo("token1~` token2'+_ token3*%!.-");
        assertThat(a.params().get("fromParam")).contains("x");
    }

    @ParameterizedTest // RFC 4475 §3.1.2.13 badaspec, §3.1.2.14? baddn, quotbal
    @CsvSource(delimiter = '|', value = {
        "\"Watson, Thomas\" < sip:t.watson@example.org > | 18",
        "Bell, Alexander <sip:a.g.bell@example.com>;tag=43 | 4",
        "\"Mr. J. User <sip:j.user@example.com> | 0",
        "<sip:alice@example.com | 0",
        "<sip:alice@example.com>;=x | 24",
        "<sip:alice@example.com> junk | 24",
    })
    void rejectsMalformedNameAddr(String text, int offset) {
        var e = parseError(() -> NameAddress.parse(text, Violation.BAD_TO));

        assertThat(e.violation()).isEqualTo(Violation.BAD_TO);
        assertThat(e.offset()).isEqualTo(offset);
    }

    @Test // RFC 3261 §20.42
    void parsesViaWithRportReceivedAndLowerCaseTransport() {
        var via = Via.parse("SIP/2.0/udp host.example.com:5060;branch=z9hG4bK776;rport;received=192.0.2.1");

        assertThat(via.transport()).isEqualTo("UDP");
        assertThat(via.host()).isEqualTo("host.example.com");
        assertThat(via.port()).isEqualTo(5060);
        assertThat(via.branch()).contains("z9hG4bK776");
        assertThat(via.hasRport()).isTrue();
        assertThat(via.rport()).isEmpty();
        assertThat(via.received()).contains("192.0.2.1");
        assertThat(via.hasRfc3261Branch()).isTrue();
        assertThat(via.toString())
                .isEqualTo("SIP/2.0/UDP host.example.com:5060;branch=z9hG4bK776;rport;received=192.0.2.1");
    }

    @Test // RFC 3261 §25.1 LWS around SLASH, COLON and SEMI; RFC 4475 §3.1.1.1
    void viaToleratesLwsAroundSeparators() {
        var via = Via.parse("SIP  /   2.0 /UDP    192.0.2.2 : 5070 ;rport ; branch = 390skdjuw");

        assertThat(via).isEqualTo(new Via("UDP", "192.0.2.2", 5070,
                Parameters.of(List.of(new Parameters.Param("rport", "", false),
                        new Parameters.Param("branch", "390skdjuw", true)))));
    }

    @Test // RFC 3261 §20.42 with an IPv6 reference, RFC 5118
    void parsesViaWithIpv6HostAndReceived() {
        var via = Via.parse("SIP/2.0/TCP [2001:db8::9:1]:5060;branch=z9hG4bKas3;received=[2001:db8::9:255];rport=5061");

        assertThat(via.host()).isEqualTo("[2001:db8::9:1]");
        assertThat(via.received()).contains("[2001:db8::9:255]");
        assertThat(via.rport()).hasValue(5061);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SIP/2.0/UDP | 11",
        "SIP/2.0 host | 8",
        "SIP/3.0/UDP host | 4",
        "SIP/2.0/UDP host:port | 17",
        "SIP/2.0/UDP host;branch= | 24",
    })
    void rejectsMalformedVia(String text, int offset) {
        var e = parseError(() -> Via.parse(text));

        assertThat(e.violation()).isEqualTo(Violation.BAD_VIA);
        assertThat(e.offset()).isEqualTo(offset);
    }

    @Test // RFC 3261 §20.16
    void parsesCSeq() {
        assertThat(CSeq.parse("0009 INVITE")).isEqualTo(new CSeq(9, "INVITE"));
        assertThat(CSeq.parse("2147483647 REGISTER").sequence()).isEqualTo(2147483647L);
    }

    @ParameterizedTest // RFC 3261 §8.1.1.5: below 2**31
    @CsvSource(delimiter = '|', value = {"2147483648 REGISTER | 0", "REGISTER | 0", "1 | 1", "1 REGISTER x | 11"})
    void rejectsMalformedCSeq(String text, int offset) {
        var e = parseError(() -> CSeq.parse(text));

        assertThat(e.violation()).isEqualTo(Violation.BAD_CSEQ);
        assertThat(e.offset()).isEqualTo(offset);
    }

    @Test // RFC 3261 §10.2.3: a REGISTER without Contact fetches the bindings
    void noContactIsAnEmptyContactSet() {
        assertThat(ContactSet.of(Headers.EMPTY)).isEqualTo(new ContactSet.Contacts(List.of()));
    }

    @Test // RFC 3261 §10.2.2
    void starAloneIsTheWildcard() {
        assertThat(ContactSet.of(Headers.builder().add("Contact", "*").build()))
                .isInstanceOf(ContactSet.Wildcard.class);
    }

    @Test // RFC 3261 §10.3 step 6: "*" with other contacts is a 400
    void starWithOtherContactsIsBadContact() {
        var headers = Headers.builder().add("Contact", "*").add("Contact", "<sip:a@b>").build();

        assertThat(parseError(() -> ContactSet.of(headers)).violation()).isEqualTo(Violation.BAD_CONTACT);
    }

    @Test // RFC 3261 §20.10
    void contactsKeepOrderAndSplitCommaLists() {
        var set = ContactSet.of(Headers.builder().add("Contact", "<sip:a@b>;q=0.7, \"x, y\" <sip:c@d>").build());

        assertThat(set).isInstanceOfSatisfying(ContactSet.Contacts.class, c -> assertThat(c.addresses())
                .extracting(a -> a.uri().user()).containsExactly("a", "c"));
    }

    @ParameterizedTest // RFC 3261 §20.10 contact-params: qvalue and delta-seconds
    @ValueSource(strings = {"<sip:a@b>;q=1.5", "<sip:a@b>;q=x", "<sip:a@b>;expires=-1", "<sip:a@b>;expires=4294967296"})
    void rejectsOutOfRangeContactParams(String value) {
        var headers = Headers.builder().add("Contact", value).build();

        assertThat(parseError(() -> ContactSet.of(headers)).violation()).isEqualTo(Violation.BAD_CONTACT);
    }

    @Test // RFC 3261 §20.42 via-received = "received" EQUAL (IPv4address / IPv6address), unbracketed
    void viaReceivedMayBeAnUnbracketedIpv6Address() {
        assertThat(Via.parse("SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1;received=2001:db8::1").received())
                .contains("2001:db8::1");
    }

    @Test // RFC 4475 §3.1.1.6: no LWS between a token display name and <
    void tokenDisplayNameMayTouchTheBracket() {
        var a = NameAddress.parse("caller<sip:caller@example.com>;tag=323", Violation.BAD_FROM);

        assertThat(a.displayName()).isEqualTo("caller");
        assertThat(a.tag()).contains("323");
    }

    @Test // RFC 3261 §19.1: other schemes are kept verbatim, including in an address-of-record
    void otherSchemesRoundTripAndKeepTheirText() {
        var tel = SipUri.parse("tel:+1-201-555-0123");

        assertThat(tel.isSip()).isFalse();
        assertThat(tel.toAddressOfRecord()).isEqualTo("tel:+1-201-555-0123");
        assertThat(tel.equivalentTo(SipUri.parse("TEL:+1-201-555-0123"))).isTrue();
        assertThat(NameAddress.parse("<urn:service:sos>", Violation.BAD_TO).uri().host()).isEqualTo("service:sos");
    }

    @Test // RFC 3261 §19.1.4: escaped and unescaped parameter values compare equal
    void escapedParametersCompareUnescaped() {
        assertThat(SipUri.parse("sip:a@h;n%61me=v%61lue").equivalentTo(SipUri.parse("sip:a@h;name=VALUE"))).isTrue();
        assertThat(SipUri.parse("sip:a@h;user=phone").equivalentTo(SipUri.parse("sip:a@h"))).isFalse();
        assertThat(SipUri.parse("sip:a@h;ttl=1").equivalentTo(SipUri.parse("sip:a@h;ttl=2"))).isFalse();
    }

    @Test // RFC 3261 §20.10: "if the URI contains a comma, question mark or semicolon, the URI MUST be enclosed"
    void addrSpecWithAQuestionMarkMustBeBracketed() {
        var e = parseError(() -> NameAddress.parse("sip:user@example.com?Route=%3Csip:x%3E", Violation.BAD_CONTACT));

        assertThat(e.violation()).isEqualTo(Violation.BAD_CONTACT);
        assertThat(e.offset()).isEqualTo(20);
        assertThat(NameAddress.parse("<sip:user@example.com?Route=%3Csip:x%3E>", Violation.BAD_CONTACT).uri().headers())
                .isEqualTo("Route=%3Csip:x%3E");
    }
}
