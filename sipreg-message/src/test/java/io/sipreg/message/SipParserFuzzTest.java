package io.sipreg.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutation fuzzing: the parser must answer every input with Parsed or Failed and never throw (style guide:
 * "bad input never escapes as an exception"). A seed that breaks it can be replayed by number.
 */
class SipParserFuzzTest {
    private static final long SEED = 0x5195_4E67L;
    private static final int ITERATIONS = 100_000;

    /** Bytes the grammar cares about, so mutations land on decisions rather than on letters. */
    private static final byte[] INTERESTING = " \t\r\n:;,=\"\\<>[]@%?&/*0123456789.zZ\u0000\u007f".getBytes(
            java.nio.charset.StandardCharsets.ISO_8859_1);

    private static final String REGISTER = """
            REGISTER sip:registrar.example.com SIP/2.0
            Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKnashds7;rport, SIP/2.0/TCP h.example.com
            Max-Forwards: 70
            To: "Bob \\"B\\"" <sip:bob@example.com>
            From: Bob <sip:bob@example.com;transport=tcp>;tag=456248
            Call-ID: 843817637684230@998sdasdh09
            CSeq: 1826 REGISTER
            Contact: <sip:bob@192.0.2.4:5070;ob>;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0>";q=0.7;expires=60
            Contact: sip:bob@[2001:db8::2];expires=0
            Expires: 7200
            Authorization: Digest username="bob", realm="example.com", nonce="abc", uri="sip:x", response="0"
            Content-Type: text/plain
            Content-Length: 5

            hello""";

    @Test
    void parserNeverThrowsForMutatedMessages() {
        List<byte[]> seeds = seeds();
        var random = new SplittableRandom(SEED);
        SipParser strict = SipParser.strict();
        SipParser lenient = SipParser.lenient();
        SipParser tight = new SipParser(new ParseLimits(600, 12, 200), SipParser.Mode.STRICT);
        int parsedCount = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] input = i % 10 == 9 ? randomBytes(random) : mutate(seeds.get(random.nextInt(seeds.size())), random);
            boolean deep = i % 8 == 0;
            try {
                parsedCount += check(strict.parse(input), strict, deep) + check(lenient.parse(input), lenient, deep);
                if (i % 4 == 0) {
                    check(tight.parse(input), tight, false);
                }
                frameLength(strict, input);
            } catch (RuntimeException | AssertionError e) {
                fail("iteration " + i + " threw for input:\n" + printable(input), e);
            }
        }
        assertThat(parsedCount).as("the mutations should not all be rejected").isGreaterThan(ITERATIONS / 10);
    }

    /**
     * A Parsed message must be usable: (if strict) its typed headers readable, and when {@code deep}, written and
     * parsed again to the same headers.
     */
    private static int check(ParseResult result, SipParser parser, boolean deep) {
        if (result instanceof ParseResult.Failed failed) {
            if (failed.error() == null) {
                throw new AssertionError("Failed without an error");
            }
            return 0;
        }
        SipMessage message = ((ParseResult.Parsed) result).message();
        if (deep) {
            ParseResult again = parser.parse(SipWriter.write(message));
            if (again instanceof ParseResult.Parsed parsed && !parsed.message().headers().without(
                    HeaderName.CONTENT_LENGTH).equals(message.headers().without(HeaderName.CONTENT_LENGTH))) {
                throw new AssertionError("headers changed in a write/parse round trip: " + message.headers());
            }
        }
        if (parser.mode() == SipParser.Mode.STRICT) {
            message.cseq();
            message.topVia();
            ContactSet.of(message.headers());
        }
        return 1;
    }

    private static void frameLength(SipParser parser, byte[] input) {
        try {
            int length = parser.frameLength(input, 0, input.length);
            if (length < 0 || length > input.length) {
                throw new AssertionError("frame length " + length + " of " + input.length);
            }
        } catch (SipParseException expected) {
            // the documented answer for bytes that can never frame
        }
    }

    private static byte[] mutate(byte[] seed, SplittableRandom random) {
        byte[] b = seed;
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            int at = b.length == 0 ? 0 : random.nextInt(b.length);
            switch (random.nextInt(6)) {
                case 0 -> { // flip a byte
                    b = b.clone();
                    if (b.length > 0) {
                        b[at] = (byte) random.nextInt(256);
                    }
                }
                case 1 -> b = insert(b, at, new byte[] {INTERESTING[random.nextInt(INTERESTING.length)]});
                case 2 -> b = delete(b, at, 1 + random.nextInt(8));
                case 3 -> b = Arrays.copyOf(b, at); // truncate
                case 4 -> { // duplicate a slice (repeated headers, doubled separators)
                    int len = Math.min(b.length - at, 1 + random.nextInt(40));
                    b = insert(b, at, Arrays.copyOfRange(b, at, at + len));
                }
                default -> { // replace with an interesting byte
                    b = b.clone();
                    if (b.length > 0) {
                        b[at] = INTERESTING[random.nextInt(INTERESTING.length)];
                    }
                }
            }
        }
        return b;
    }

    private static byte[] randomBytes(SplittableRandom random) {
        byte[] b = new byte[random.nextInt(300)];
        for (int i = 0; i < b.length; i++) {
            b[i] = random.nextBoolean() ? INTERESTING[random.nextInt(INTERESTING.length)] : (byte) random.nextInt(256);
        }
        return b;
    }

    private static byte[] insert(byte[] b, int at, byte[] what) {
        byte[] out = new byte[b.length + what.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(b, at, out, at + what.length, b.length - at);
        return out;
    }

    private static byte[] delete(byte[] b, int at, int n) {
        n = Math.min(n, b.length - at);
        byte[] out = new byte[b.length - n];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + n, out, at, b.length - at - n);
        return out;
    }

    private static List<byte[]> seeds() {
        var seeds = new ArrayList<byte[]>();
        seeds.add(SipText.bytes(REGISTER));
        seeds.add(REGISTER.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        // Small messages that reach every branch: folding, quoting, escapes, bodies, list splitting, bad values.
        for (String name : new String[] {"wsinv", "intmeth", "esc01", "unreason", "regescrt", "scalar02",
                "badinv01", "cparam01", "noreason", "semiuri", "quotbal"}) {
            try (InputStream in = SipParserFuzzTest.class.getResourceAsStream("/rfc4475/" + name + ".dat")) {
                seeds.add(in.readAllBytes());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return seeds;
    }

    private static String printable(byte[] b) {
        var sb = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xFF;
            sb.append(c == '\n' || (c >= 32 && c < 127) ? String.valueOf((char) c) : String.format("<%02X>", c));
        }
        return sb.toString();
    }
}
