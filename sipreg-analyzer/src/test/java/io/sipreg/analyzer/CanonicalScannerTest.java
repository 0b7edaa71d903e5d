package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParseException;
import io.sipreg.message.SipParser;
import io.sipreg.message.fuzz.Fuzz;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The scanner is a shortcut, never a second opinion: whatever message it accepts, the lenient parser accepts without
 * a single violation, and the facts are exactly the ones the parser's headers give. Checked on every SIP message of
 * the recorded captures, on the RFC 4475 torture messages (which it must mostly decline), and on mutations of both.
 */
class CanonicalScannerTest {
    private static final SipParser LENIENT = SipParser.lenient();

    @Test
    void everyMessageOfTheCapturesItAcceptsHasTheFactsOfTheFullParser() {
        int accepted = 0;
        int total = 0;
        for (Path capture : captures()) {
            for (byte[] message : messagesOf(capture)) {
                total++;
                if (agreesWithTheParser(message)) {
                    accepted++;
                }
            }
        }
        assertThat(total).isGreaterThan(400);
        // Real phones and servers write plainly: the scanner takes most of them, or it would be of no use.
        assertThat(accepted).isGreaterThan(total * 3 / 4);
    }

    @Test // RFC 4475: every one of them declined, or read exactly as the parser reads it
    void theTortureMessagesAreDeclinedOrReadAlike() {
        int accepted = 0;
        for (byte[] message : tortureMessages()) {
            if (agreesWithTheParser(message)) {
                accepted++;
            }
        }
        // Their point is the unusual: folding, escapes, odd spacing. Most of them are not plain.
        assertThat(accepted).isPositive().isLessThan(tortureMessages().size() / 2);
    }

    @Test
    void mutatedMessagesAreDeclinedOrReadAlike() {
        var seeds = new ArrayList<byte[]>(tortureMessages());
        for (Path capture : captures()) {
            seeds.addAll(messagesOf(capture));
        }
        Fuzz.of("canonical-scan", seeds).maxMutations(3).check(input -> agreesWithTheParser(input.bytes()));
    }

    @Test // the messages of a SIPp load test against sipreg: what makes a large capture fast
    void takesThePlainMessagesOfARegistration() {
        for (String text : List.of("""
                REGISTER sip:load.test SIP/2.0
                Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-31143-1-0
                Max-Forwards: 70
                From: <sip:u000000@load.test>;tag=31143SIPpTag001
                To: <sip:u000000@load.test>
                Call-ID: 1-31143@127.0.0.1
                CSeq: 1 REGISTER
                Contact: <sip:u000000@127.0.0.1:5070;transport=UDP>
                Expires: 3600
                Content-Length: 0

                """, """
                SIP/2.0 401 Unauthorized
                Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-31143-1-0
                From: <sip:u000000@load.test>;tag=31143SIPpTag001
                To: <sip:u000000@load.test>;tag=88969b2379fecee3
                Call-ID: 1-31143@127.0.0.1
                CSeq: 1 REGISTER
                WWW-Authenticate: Digest realm="load.test", nonce="AAABohS7DOVzynKm9TNB", algorithm=MD5, qop="auth"
                Server: sipreg/0.1
                Content-Length: 0

                """, """
                REGISTER sip:load.test SIP/2.0
                Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-31143-1-1;rport
                Max-Forwards: 70
                From: "Alice" <sip:u000000@load.test>;tag=31143SIPpTag001
                To: <sip:u000000@load.test>
                Call-ID: 1-31143@127.0.0.1
                CSeq: 2 REGISTER
                Contact: <sip:u000000@127.0.0.1:5070;transport=UDP>;expires=3600;q=0.5
                Authorization: Digest username="u000000", realm="load.test", nonce="AAABohS7DOVzynKm9TNB", \
                uri="sip:load.test", response="0123456789abcdef0123456789abcdef", algorithm=MD5, qop=auth, \
                nc=00000001, cnonce="4d5a"
                User-Agent: SIPp
                Content-Length: 0

                """, """
                SIP/2.0 200 OK
                Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-31143-1-1;rport=5070;received=127.0.0.1
                From: "Alice" <sip:u000000@load.test>;tag=31143SIPpTag001
                To: <sip:u000000@load.test>;tag=88969b2379fecee3
                Call-ID: 1-31143@127.0.0.1
                CSeq: 2 REGISTER
                Contact: <sip:u000000@127.0.0.1:5070;transport=UDP>;expires=3600
                Server: sipreg/0.1
                Content-Length: 0

                """)) {
            byte[] bytes = text.replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII);
            assertThat(agreesWithTheParser(bytes)).as(text).isTrue();
        }
    }

    @Test
    void declinesWhatItDoesNotReadPlainly() {
        String register = """
                REGISTER sip:example.com SIP/2.0
                Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1
                Max-Forwards: 70
                From: <sip:alice@example.com>;tag=1
                To: <sip:alice@example.com>
                Call-ID: a@b
                CSeq: 1 REGISTER
                Contact: <sip:alice@192.0.2.1>
                Content-Length: 0

                """;
        assertThat(scan(register)).isNotNull();
        for (String[] change : new String[][] {
            {"Max-Forwards: 70\n", ""},                                          // missing (RFC 3261 §8.1.1.6)
            {"To: <sip:alice@example.com>\n", "To: <sip:alice@example.com>\n To2: x\n"},   // folding
            {"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1", "Via: SIP/2.0/UDP 192.0.2.1:5060"},  // no branch
            {"CSeq: 1 REGISTER", "CSeq: 1 INVITE"},                              // §8.1.1.5 mismatch
            {"<sip:alice@192.0.2.1>", "<sip:al%69ce@192.0.2.1>"},               // an escape
            {"Call-ID: a@b", "Call-ID: a@b@c"},
            {"Content-Length: 0", "Content-Length: 5"},                         // beyond the datagram
            {"Contact: <sip:alice@192.0.2.1>", "Contact: <sip:a@192.0.2.1>, <sip:b@192.0.2.1>"},
        }) {
            assertThat(register).contains(change[0]);
            assertThat(scan(register.replace(change[0], change[1]))).as(change[1]).isNull();
        }
        byte[] bareLf = register.getBytes(StandardCharsets.US_ASCII);
        assertThat(CanonicalScanner.scan(bareLf, 0, bareLf.length)).isNull();
    }

    private static MessageFacts scan(String text) {
        byte[] bytes = text.replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII);
        return CanonicalScanner.scan(bytes, 0, bytes.length);
    }

    /**
     * True when the scanner accepts {@code message}; then the full lenient parser must accept it without violation
     * and give the same facts. The message is scanned in the middle of other bytes, as in a batch of the parse stage,
     * so a read past its end would show.
     */
    private static boolean agreesWithTheParser(byte[] message) {
        var random = new SplittableRandom(message.length);
        byte[] before = new byte[random.nextInt(4)];
        byte[] after = new byte[random.nextInt(40)];
        random.nextBytes(before);
        random.nextBytes(after);
        byte[] batch = new byte[before.length + message.length + after.length];
        System.arraycopy(message, 0, batch, before.length, message.length);
        System.arraycopy(after, 0, batch, before.length + message.length, after.length);
        MessageFacts fast = CanonicalScanner.scan(batch, before.length, message.length);
        if (fast == null) {
            return false;
        }
        ParseResult r = LENIENT.parse(message);
        if (!(r instanceof ParseResult.Parsed p) || !p.tolerated().isEmpty()) {
            fail("the scanner accepted a message the parser finds fault with ("
                    + (r instanceof ParseResult.Parsed p ? p.tolerated().stream().map(SipParseException::getMessage)
                            .toList() : ((ParseResult.Failed) r).error().getMessage()) + "):\n"
                    + new String(message, StandardCharsets.ISO_8859_1));
            return true;
        }
        MessageFacts full = MessageFacts.of(p.message());
        assertThat(describe(fast.resolve())).as(new String(message, StandardCharsets.ISO_8859_1))
                .isEqualTo(describe(full));
        return true;
    }

    /** Every fact the analyzer can ask of a message. */
    static List<Object> describe(MessageFacts f) {
        return Arrays.asList(f.request(), f.method(), f.status(), f.reason(), f.callId(), f.cseq(), f.cseqMethod(),
                f.viaHost(), f.viaPort(), f.branch(), f.aor(), f.viaTransport(), f.received(), f.rport(), f.contacts(),
                f.wildcard(), f.expires(), f.minExpires(), f.challenges(), f.credentialsHeader(), f.username(),
                f.credentialsRealm(), f.credentialsAlgorithm(), f.userAgent(), f.label(), f.transactionKey(),
                f.requestedExpires(), f.hasCredentials(), f.challenge());
    }

    // ---- the messages ----

    static List<Path> captures() {
        Path root = Captures.path("baresip-sipreg-udp.pcap").getParent();
        try (Stream<Path> files = Stream.concat(Files.list(root), Files.list(root.resolve("variants")))) {
            return files.filter(f -> f.toString().endsWith(".pcap") || f.toString().endsWith(".pcapng")).sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * sipreg-message's fixtures, from its source tree: its test jar carries only the shared helpers (as
     * AnalyzeCommandTest reads the captures of this module).
     */
    private static List<byte[]> tortureMessages() {
        Path dir = Path.of("../sipreg-message/src/test/resources/rfc4475");
        try (Stream<Path> files = Files.list(dir)) {
            var messages = new ArrayList<byte[]>();
            for (Path f : files.filter(f -> f.toString().endsWith(".dat")).sorted().toList()) {
                messages.add(Files.readAllBytes(f));
            }
            assertThat(messages).hasSizeGreaterThan(40);
            return messages;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The SIP messages of a capture as the analyzer finds them: UDP payloads, TCP streams cut into messages. */
    static List<byte[]> messagesOf(Path capture) {
        var messages = new ArrayList<byte[]>();
        SipStreamFramer.Emitter emitter = new SipStreamFramer.Emitter() {
            @Override
            public void message(byte[] d, int at, int len) {
                messages.add(Arrays.copyOfRange(d, at, at + len));
            }

            @Override
            public void unframeable(byte[] d, int at, int len, SipParseException why) {
                messages.add(Arrays.copyOfRange(d, at, at + len));
            }
        };
        var tcpSink = new TcpStreamReassembler.Sink() {
            @Override
            public void bytes(TcpStreamReassembler.Direction direction, SipStreamFramer framer, byte[] d, int at,
                              int len) {
                framer.append(d, at, len, emitter);
            }

            @Override
            public void closed(TcpStreamReassembler.Direction direction, int leftover) {
            }
        };
        var tcp = new TcpStreamReassembler(() -> new SipStreamFramer(LENIENT));
        var decoder = new PacketDecoder(new PacketDecoder.Listener() {
            @Override
            public void udp(PacketDecoder.Addresses ip, int sourcePort, int destinationPort, byte[] d, int at, int len) {
                if (SipDetector.startsMessage(d, at, len)) {
                    messages.add(Arrays.copyOfRange(d, at, at + len));
                }
            }

            @Override
            public void tcp(PacketDecoder.Addresses ip, int sourcePort, int destinationPort, int sequence, int flags,
                            byte[] d, int at, int len) {
                tcp.segment(ip.source(sourcePort), ip.destination(destinationPort), sequence, flags, d, at, len,
                        len > 0 && SipDetector.startsMessage(d, at, len), 0, tcpSink);
            }

            @Override
            public void unreachable(Endpoint reporter, String reason, boolean portUnreachable, Transport transport,
                                    Endpoint quotedSource, Endpoint quotedDestination, byte[] quotedPayload) {
                if (SipDetector.startsMessage(quotedPayload, 0, quotedPayload.length)) {
                    messages.add(quotedPayload.clone());
                }
            }

            @Override
            public void unsupportedLinkType(int linkType) {
            }

            @Override
            public void mirrored(PacketDecoder.Addresses ip, int sourcePort, int destinationPort, Transport transport,
                                 long timeNanos, byte[] d, int at, int len) {
                messages.add(Arrays.copyOfRange(d, at, at + len));
            }

            @Override
            public void encapsulated(String description) {
            }
        });
        try (CaptureReader reader = CaptureReader.open(capture)) {
            reader.read(new FrameSink() {
                @Override
                public void frame(int linkType, long timeNanos, byte[] data, int offset, int capturedLength,
                                  int originalLength) {
                    decoder.decode(linkType, timeNanos, data, offset, capturedLength);
                }

                @Override
                public void damage(CaptureDamage damage) {
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (UnusableCaptureException e) {
            throw new AssertionError(e);
        }
        return messages;
    }
}
