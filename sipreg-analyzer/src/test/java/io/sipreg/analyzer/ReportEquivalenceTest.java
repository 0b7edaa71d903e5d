package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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

    @Test // the bulk of the document is written without Jackson's generator, the same bytes as with it
    void theJsonIsByteForByteWhatJacksonWrites() {
        var captures = CanonicalScannerTest.captures();
        for (Path capture : captures) {
            assertThat(json(capture, 0, true)).as(capture.toString())
                    .isEqualTo(reference(List.of(capture)));
        }
        var out = new ByteArrayOutputStream();
        try (var report = new JsonReport(out, captures.size())) {
            for (Path capture : captures) {
                new CaptureAnalyzer(AnalyzerOptions.DEFAULT, 0, true).analyze(capture, report);
            }
        } catch (UnusableCaptureException | IOException e) {
            throw new AssertionError(e);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(reference(captures));
    }

    @Test // control characters, quotes, backslashes and text beyond ASCII, in the spool and in the registrations
    void stringsAreEscapedAsJacksonEscapesThem() throws Exception {
        String odd = "a\"b\\c\u0001d\te\u007f f\u00e9g\u20ach\ud83d\ude00i";
        var conversation = new Conversation(Conversation.Kind.REGISTRATION, odd, odd, "registered", 401, 12.5,
                List.of(), List.of(new Finding(odd, Severity.INFO, odd + odd, List.of(1L, 2L))));
        var ours = new ByteArrayOutputStream();
        var theirs = new ByteArrayOutputStream();
        for (var pair : List.of(List.of(new JsonReport(ours, 1), ours), List.of(new JsonReportReference(theirs, 1),
                theirs))) {
            var report = (AnalysisListener) pair.get(0);
            report.start(odd, odd);
            report.conversation(conversation);
            report.finding(new Finding("x", Severity.ERROR, odd, List.of()));
            report.end(new Summary(odd, odd, 1, 2, 3, 4, 0, 5, java.util.Map.of(), java.util.Map.of(),
                    java.util.Map.of(), List.of(), 0, 0, 0, 0, 0, List.of(odd)));
            ((AutoCloseable) report).close();
        }
        assertThat(ours.toString(StandardCharsets.UTF_8)).isEqualTo(theirs.toString(StandardCharsets.UTF_8));
    }

    private static String reference(List<Path> captures) {
        var out = new ByteArrayOutputStream();
        try (var report = new JsonReportReference(out, captures.size())) {
            for (Path capture : captures) {
                new CaptureAnalyzer(AnalyzerOptions.DEFAULT, 0, false).analyze(capture, report);
            }
        } catch (UnusableCaptureException | IOException e) {
            throw new AssertionError(e);
        }
        return out.toString(StandardCharsets.UTF_8);
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
