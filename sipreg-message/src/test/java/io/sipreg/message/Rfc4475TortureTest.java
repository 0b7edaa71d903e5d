package io.sipreg.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The RFC 4475 torture messages in {@code src/test/resources/rfc4475}: {@code NAME.dat} holds the bytes and
 * {@code NAME.txt} the RFC's explanation ending in {@code Expected: accepted} or {@code Expected: 400 VIOLATION}.
 * Each runs with its CRLF header block and with the header block turned into bare LF (the body is left alone so
 * Content-Length still holds).
 */
class Rfc4475TortureTest {

    record Fixture(String name, byte[] bytes, String expected) {
        @Override
        public String toString() {
            return name + " -> " + expected;
        }
    }

    static Stream<Arguments> fixtures() {
        return names().flatMap(name -> {
            Fixture f = load(name);
            return Stream.of(Arguments.of(f, "CRLF", f.bytes()), Arguments.of(f, "LF", bareLfHeaders(f.bytes())));
        });
    }

    @ParameterizedTest(name = "{0} ({1})") // RFC 4475 §3
    @MethodSource("fixtures")
    void strictParserAcceptsOrRejectsWithTheExpectedViolation(Fixture fixture, String ending, byte[] bytes) {
        ParseResult result = SipParser.strict().parse(bytes);

        if (fixture.expected().equals("accepted")) {
            assertThat(result).as(describe(result)).isInstanceOf(ParseResult.Parsed.class);
        } else {
            assertThat(result).as(describe(result)).isInstanceOf(ParseResult.Failed.class);
            var error = ((ParseResult.Failed) result).error();
            assertThat("400 " + error.violation().name()).isEqualTo(fixture.expected());
            assertThat(error.offset()).isBetween(0, bytes.length);
        }
    }

    @ParameterizedTest(name = "{0} ({1})") // RFC 4475 §1: a liberal reader must not break
    @MethodSource("fixtures")
    void lenientParserNeverThrowsAndReportsWhatStrictRejects(Fixture fixture, String ending, byte[] bytes) {
        ParseResult result = SipParser.lenient().parse(bytes);

        if (result instanceof ParseResult.Parsed parsed && !fixture.expected().equals("accepted")) {
            assertThat(parsed.tolerated()).extracting(e -> "400 " + e.violation().name())
                    .contains(fixture.expected());
        }
        if (fixture.expected().equals("accepted")) {
            assertThat(result).as(describe(result)).isInstanceOf(ParseResult.Parsed.class);
        }
    }

    @ParameterizedTest(name = "{0}") // JAIN-SIP ParserTestCase style: parse, encode, re-parse, compare
    @MethodSource("all")
    void writeThenParseGivesTheSameMessage(Fixture fixture) {
        for (SipParser parser : new SipParser[] {SipParser.strict(), SipParser.lenient()}) {
            if (parser.parse(fixture.bytes()) instanceof ParseResult.Parsed parsed) {
                SipMessage message = parsed.message();
                SipMessage again = SipText.parsed(parser.parse(SipWriter.write(message))).message();
                assertRoundTrip(message, again);
            }
        }
    }

    static Stream<Fixture> all() {
        return names().map(Rfc4475TortureTest::load);
    }

    private static void assertRoundTrip(SipMessage message, SipMessage again) {
        assertThat(again.headers().without(HeaderName.CONTENT_LENGTH))
                .isEqualTo(message.headers().without(HeaderName.CONTENT_LENGTH));
        assertThat(again.body()).isEqualTo(message.body());
        if (message instanceof SipRequest request) {
            assertThat(again).isInstanceOfSatisfying(SipRequest.class, r -> {
                assertThat(r.method()).isEqualTo(request.method());
                assertThat(r.requestUri()).isEqualTo(request.requestUri());
            });
        } else {
            SipResponse response = (SipResponse) message;
            assertThat(again).isInstanceOfSatisfying(SipResponse.class, r -> {
                assertThat(r.status()).isEqualTo(response.status());
                assertThat(r.reason()).isEqualTo(response.reason());
            });
        }
        assertThat(SipWriter.write(again)).isEqualTo(SipWriter.write(message));
    }

    private static String describe(ParseResult result) {
        return result instanceof ParseResult.Failed f ? f.error().getMessage() : "parsed";
    }

    private static Stream<String> names() {
        try {
            Path dir = Path.of(Rfc4475TortureTest.class.getResource("/rfc4475").toURI());
            try (Stream<Path> files = Files.list(dir)) {
                return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".dat"))
                        .map(n -> n.substring(0, n.length() - 4)).sorted().toList().stream();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Fixture load(String name) {
        byte[] bytes = resource(name + ".dat");
        String text = new String(resource(name + ".txt"), StandardCharsets.UTF_8);
        String expected = text.lines().filter(l -> l.startsWith("Expected: ")).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + ".txt has no Expected: line"))
                .substring("Expected: ".length()).trim();
        return new Fixture(name, bytes, expected);
    }

    private static byte[] resource(String name) {
        try (InputStream in = Rfc4475TortureTest.class.getResourceAsStream("/rfc4475/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** CRLF becomes LF up to and including the empty line; the body is untouched. */
    static byte[] bareLfHeaders(byte[] crlf) {
        int headerEnd = -1;
        for (int i = 0; i + 3 < crlf.length; i++) {
            if (crlf[i] == '\r' && crlf[i + 1] == '\n' && crlf[i + 2] == '\r' && crlf[i + 3] == '\n') {
                headerEnd = i + 4;
                break;
            }
        }
        if (headerEnd < 0) {
            headerEnd = crlf.length;
        }
        byte[] out = new byte[crlf.length];
        int n = 0;
        for (int i = 0; i < headerEnd; i++) {
            if (!(crlf[i] == '\r' && i + 1 < crlf.length && crlf[i + 1] == '\n')) {
                out[n++] = crlf[i];
            }
        }
        System.arraycopy(crlf, headerEnd, out, n, crlf.length - headerEnd);
        return Arrays.copyOf(out, n + crlf.length - headerEnd);
    }
}
