package io.sipreg.analyzer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The recorded capture corpus (src/test/resources/captures, see MANIFEST.md there) and a listener that keeps all. */
final class Captures {
    private Captures() {
    }

    static Path path(String name) {
        var url = Captures.class.getResource("/captures/" + name);
        if (url == null) {
            throw new IllegalArgumentException("no capture " + name + " in src/test/resources/captures");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Result analyze(String name) {
        return analyze(name, AnalyzerOptions.DEFAULT);
    }

    static Result analyze(String name, AnalyzerOptions options) {
        var result = new Result();
        try {
            result.summary = new CaptureAnalyzer(options).analyze(path(name), result);
        } catch (UnusableCaptureException e) {
            throw new AssertionError(name + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /** Everything the analyzer reported about one file. */
    static class Result implements AnalysisListener {
        final List<Conversation> conversations = new ArrayList<>();
        final List<Finding> fileFindings = new ArrayList<>();
        Summary summary;

        @Override
        public void conversation(Conversation conversation) {
            conversations.add(conversation);
        }

        @Override
        public void finding(Finding finding) {
            fileFindings.add(finding);
        }

        @Override
        public void end(Summary s) {
        }

        List<Conversation> registrations() {
            return conversations.stream().filter(c -> c.kind() == Conversation.Kind.REGISTRATION).toList();
        }

        List<Conversation> keepalives() {
            return conversations.stream().filter(c -> c.kind() == Conversation.Kind.KEEPALIVE).toList();
        }

        List<Finding> findings() {
            var all = new ArrayList<Finding>(fileFindings);
            conversations.forEach(c -> all.addAll(c.findings()));
            return all;
        }

        List<String> codes() {
            return findings().stream().map(Finding::code).distinct().sorted().toList();
        }

        Finding finding(String code) {
            return findings().stream().filter(f -> f.code().equals(code)).findFirst()
                    .orElseThrow(() -> new AssertionError("no finding " + code + " among " + codes()));
        }

        List<String> outcomes() {
            return conversations.stream().map(Conversation::outcome).toList();
        }
    }
}
