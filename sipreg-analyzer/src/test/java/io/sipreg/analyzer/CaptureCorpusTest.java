package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per recorded capture (src/test/resources/captures/MANIFEST.md): what real programs did on the wire,
 * and what the analyzer must conclude from it. Frame numbers are those of the committed files.
 */
class CaptureCorpusTest {

    @Test // baresip -> sipreg over UDP on port 5080: 401, 200; on exit, expires 0: 401, 200
    void registeredThenUnregistered() {
        var r = Captures.analyze("baresip-sipreg-udp.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "unregistered");
        assertThat(r.registrations()).extracting(Conversation::challenge).containsExactly(401, 401);
        assertThat(r.codes()).containsExactly("registered", "unregistered");
        Finding registered = r.finding("registered");
        assertThat(registered.severity()).isEqualTo(Severity.INFO);
        assertThat(registered.frames()).containsExactly(1L, 4L);
        assertThat(registered.message()).contains("sip:alice@example.com registered after a 401 challenge",
                "realm \"example.com\", MD5", "user \"alice\"", "binding for 600 s");
        assertThat(r.finding("unregistered").frames()).containsExactly(7L, 8L);
        assertThat(r.registrations().get(0).setupMs()).isPositive();
    }

    @Test // tcpdump -s 300: every message cut inside its To header; no Call-ID, CSeq, credentials or challenge
    void snapLengthKeepsTheFirstHeaders() {
        var r = Captures.analyze("baresip-sipreg-snaplen-300.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "unregistered");
        assertThat(r.registrations()).extracting(Conversation::challenge).containsExactly(401, 401);
        assertThat(r.codes()).containsExactly("capture-truncated", "registered", "unregistered");
        Finding cut = r.finding("capture-truncated");
        assertThat(cut.severity()).isEqualTo(Severity.WARNING);
        assertThat(cut.frames()).containsExactly(1L, 2L, 3L);
        assertThat(cut.message()).contains("at most 300 bytes", "8 frames were longer", "300 of 556 bytes",
                "grouped by its address", "tcpdump -s 0").doesNotContain("left out");
        assertThat(r.finding("registered").frames()).containsExactly(1L, 4L);
        assertThat(r.finding("unregistered").frames()).containsExactly(7L, 8L);
    }

    @Test // the same traffic with tcpdump -s 96: start lines only, nothing to match them by
    void snapLengthTooShortForTheVia() {
        var r = Captures.analyze("baresip-sipreg-snaplen-96.pcap");
        assertThat(r.registrations()).isEmpty();
        assertThat(r.codes()).containsExactly("capture-truncated");
        assertThat(r.finding("capture-truncated").message()).contains("at most 96 bytes",
                "8 SIP messages were cut before the top Via", "left out").doesNotContain("grouped by its address");
    }

    @Test // SIPp over TCP with tcpdump -s 300: each segment carries one message, cut; the stream is not whole
    void snapLengthOverTcp() {
        var r = Captures.analyze("sipp-sipreg-tcp-snaplen-300.pcap");
        assertThat(r.outcomes()).containsExactly("registered");
        assertThat(r.registrations()).extracting(Conversation::challenge).containsExactly(401);
        assertThat(r.codes()).containsExactly("capture-truncated", "registered");
        assertThat(r.finding("capture-truncated").message()).contains("at most 300 bytes", "4 frames were longer")
                .doesNotContain("grouped by its address");
        assertThat(r.registrations().get(0).events()).hasSize(4)
                .allSatisfy(e -> assertThat(((CapturedMessage) e).transport()).isEqualTo(Transport.TCP));
    }

    @Test // linphonec -> sipreg over UDP on 5080: 401, 200 (CSeq 20, 21); on quit, expires 0 with the old nonce: 200
    void linphoneRegisteredThenUnregistered() {
        var r = Captures.analyze("linphone-sipreg.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "unregistered");
        assertThat(r.registrations()).extracting(Conversation::challenge).containsExactly(401, 0);
        assertThat(r.codes()).containsExactly("registered", "unregistered");
        assertThat(r.finding("registered").frames()).containsExactly(1L, 4L);
        assertThat(r.finding("registered").message()).contains("sip:alice@example.com registered after a 401",
                "user \"alice\"", "binding for 120 s");
        assertThat(r.finding("unregistered").frames()).containsExactly(5L, 6L);
    }

    @Test // linphonec -> Kamailio: registered and unregistered; then with a wrong password: 401, 403, no retry
    void linphoneWithKamailio() {
        var r = Captures.analyze("linphone-kamailio.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "unregistered", "wrong-credentials");
        assertThat(r.codes()).containsExactly("registered", "unregistered", "wrong-credentials");
        Finding wrong = r.finding("wrong-credentials");
        assertThat(wrong.severity()).isEqualTo(Severity.ERROR);
        assertThat(wrong.frames()).containsExactly(9L, 10L);
        assertThat(wrong.message()).contains("user \"alice\"", "403 Forbidden", "password");
    }

    @Test // SIPp -> sipreg --challenge 407: Proxy-Authenticate / Proxy-Authorization
    void registeredAfterA407() {
        var r = Captures.analyze("sipp-sipreg-407.pcapng");
        assertThat(r.outcomes()).containsExactly("registered");
        assertThat(r.registrations().get(0).challenge()).isEqualTo(407);
        assertThat(r.finding("registered").message()).contains("after a 407 challenge");
    }

    @Test // SIPp with a wrong password -> 401, credentials, 403 (Linux cooked v2)
    void wrongCredentials() {
        var r = Captures.analyze("sipp-sipreg-wrong-password-sll2.pcap");
        assertThat(r.outcomes()).containsExactly("wrong-credentials");
        assertThat(r.codes()).containsExactly("wrong-credentials");
        Finding f = r.finding("wrong-credentials");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.frames()).containsExactly(3L, 4L);
        assertThat(f.message()).contains("user \"alice\"", "403 Forbidden", "password");
    }

    @Test // baresip with an auth user Kamailio does not know: 401 after every set of credentials
    void challengeLoop() {
        var r = Captures.analyze("baresip-kamailio-challenge-loop.pcap");
        assertThat(r.outcomes()).containsExactly("challenge-loop");
        Finding f = r.finding("challenge-loop");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.frames()).containsExactly(3L, 4L);
        assertThat(f.message()).contains("as user \"bob\"", "challenged again", "authentication username");
    }

    @Test // baresip asks 30 s, Kamailio 423 Min-Expires 60, baresip retries with 60 and registers
    void intervalTooBriefAndRetried() {
        var r = Captures.analyze("baresip-kamailio-423.pcap");
        assertThat(r.outcomes()).containsExactly("registered");
        Finding f = r.finding("interval-too-brief");
        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.frames()).containsExactly(3L, 4L, 5L);
        assertThat(f.message()).contains("asked for 30 s", "Min-Expires 60", "retried with 60 s", "registered");
        assertThat(r.finding("registered").message()).contains("binding for 60 s");
    }

    @Test // SIPp asks 10 s, sipreg 423, no retry
    void intervalTooBriefAndGivenUp() {
        var r = Captures.analyze("sipp-sipreg-423.pcap");
        assertThat(r.outcomes()).containsExactly("interval-too-brief");
        Finding f = r.finding("interval-too-brief");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.frames()).containsExactly(3L, 4L);
        assertThat(f.message()).contains("did not retry with Min-Expires", "60 s or more");
    }

    @Test // iptables DROP before the server: baresip re-sends REGISTER for 32 s (Timer F)
    void noResponseBehindAFirewall() {
        var r = Captures.analyze("baresip-firewall-no-response.pcap");
        assertThat(r.outcomes()).containsExactly("no-response");
        Finding f = r.finding("no-response");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.frames()).hasSize(11).startsWith(1L, 2L, 3L);
        assertThat(f.message()).isEqualTo("The phone re-sent REGISTER 11 times over 31.5 s to udp 10.31.0.1:5060 and"
                + " never got a 401: check the firewall between phone and server, or the server address.");
        assertThat(r.finding("retransmissions").severity()).isEqualTo(Severity.WARNING);
        assertThat(r.registrations().get(0).challenge()).isZero();
    }

    @Test // nothing listens on 127.0.0.1:5099: ICMP port unreachable quoting each REGISTER (Linux cooked v1)
    void portUnreachable() {
        var r = Captures.analyze("baresip-port-unreachable-sll.pcap");
        assertThat(r.outcomes()).containsExactly("port-unreachable");
        assertThat(r.summary.sipMessages()).isEqualTo(3);      // the loopback's outgoing copies are not counted twice
        Finding f = r.finding("port-unreachable");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.frames()).containsExactly(1L, 2L);
        assertThat(f.message()).contains("nothing listens on udp port 5099");
        assertThat(r.registrations().get(0).events()).filteredOn(e -> e instanceof IcmpUnreachable).hasSize(3);
    }

    @Test // RFC 4443 §3.1: the same over IPv6, an ICMPv6 Destination Unreachable (port) quoting the REGISTER
    void portUnreachableOverIpv6() {
        var r = Captures.analyze("register-port-unreachable-ipv6.pcap");
        assertThat(r.outcomes()).containsExactly("port-unreachable");
        Finding f = r.finding("port-unreachable");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.frames()).containsExactly(1L, 2L);
        assertThat(f.message()).contains("::1 answered the REGISTER").contains("nothing listens on udp port 5099");
        assertThat(r.registrations().get(0).events()).filteredOn(e -> e instanceof IcmpUnreachable).hasSize(1);
    }

    @Test // baresip behind iptables MASQUERADE, captured at the server: Via 192.168.77.2, source 10.20.0.1
    void natSeenFromTheServer() {
        var r = Captures.analyze("nat-server-side.pcap");
        assertThat(r.outcomes()).containsExactly("registered");
        Finding f = r.finding("nat-detected");
        assertThat(f.severity()).isEqualTo(Severity.INFO);       // rport: the server copes
        assertThat(f.frames()).containsExactly(1L);
        assertThat(f.message()).contains("192.168.77.2:5062 (Via)", "comes from 10.20.0.1:",
                "both the IP and the port differ", "rport");
    }

    @Test // the same registration captured at the phone: only the server's received/rport tell
    void natSeenFromThePhone() {
        var r = Captures.analyze("nat-phone-side.pcap");
        Finding f = r.finding("nat-detected");
        assertThat(f.frames()).containsExactly(1L, 2L);
        assertThat(f.message()).contains("Via received/rport in the 401 Unauthorized", "10.20.0.1:");
    }

    @Test // SIPp without rport behind a port-changing NAT: Kamailio answers to the Via port (RFC 3261 §18.2.2)
    void portMismatch() {
        var r = Captures.analyze("nat-port-mismatch.pcap");
        assertThat(r.outcomes()).containsExactly("port-mismatch");
        Finding f = r.finding("port-mismatch");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.frames()).containsExactly(1L, 2L, 3L);
        assertThat(f.message()).contains("went to 10.20.0.1:5070", "came from 10.20.0.1:", "no rport",
                "same port both ways", "ICMP port unreachable");
        assertThat(r.finding("nat-detected").severity()).isEqualTo(Severity.WARNING);
        assertThat(r.codes()).contains("retransmissions").doesNotContain("challenge-unanswered");
        Conversation c = r.registrations().get(0);
        assertThat(LadderPrinter.lanes(c, c.events())).hasSize(3);
    }

    @Test // tcpdump -i any on a router: each datagram arriving and leaving, microseconds apart
    void routedTrafficCapturedTwice() {
        var r = Captures.analyze("baresip-sipreg-routed-any.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "unregistered");
        assertThat(r.codes()).containsExactly("duplicate-frames", "registered", "unregistered")
                .doesNotContain("retransmissions");
        Finding copies = r.finding("duplicate-frames");
        assertThat(copies.severity()).isEqualTo(Severity.INFO);
        assertThat(copies.frames()).containsExactly(1L, 2L);
        assertThat(copies.message()).startsWith("8 frames carry a packet").contains("left out");
        assertThat(r.finding("registered").frames()).containsExactly(1L, 7L);
        assertThat(r.summary.sipMessages()).isEqualTo(8);
    }

    @Test // tcpdump -i any on a NAT router: each datagram before and after the translation
    void bothSidesOfANat() {
        var r = Captures.analyze("baresip-sipreg-nat-both-sides.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "unregistered");
        assertThat(r.codes()).containsExactly("nat-both-sides", "nat-detected", "registered", "unregistered");
        Finding sides = r.finding("nat-both-sides");
        assertThat(sides.severity()).isEqualTo(Severity.INFO);
        assertThat(sides.frames()).containsExactly(1L, 2L);
        assertThat(sides.message()).contains("8 frames carry", "192.168.79.2:5062 is 10.22.0.1:40");
        assertThat(r.finding("nat-detected").message()).contains("192.168.79.2:5062", "10.22.0.1:40");
        assertThat(r.summary.sipMessages()).isEqualTo(8);
        // The phone's two sides are one lane: REGISTERs leave it, their answers come back to it.
        Conversation c = r.registrations().get(0);
        assertThat(LadderPrinter.lanes(c, c.events())).hasSize(2);
        assertThat(LadderPrinter.draw(c).get(0)).contains("192.168.79.2:5062 = 10.22.0.1:40", "10.22.0.2:5060");
    }

    @Test // sipreg pings a phone behind NAT every 2 s; the router loses the mapping; the OPTIONS go unanswered
    void keepalivesLostBehindANat() {
        var r = Captures.analyze("baresip-sipreg-nat-keepalive-lost.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "keepalive-unanswered");
        assertThat(r.codes()).contains("registered", "nat-detected", "keepalive-unanswered");
        Finding lost = r.finding("keepalive-unanswered");
        assertThat(lost.severity()).isEqualTo(Severity.ERROR);
        assertThat(lost.frames()).startsWith(11L, 12L);
        assertThat(lost.message()).contains("from 10.23.0.2:5060 to 10.23.0.1:4", "the device answered until frame 10",
                "every 2.0 s", "NAT binding will be lost");
        assertThat(r.finding("nat-detected").message()).contains("192.168.80.2:5062", "10.23.0.1:4");
    }

    @Test // the NAT forgets an idle mapping after 5 s; sipreg pings every 8 s; the NAT answers ICMP port unreachable
    void natMappingExpiredBeforeTheKeepalive() {
        var r = Captures.analyze("nat-mapping-expired.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "keepalive-unanswered");
        Finding lost = r.finding("keepalive-unanswered");
        assertThat(lost.severity()).isEqualTo(Severity.ERROR);
        assertThat(lost.frames()).startsWith(5L, 7L);
        assertThat(lost.message()).contains("The NAT at 10.25.0.1 no longer has a mapping for port 43",
                "ICMP port unreachable", "has expired", "every 8.").doesNotContain("does not answer");
        // Unanswered OPTIONS to a phone that stopped answering are still said to be that.
        assertThat(Captures.analyze("keepalive-unanswered.pcap").finding("keepalive-unanswered").message())
                .contains("does not answer keepalives");
    }

    @Test // the router's SIP ALG rewrites Via and Contact in place (same branch), captured on both sides
    void sipAlgRewritesTheHeaders() {
        var r = Captures.analyze("sip-alg-both-sides.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "unregistered");
        assertThat(r.codes()).containsExactly("registered", "sip-alg", "unregistered");
        Finding alg = r.finding("sip-alg");
        assertThat(alg.severity()).isEqualTo(Severity.WARNING);
        assertThat(alg.frames()).containsExactly(1L, 2L);
        assertThat(alg.message()).contains("Via 192.168.81.2:5062", "Via 10.24.0.1:42", "@10.24.0.1:42",
                "turn it off");
        Conversation c = r.registrations().get(0);
        assertThat(LadderPrinter.lanes(c, c.events())).hasSize(2);
        // From the server's side alone the rewritten headers match the packets: nothing to see.
        var server = Captures.analyze("sip-alg-server-side.pcap");
        assertThat(server.codes()).containsExactly("registered", "unregistered");
    }

    @Test // SIPp sends OPTIONS every 2 s to baresip, which answers 200
    void keepaliveAnswered() {
        var r = Captures.analyze("keepalive-ok.pcap");
        assertThat(r.keepalives()).singleElement().satisfies(c -> assertThat(c.outcome()).isEqualTo("keepalive-ok"));
        Finding f = r.finding("keepalive-ok");
        assertThat(f.severity()).isEqualTo(Severity.INFO);
        assertThat(f.frames()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(f.message()).contains("every 2.0 s", "all 4 were answered (200 OK)");
    }

    @Test // the same, with baresip frozen (SIGSTOP) after the first answer
    void keepaliveUnanswered() {
        var r = Captures.analyze("keepalive-unanswered.pcap");
        assertThat(r.keepalives()).extracting(Conversation::outcome).containsExactly("keepalive-unanswered");
        Finding f = r.finding("keepalive-unanswered");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.frames()).containsExactly(3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(f.message()).contains("2 of 4 OPTIONS", "answered until frame 2", "NAT binding will be lost");
    }

    @Test // SIPp cseq-order: CSeq 1, 2 (registered), then 1 again (500), then 3
    void cseqNotIncremented() {
        var r = Captures.analyze("sipp-sipreg-cseq-order.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "rejected", "queried");
        Finding f = r.finding("cseq-not-incremented");
        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.frames()).containsExactly(5L);
        assertThat(f.message()).contains("CSeq 1, not above the previous 2");
        assertThat(r.finding("rejected").message()).contains("500 Out of order CSeq");
    }

    @Test // SIPp malformed.xml (UDP) and a TCP REGISTER without Content-Length
    void malformed() {
        var r = Captures.analyze("sipp-sipreg-malformed.pcap");
        assertThat(r.outcomes()).containsExactly("rejected", "rejected", "rejected");
        List<Finding> malformed = r.findings().stream().filter(f -> f.code().equals("malformed")).toList();
        assertThat(malformed).extracting(Finding::frames)
                .contains(List.of(1L, 2L), List.of(3L, 4L), List.of(8L, 10L));
        assertThat(malformed).allSatisfy(f -> assertThat(f.severity()).isEqualTo(Severity.ERROR));
        assertThat(malformed.get(0).message()).contains("Missing From header (RFC 3261 §8.1.1.3)",
                "The server answered 400 Missing From header");
        assertThat(malformed).anySatisfy(f -> assertThat(f.message()).contains("CSeq method does not match"));
        assertThat(malformed).anySatisfy(f -> assertThat(f.message())
                .contains("cannot be read as SIP", "Missing Content-Length on a stream transport (RFC 3261 §18.3)"));
    }

    @Test // MTU 320 and 15% loss at a router: segments split, retransmitted and out of order
    void tcpThroughALossyLinkWithASmallMss() {
        var r = Captures.analyze("tcp-small-mss-lossy.pcap");
        assertThat(r.summary.sipMessages()).isEqualTo(48);
        assertThat(r.outcomes()).hasSize(12).containsOnly("registered");
        assertThat(r.summary.tcpRetransmittedSegments()).isPositive();
        assertThat(r.summary.tcpOutOfOrderSegments()).isPositive();
        assertThat(r.codes()).containsExactly("registered");
    }

    @Test // 40 registrations on one TCP connection: several messages in one segment
    void tcpWithSeveralMessagesPerSegment() {
        var r = Captures.analyze("tcp-coalesced.pcap");
        assertThat(r.summary.sipMessages()).isEqualTo(160).isGreaterThan(r.summary.packets());
        assertThat(r.outcomes()).hasSize(40).containsOnly("registered");
    }

    @Test // a 2 KB REGISTER over MTU 576: IPv4 fragments
    void ipv4Fragments() {
        var r = Captures.analyze("ipv4-fragments.pcap");
        assertThat(r.outcomes()).containsExactly("registered");
        assertThat(r.summary.fragmentsReassembled()).isPositive();
        assertThat(r.registrations().get(0).events()).allSatisfy(e -> assertThat(e.source().v6()).isFalse());
        // The cold server re-sent its 401 6.5 ms after the last one (frames 18, 23): a new packet, a new IPv4
        // Identification, so a retransmission and not a copy the capture made.
        assertThat(r.codes()).contains("retransmissions").doesNotContain("duplicate-frames");
    }

    @Test // the same over IPv6 with MTU 1280: Fragment extension headers
    void ipv6Fragments() {
        var r = Captures.analyze("ipv6-fragments.pcap");
        assertThat(r.outcomes()).containsExactly("registered");
        assertThat(r.summary.fragmentsReassembled()).isEqualTo(2);
        assertThat(r.registrations().get(0).events().get(0).source()).hasToString("[fd00:51::2]:5081");
    }

    @Test // SIPp -> sipreg through a VXLAN tunnel (VNI 42), captured on the underlay: as cloud mirroring delivers it
    void sipInsideVxlan() {
        var r = Captures.analyze("vxlan-sipp-sipreg.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "wrong-credentials");
        assertThat(r.registrations().get(0).events().get(0).source()).hasToString("192.168.47.1:5070");
        assertThat(r.registrations().get(0).events().get(0).destination()).hasToString("192.168.47.2:5060");
        assertThat(r.finding("wrong-credentials").frames()).containsExactly(7L, 8L);
        Finding f = r.finding("encapsulated");
        assertThat(f.severity()).isEqualTo(Severity.INFO);
        assertThat(f.frames()).containsExactly(1L);
        assertThat(f.message()).contains("VXLAN (VNI 42, tunnel 10.47.0.1:", "-> 10.47.0.2:4789)",
                "addresses inside the tunnel");
    }

    @Test // Kamailio's siptrace mirrors every message it receives and sends to a HEP collector, versions 3, 2, 1
    void sipMirroredInHep() {
        for (int version : new int[] {3, 2, 1}) {
            var r = Captures.analyze("hep" + version + "-kamailio.pcap");
            assertThat(r.summary.sipMessages()).isEqualTo(8);
            assertThat(r.outcomes()).containsExactly("registered", "wrong-credentials");
            var first = r.registrations().get(0).events().get(0);
            assertThat(first.source()).hasToString("127.0.0.1:5070");
            assertThat(first.destination()).hasToString("127.0.0.1:5060");
            assertThat(r.finding("registered").frames()).containsExactly(1L, 4L);
            assertThat(r.finding("encapsulated").message()).contains("HEP version " + version
                    + (version == 1 ? "" : " from capture agent 1") + ", sent by 127.0.0.1:5060 to the collector at 127.0.0.1:9060", "times the"
                    + " agent recorded");
            // --port names the SIP messages' ports, inside HEP as on the wire; the collector's port is not one
            assertThat(Captures.analyze("hep" + version + "-kamailio.pcap",
                    new AnalyzerOptions("", java.util.Set.of(5060), false)).summary.sipMessages()).isEqualTo(8);
            assertThat(Captures.analyze("hep" + version + "-kamailio.pcap",
                    new AnalyzerOptions("", java.util.Set.of(9060), false)).summary.sipMessages()).isZero();
        }
    }

    @Test // baresip's 12 s binding; a DROP swallows its refresh for 25 s: the binding runs out before it gets through
    void bindingLapsedWhileTheRefreshWasLost() {
        var r = Captures.analyze("baresip-sipreg-binding-lapsed.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "registered", "registered", "unregistered");
        Finding f = r.finding("binding-lapsed");
        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.frames()).containsExactly(4L, 5L, 15L);
        assertThat(f.message()).contains("sip:alice@example.com had no binding for 18.", "the 200 OK in frame 4 bound"
                + " its contact for 12 s", "renewing it (frame 15)", "sent its refresh in time (frame 5, 1.",
                "not renewed until frame 15");
        // the refreshes before and after came in time
        assertThat(r.findings()).filteredOn(x -> x.code().equals("binding-lapsed")).hasSize(1);
    }

    @Test // sipreg register --outbound over TCP and UDP: CRLF pings and STUN keepalives at sipreg's Flow-Timer (5 s)
    void outboundFlowKeepalivesAnswered() {
        var r = Captures.analyze("outbound-keepalives.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "registered", "unregistered", "unregistered");
        var flows = r.findings().stream().filter(f -> f.code().equals("keepalive-ok")).toList();
        assertThat(flows).hasSize(2).allSatisfy(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.message()).contains("keeps its flow to 127.0.0.1:5080", "2 sent, every 4.", "2 answered (all)");
        });
        assertThat(flows.get(0).message()).contains("CRLF pings over TCP (RFC 5626 §4.4.1)");
        assertThat(flows.get(1).message()).startsWith("127.0.0.1:5090 keeps its flow").contains("STUN Binding requests");
        assertThat(flows.get(1).frames()).hasSize(4);
    }

    @Test // the UDP client alone; a DROP in front of the server after it registered: its STUN keepalive is lost
    void outboundStunKeepaliveUnanswered() {
        var r = Captures.analyze("outbound-stun-unanswered.pcap");
        Finding f = r.finding("keepalive-unanswered");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.frames()).containsExactly(5L);
        assertThat(f.message()).contains("127.0.0.1:5092 keeps its flow to 127.0.0.1:5080", "1 sent, 0 answered",
                "one got no answer", "register again over a new flow");
        assertThat(r.codes()).doesNotContain("keepalive-ok");
    }

    @Test // sipreg register alice@example.com with dnsmasq: NAPTR, SRV, A (RFC 3263), then the registration
    void registrarFoundByDns() {
        var r = Captures.analyze("dns-srv-sipreg.pcap");
        assertThat(r.outcomes()).containsExactly("registered", "unregistered");
        Finding f = r.finding("dns-resolved");
        assertThat(f.severity()).isEqualTo(Severity.INFO);
        assertThat(f.frames()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(f.message()).contains("The phone at 127.0.0.1 looked up the registrar of example.com with the DNS"
                + " server 127.0.0.1:53", "NAPTR example.com -> SIP+D2U _sip._udp.example.com (order 10)",
                "SRV _sip._udp.example.com -> sip.example.com:5080 (priority 10, weight 60)",
                "A sip.example.com -> 127.0.0.1");
    }

    @Test // sipreg register alice@nowhere.test: NXDOMAIN for every lookup, no REGISTER at all
    void registrarNotFoundByDns() {
        var r = Captures.analyze("dns-nxdomain.pcap");
        assertThat(r.summary.sipMessages()).isZero();
        Finding f = r.finding("dns-failed");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.frames()).hasSize(12);
        assertThat(f.message()).contains("registrar of nowhere.test", "NAPTR nowhere.test: NXDOMAIN",
                "SRV _sips._tcp.nowhere.test: NXDOMAIN", "AAAA nowhere.test: NXDOMAIN", "No lookup gave an address");
    }

    @Test // every truncation and single-byte change of the real DNS answers: read or skipped, never an exception
    void survivesDamagedDnsAnswers() {
        var payloads = Captures.payloads("dns-srv-sipreg.pcap");
        var client = new Endpoint(false, 0, 0x7F00_0001L, 40000);
        var server = new Endpoint(false, 0, 0x7F00_0001L, 53);
        for (int k = 1; k < 8; k += 2) {
            byte[] query = payloads.get(k - 1).bytes();
            byte[] answer = payloads.get(k).bytes();
            for (int i = 0; i < answer.length; i++) {
                for (int value : new int[] {0, 0x3F, 0xC0, 0xFF}) {
                    byte[] changed = answer.clone();
                    changed[i] = (byte) value;
                    for (int len : new int[] {changed.length, i + 1}) {
                        var dns = new DnsLookups();
                        dns.udp(1, 0, client, server, query, 0, query.length);
                        dns.udp(2, 0, server, client, changed, 0, len);
                        dns.conclude(10_000_000_000L, f -> { });
                    }
                }
            }
        }
    }

    @Test // sipreg --algorithm SHA-256 alone; baresip does MD5 only and never answers the challenge
    void challengeWithAnAlgorithmThePhoneLacks() {
        var r = Captures.analyze("baresip-sipreg-sha256-only.pcap");
        assertThat(r.outcomes()).containsExactly("challenged");
        Finding f = r.finding("challenge-unanswered");
        assertThat(f.severity()).isEqualTo(Severity.WARNING);
        assertThat(f.frames()).containsExactly(1L, 2L);
        assertThat(f.message()).contains("never answered the challenge", "offered only SHA-256",
                "offer MD5 as well", "supports SHA-256");
    }

    @Test // 2 KB REGISTERs over MTU 576 through a router that drops every fragment after the first
    void noResponseToAFragmentedRegister() {
        var r = Captures.analyze("ipv4-fragments-dropped.pcap");
        assertThat(r.outcomes()).containsExactly("no-response");
        assertThat(r.summary.fragmentsReassembled()).isEqualTo(5);
        assertThat(r.finding("no-response").message()).contains("re-sent REGISTER 5 times",
                "travelled in IP fragments, which firewalls and NATs often drop", "use TCP");
        // the same REGISTERs through a link that lets fragments pass: registered, and no word about fragments
        var passed = Captures.analyze("ipv4-fragments.pcap");
        assertThat(passed.outcomes()).containsExactly("registered");
        assertThat(passed.findings()).noneSatisfy(f -> assertThat(f.message()).contains("fragments"));
    }

    @Test // SIPp -> Kamailio (edge proxy, Path) -> sipreg, both hops on one loopback: one registration, no warning
    void registeredThroughAProxyWithBothHopsCaptured() {
        var r = Captures.analyze("sipp-kamailio-proxy-sipreg.pcap");
        assertThat(r.outcomes()).containsExactly("registered");
        // the proxy relays each REGISTER with the same CSeq under a Via of its own: not a stale CSeq
        assertThat(r.codes()).containsExactly("registered");
        assertThat(r.registrations().get(0).events()).extracting(e -> e.source().toString())
                .containsExactly("127.0.0.1:5070", "127.0.0.1:5060", "127.0.0.1:5080", "127.0.0.1:5060",
                        "127.0.0.1:5070", "127.0.0.1:5060", "127.0.0.1:5080", "127.0.0.1:5060");
    }

    @Test // sipreg register over TLS 1.3 to sipreg serve: nothing to read but the handshake's start
    void sipOverTls() {
        var r = Captures.analyze("tls-sipreg.pcap");
        assertThat(r.summary.sipMessages()).isZero();
        assertThat(r.codes()).containsExactly("tls-encrypted");
        Finding f = r.finding("tls-encrypted");
        assertThat(f.severity()).isEqualTo(Severity.INFO);
        assertThat(f.frames()).containsExactly(4L);
        assertThat(f.message()).contains("to 127.0.0.1:5061", "server name \"sip.example.com\"",
                "offers TLS 1.2 to TLS 1.3", "encrypted");
        assertThat(r.summary.notes()).contains("TLS: 1 handshake began (the SIP inside is encrypted), 0 refused"
                + " with an alert in clear");
    }

    @Test // the client (held to TLS 1.2) does not trust the server's self-signed certificate: alert in clear
    void tlsCertificateRefusedByTheClient() {
        var r = Captures.analyze("tls-certificate-refused.pcap");
        Finding f = r.finding("tls-refused");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.frames()).containsExactly(4L, 8L);
        assertThat(f.message()).contains("The client 127.0.0.1:", "broke off its TLS handshake with 127.0.0.1:5061",
                "alert certificate_unknown, 46, fatal", "Install the CA", "\"sip.example.com\"");
    }

    @Test // openssl s_client -tls1_1 as an old phone: sipreg serve accepts TLS 1.2 and 1.3 only
    void tlsVersionRefusedByTheServer() {
        var r = Captures.analyze("tls-protocol-version.pcap");
        Finding f = r.finding("tls-refused");
        assertThat(f.frames()).containsExactly(4L, 6L);
        assertThat(f.message()).contains("The server 127.0.0.1:5061 refused the TLS handshake of 127.0.0.1:",
                "alert protocol_version, 70, fatal", "the client offers TLS 1.1", "TLS 1.2 or later");
    }

    @Test
    void filtersByAddressOfRecordAndByCallId() {
        var all = Captures.analyze("baresip-sipreg-udp.pcap");
        String callId = all.registrations().get(0).callId();
        assertThat(Captures.analyze("baresip-sipreg-udp.pcap",
                new AnalyzerOptions("alice@example.com", java.util.Set.of(), false)).registrations()).hasSize(2);
        assertThat(Captures.analyze("baresip-sipreg-udp.pcap",
                new AnalyzerOptions(callId, java.util.Set.of(), false)).registrations()).hasSize(2);
        assertThat(Captures.analyze("baresip-sipreg-udp.pcap",
                new AnalyzerOptions("sip:bob@example.com", java.util.Set.of(), false)).registrations()).isEmpty();
    }

    @Test
    void restrictsToTheGivenPorts() {
        assertThat(Captures.analyze("baresip-sipreg-udp.pcap",
                new AnalyzerOptions("", java.util.Set.of(5080), false)).summary.sipMessages()).isEqualTo(8);
        assertThat(Captures.analyze("baresip-sipreg-udp.pcap",
                new AnalyzerOptions("", java.util.Set.of(5060), false)).summary.sipMessages()).isZero();
    }

    @Test
    void printsALadderAndADiagnosis() {
        var out = new java.io.ByteArrayOutputStream();
        try (var print = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8)) {
            new CaptureAnalyzer(AnalyzerOptions.DEFAULT).analyze(Captures.path("baresip-firewall-no-response.pcap"),
                    new TextReport(print));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(text).contains("10.31.0.2:5062", "10.31.0.1:5060", "|------ REGISTER ------>|",
                "error   [no-response] The phone re-sent REGISTER 11 times",
                "Summary of ", "Outcomes: no-response 1");
    }
}
