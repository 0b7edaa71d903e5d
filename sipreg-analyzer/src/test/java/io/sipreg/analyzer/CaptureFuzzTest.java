package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.fuzz.Fuzz;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutation fuzzing of the capture readers and everything behind them (link layers, IP reassembly, TCP streams, the
 * lenient parser), seeded with the recorded corpus: a damaged capture is reported as damage and analyzed as far as it
 * goes, never an exception; only a file that is no capture at all is {@link UnusableCaptureException}. Memory stays
 * bounded because the file window refuses a record above {@link CaptureReader#MAX_RECORD}, which would surface here
 * as an exception. See {@link Fuzz} for the budget ({@code -Dfuzz.seconds}) and replay ({@code -Dfuzz.seed}).
 */
class CaptureFuzzTest {
    @TempDir
    Path dir;

    @Test
    void damagedCapturesAreAnalyzedWithoutAnException() {
        Path file = dir.resolve("fuzzed.pcap");
        var analyzer = new CaptureAnalyzer(AnalyzerOptions.DEFAULT, 0);
        Fuzz.of("captures", corpus()).maxMutations(3).check(input -> {
            write(file, input.bytes());
            try {
                Summary summary = analyzer.analyze(file, new Captures.Result());
                assertThat(summary.packets()).isNotNegative();
            } catch (UnusableCaptureException notACapture) {
                // the documented answer for a file whose first bytes are no capture magic
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void aCaptureCutShortReportsTheDamage() throws Exception {
        Path file = dir.resolve("cut.pcap");
        for (byte[] capture : corpus()) {
            for (int cut : new int[] {1, 7, 17, 100}) {
                if (cut >= capture.length - 64) {
                    continue;
                }
                write(file, Arrays.copyOf(capture, capture.length - cut));
                Summary summary = new CaptureAnalyzer(AnalyzerOptions.DEFAULT, 0).analyze(file, new Captures.Result());
                if (cut == 1) {
                    // One byte short is always inside the last record or block.
                    assertThat(summary.damage()).isNotEmpty();
                }
            }
        }
    }

    private static List<byte[]> corpus() {
        var captures = new ArrayList<byte[]>();
        Path root = Captures.path("baresip-sipreg-udp.pcap").getParent();
        try (Stream<Path> files = Stream.concat(Files.list(root), Files.list(root.resolve("variants")))) {
            files.filter(f -> f.toString().endsWith(".pcap") || f.toString().endsWith(".pcapng")).sorted()
                    .forEach(f -> captures.add(read(f)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return captures;
    }

    private static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
