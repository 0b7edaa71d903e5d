package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The readers and link layers, on format variants converted from one real capture (record.sh, rec_variants):
 * whatever the container, byte order, timestamp resolution or link layer, the analysis is the same.
 */
class CaptureFormatTest {
    private static final String ORIGINAL = "baresip-sipreg-udp.pcap";

    @ParameterizedTest
    @ValueSource(strings = {"variants/nanoseconds.pcap", "variants/big-endian.pcap",
            "variants/big-endian-nanoseconds.pcap", "variants/bsd-loopback.pcap", "variants/raw-ip.pcap",
            "variants/vlan-qinq.pcap"})
    void everyVariantReadsLikeTheOriginal(String variant) {
        var original = Captures.analyze(ORIGINAL);
        var converted = Captures.analyze(variant);
        assertThat(converted.summary.packets()).isEqualTo(original.summary.packets());
        assertThat(converted.summary.sipMessages()).isEqualTo(original.summary.sipMessages()).isPositive();
        assertThat(converted.summary.damage()).isEmpty();
        assertThat(converted.outcomes()).isEqualTo(original.outcomes());
        assertThat(converted.codes()).isEqualTo(original.codes());
        assertThat(converted.conversations.get(0).events()).extracting(LadderEvent::timeNanos)
                .isEqualTo(original.conversations.get(0).events().stream().map(LadderEvent::timeNanos).toList());
        assertThat(converted.conversations.get(0).events()).extracting(e -> e.source().toString())
                .isEqualTo(original.conversations.get(0).events().stream().map(e -> e.source().toString()).toList());
    }

    @Test
    void readsTheFormatFromTheFileHeader() {
        assertThat(Captures.analyze("variants/big-endian-nanoseconds.pcap").summary.format())
                .isEqualTo("pcap (nanoseconds, big-endian, link type 1)");
        assertThat(Captures.analyze("variants/bsd-loopback.pcap").summary.format())
                .isEqualTo("pcap (microseconds, little-endian, link type 0)");
    }

    @Test // pcapng: a new Section Header Block starts a new interface numbering
    void readsSeveralSections() {
        var first = Captures.analyze(ORIGINAL);
        var second = Captures.analyze("sipp-sipreg-407.pcapng");
        var both = Captures.analyze("variants/two-sections.pcapng");
        assertThat(both.summary.format()).isEqualTo("pcapng (2 sections, 2 interfaces)");
        assertThat(both.summary.packets()).isEqualTo(first.summary.packets() + second.summary.packets());
        assertThat(both.summary.sipMessages()).isEqualTo(first.summary.sipMessages() + second.summary.sipMessages());
        assertThat(both.registrations()).hasSize(first.registrations().size() + second.registrations().size());
    }

    @Test // mergecap -a of a capture and one recorded 103 s before it: the time goes back at the join
    void saysWhereTheTimeGoesBack() {
        var joined = Captures.analyze("variants/concatenated-out-of-order.pcapng");
        Finding back = joined.finding("capture-out-of-order");
        assertThat(back.severity()).isEqualTo(Severity.WARNING);
        assertThat(back.frames()).containsExactly(4L, 5L);
        assertThat(back.message()).contains("goes back once", "frame 5 is 103.0", "reordercap");
        assertThat(joined.outcomes()).containsExactlyInAnyOrder("registered", "unregistered", "registered");
        // The span of the traffic, from the earliest frame to the latest, not from the first to the last.
        assertThat(joined.summary.lastNanos() - joined.summary.firstNanos()).isBetween(102_000_000_000L,
                104_000_000_000L);
        assertThat(Captures.analyze(ORIGINAL).codes()).doesNotContain("capture-out-of-order");
    }

    @Test // one section, two interfaces with different link types (Linux cooked and Ethernet)
    void readsSeveralInterfaces() {
        var merged = Captures.analyze("variants/two-interfaces.pcapng");
        assertThat(merged.summary.format()).isEqualTo("pcapng (1 section, 2 interfaces)");
        assertThat(merged.codes()).contains("port-unreachable", "keepalive-ok");
        assertThat(merged.summary.damage()).isEmpty();
    }

    @Test
    void reportsWhereATruncatedPcapEnds() throws IOException {
        var whole = Captures.analyze(ORIGINAL);
        var cut = Captures.analyze("variants/truncated.pcap");
        long size = Files.size(Captures.path("variants/truncated.pcap"));
        assertThat(cut.summary.packets()).isEqualTo(whole.summary.packets() - 1);
        assertThat(cut.summary.damage()).hasSize(1);
        CaptureDamage damage = cut.summary.damage().get(0);
        assertThat(damage.offset()).isLessThan(size).isGreaterThan(24);
        assertThat(damage.what()).startsWith("file ends inside frame " + whole.summary.packets() + " (header says");
        assertThat(cut.finding("capture-damaged").severity()).isEqualTo(Severity.ERROR);
        assertThat(cut.finding("capture-damaged").message()).contains("at byte " + damage.offset());
    }

    @Test
    void stopsAtACorruptRecordHeaderAndSaysWhere() {
        var corrupt = Captures.analyze("variants/corrupt-record-length.pcap");
        assertThat(corrupt.summary.packets()).isEqualTo(4);
        assertThat(corrupt.summary.damage()).singleElement().satisfies(d -> {
            assertThat(d.what()).startsWith("header of frame 5 is corrupt (captured length 2147483632 exceeds");
            assertThat(d.offset()).isGreaterThan(24);
        });
    }

    @Test
    void reportsWhereATruncatedPcapngEnds() {
        var cut = Captures.analyze("variants/truncated.pcapng");
        assertThat(cut.summary.packets()).isEqualTo(4);
        assertThat(cut.summary.damage()).singleElement().satisfies(d -> {
            assertThat(d.what()).isEqualTo("file ends inside an Interface Statistics Block (length 108, 58 bytes present)");
            assertThat(d.offset()).isEqualTo(2270 - 58);
        });
    }

    @Test
    void refusesWhatIsNotACapture(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "REGISTER sip:example.com SIP/2.0\r\n");
        Path empty = Files.createFile(dir.resolve("empty.pcap"));
        var analyzer = new CaptureAnalyzer(AnalyzerOptions.DEFAULT);
        var ignore = new Captures.Result();
        assertThatThrownBy(() -> analyzer.analyze(text, ignore)).isInstanceOf(UnusableCaptureException.class)
                .hasMessage(text + ": not a pcap or pcapng file (starts with 52 45 47 49)");
        assertThatThrownBy(() -> analyzer.analyze(empty, ignore)).hasMessage(empty + ": not a pcap or pcapng file (empty)");
        assertThatThrownBy(() -> analyzer.analyze(dir.resolve("missing.pcap"), ignore))
                .hasMessage(dir.resolve("missing.pcap") + ": no such file");
    }

    @Test
    void readsAFileThatEndsInsideItsHeader(@TempDir Path dir) throws IOException {
        Path stub = dir.resolve("stub.pcap");
        Files.write(stub, java.util.Arrays.copyOf(Files.readAllBytes(Captures.path(ORIGINAL)), 10));
        var result = new Captures.Result();
        try {
            result.summary = new CaptureAnalyzer(AnalyzerOptions.DEFAULT).analyze(stub, result);
        } catch (UnusableCaptureException e) {
            throw new AssertionError(e);
        }
        assertThat(result.summary.damage()).singleElement()
                .isEqualTo(new CaptureDamage(10, "file ends inside the 24-byte pcap file header (10 bytes)"));
    }

    @Test // bad input never escapes as an exception: bytes flipped anywhere after the file header
    void survivesCorruptionAnywhere(@TempDir Path dir) throws Exception {
        for (String capture : new String[] {ORIGINAL, "tcp-small-mss-lossy.pcap", "ipv6-fragments.pcap",
                "baresip-port-unreachable-sll.pcap", "sipp-sipreg-407.pcapng"}) {
            byte[] original = Files.readAllBytes(Captures.path(capture));
            var random = new java.util.Random(capture.hashCode());
            for (int round = 0; round < 40; round++) {
                byte[] broken = original.clone();
                for (int k = 0; k < 1 + round; k++) {
                    int at = 24 + random.nextInt(broken.length - 24);
                    broken[at] = (byte) random.nextInt(256);
                }
                Path file = dir.resolve("broken-" + round + "-" + capture);
                Files.write(file, broken);
                var result = new Captures.Result();
                result.summary = new CaptureAnalyzer(AnalyzerOptions.DEFAULT).analyze(file, result);
                assertThat(result.summary.packets()).as("%s round %d", capture, round).isNotNegative();
                assertThat(result.fileFindings).noneMatch(f -> f.code().equals("undecodable"));
            }
        }
    }

    @Test // tshark reads capture.pcap.gz as it is; so does the analyzer, by the gzip header, not the name
    void readsGzipCompressedCaptures(@TempDir Path dir) throws Exception {
        for (String name : new String[] {ORIGINAL, "sipp-sipreg-407.pcapng"}) {
            var original = Captures.analyze(name);
            Path gz = dir.resolve("capture.bin");
            Files.write(gz, gzip(Files.readAllBytes(Captures.path(name))));

            var fromFile = new Captures.Result();
            fromFile.summary = new CaptureAnalyzer(AnalyzerOptions.DEFAULT).analyze(gz, fromFile);
            var fromPipe = new Captures.Result();
            fromPipe.summary = new CaptureAnalyzer(AnalyzerOptions.DEFAULT).analyze(Files.newInputStream(gz), "-",
                    fromPipe);

            for (var read : java.util.List.of(fromFile, fromPipe)) {
                assertThat(read.summary.format()).as(name).isEqualTo(original.summary.format());
                assertThat(read.summary.packets()).as(name).isEqualTo(original.summary.packets());
                assertThat(read.summary.damage()).as(name).isEmpty();
                assertThat(read.outcomes()).as(name).isEqualTo(original.outcomes());
                assertThat(read.codes()).as(name).isEqualTo(original.codes());
            }
        }
    }

    @Test // a compressed capture cut off in transfer is read up to the cut, which is reported
    void readsATruncatedGzipCaptureUpToTheCut(@TempDir Path dir) throws Exception {
        byte[] gz = gzip(Files.readAllBytes(Captures.path(ORIGINAL)));
        Path cut = dir.resolve("cut.pcap.gz");
        Files.write(cut, java.util.Arrays.copyOf(gz, gz.length * 2 / 3));
        var result = new Captures.Result();
        result.summary = new CaptureAnalyzer(AnalyzerOptions.DEFAULT).analyze(cut, result);
        assertThat(result.summary.packets()).isPositive().isLessThan(Captures.analyze(ORIGINAL).summary.packets());
        assertThat(result.summary.damage()).singleElement().extracting(CaptureDamage::what).asString()
                .startsWith("file ends inside");
    }

    private static byte[] gzip(byte[] plain) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(plain);
        }
        return out.toByteArray();
    }
}
