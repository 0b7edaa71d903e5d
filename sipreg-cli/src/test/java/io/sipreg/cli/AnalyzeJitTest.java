package io.sipreg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sipreg-cli/analyze-jit}, which ./sipreg and bench/analyze-speed ask which compilers {@code sipreg analyze}
 * gets: C1 alone when every capture named is a file and they add up to less than 512 MiB.
 */
class AnalyzeJitTest {
    private static final Path SCRIPT = Path.of("analyze-jit");
    private static final String C1_ONLY = "-XX:TieredStopAtLevel=1";

    @TempDir
    Path dir;

    @Test
    void smallCapturesGetC1Alone() throws Exception {
        Path small = file("small.pcap", 5_000_000);
        Path other = file("other.pcapng", 300_000_000);
        assertThat(jit(small.toString())).isEqualTo(C1_ONLY);
        assertThat(jit("--json", small.toString(), other.toString())).isEqualTo(C1_ONLY);
        // an option's value is not a capture, even when it names a large file
        assertThat(jit("--html", file("report.html", 900_000_000).toString(), "--port", "5060", small.toString()))
                .isEqualTo(C1_ONLY);
    }

    @Test
    void largeCapturesKeepBothCompilers() throws Exception {
        assertThat(jit(file("big.pcap", 600_000_000).toString())).isEmpty();
        assertThat(jit(file("a.pcap", 300_000_000).toString(), file("b.pcap", 300_000_000).toString())).isEmpty();
    }

    @Test
    void standardInputAndMissingFilesKeepTheDefault() throws Exception {
        assertThat(jit("-")).isEmpty();
        assertThat(jit(file("small.pcap", 1_000).toString(), "-")).isEmpty();
        assertThat(jit(dir.resolve("missing.pcap").toString())).isEmpty();
        assertThat(jit("--help")).isEmpty();
    }

    /** A sparse file of that length: only its size matters here. */
    private Path file(String name, long length) throws IOException {
        Path path = dir.resolve(name);
        try (var f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(length);
        }
        return path;
    }

    private static String jit(String... arguments) throws Exception {
        var command = new ArrayList<>(List.of(SCRIPT.toAbsolutePath().toString()));
        command.addAll(List.of(arguments));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
