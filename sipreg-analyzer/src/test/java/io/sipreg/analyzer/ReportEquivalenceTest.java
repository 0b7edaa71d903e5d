package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The report does not depend on how it was made: with or without worker threads (parsing and diagnosis run in
 * batches there, handed back in order), with or without the canonical scanner, every capture of the corpus gives
 * the same JSON and the same text, byte for byte.
 */
class ReportEquivalenceTest {

    @Test
    void workerThreadsAndTheScannerChangeNothingInTheJson() {
        for (Path capture : CanonicalScannerTest.captures()) {
            String reference = json(capture, 0, false);
            assertThat(reference).contains("\"registrations\"");
            assertThat(json(capture, 0, true)).as(capture + " with the scanner").isEqualTo(reference);
            assertThat(json(capture, 1, true)).as(capture + " with a worker").isEqualTo(reference);
            assertThat(json(capture, 3, true)).as(capture + " with three workers").isEqualTo(reference);
            assertThat(json(capture, 2, false)).as(capture + " with two workers, no scanner").isEqualTo(reference);
        }
    }

    @Test
    void workerThreadsChangeNothingInTheText() {
        for (Path capture : CanonicalScannerTest.captures()) {
            assertThat(text(capture, CaptureAnalyzer.defaultThreads() + 1)).as(capture.toString())
                    .isEqualTo(text(capture, 0));
        }
    }

    private static String json(Path capture, int threads, boolean scanner) {
        var out = new ByteArrayOutputStream();
        try (var report = new JsonReport(out, 1)) {
            new CaptureAnalyzer(AnalyzerOptions.DEFAULT, threads, scanner).analyze(capture, report);
        } catch (UnusableCaptureException e) {
            throw new AssertionError(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String text(Path capture, int threads) {
        var out = new ByteArrayOutputStream();
        try (var print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            new CaptureAnalyzer(AnalyzerOptions.DEFAULT, threads, true).analyze(capture, new TextReport(print));
        } catch (UnusableCaptureException e) {
            throw new AssertionError(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
