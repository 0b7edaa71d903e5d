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

    /** The UDP or TCP payload of one frame of a recorded capture, and the frame's time. */
    record Payload(long timeNanos, byte[] bytes) {
    }

    /**
     * The UDP and TCP payloads of a capture recorded on a Linux loopback (Ethernet, IPv4 without options), one per
     * frame in order; an empty one for a bare TCP segment.
     */
    static List<Payload> payloads(String name) {
        List<Payload> payloads = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(path(name))) {
            reader.read(new FrameSink() {
                @Override
                public void frame(int linkType, long timeNanos, byte[] data, int offset, int capturedLength,
                                  int originalLength) {
                    int ip = offset + 14;
                    if (linkType != LinkType.ETHERNET || data[ip] != 0x45) {
                        throw new AssertionError(name + ": not Ethernet and IPv4 without options");
                    }
                    int protocol = data[ip + 9];
                    int transport = ip + 20;
                    int payload = protocol == 17 ? transport + 8 : transport + ((data[transport + 12] >> 4) & 0xF) * 4;
                    payloads.add(new Payload(timeNanos, java.util.Arrays.copyOfRange(data, payload,
                            offset + capturedLength)));
                }

                @Override
                public void damage(CaptureDamage damage) {
                    throw new AssertionError(name + ": " + damage);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (UnusableCaptureException e) {
            throw new AssertionError(name + ": " + e.getMessage(), e);
        }
        return payloads;
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
