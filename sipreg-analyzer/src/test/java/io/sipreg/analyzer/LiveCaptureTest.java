package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A capture read as it arrives (tcpdump -U -w - into a pipe): what is concluded is reported while the capture is
 * still running, not at its end. baresip-sipreg-udp.pcap has a registration answered at 0.38 s and an
 * unregistration sent at 2.99 s: once its first REGISTER has arrived, the registration is over.
 */
class LiveCaptureTest {
    private static final int FILE_HEADER = 24;
    private static final int RECORD_HEADER = 16;

    @Test
    void aRegistrationIsReportedBeforeTheCaptureEnds() throws Exception {
        byte[] capture = Files.readAllBytes(Captures.path("baresip-sipreg-udp.pcap"));
        int split = offsetAfterFrames(capture, 5);
        var reported = new CountDownLatch(1);
        var waits = new AtomicInteger();
        var result = new Captures.Result() {
            @Override
            public void conversation(Conversation c) {
                super.conversation(c);
                reported.countDown();
            }

            @Override
            public void waiting() {
                waits.incrementAndGet();
            }
        };
        var pipe = new PipedOutputStream();
        var in = new PipedInputStream(pipe, 1 << 16);
        CompletableFuture<Boolean> beforeTheRest = CompletableFuture.supplyAsync(() -> {
            try {
                pipe.write(capture, 0, split);
                pipe.flush();
                // The pipe stays open, as tcpdump's does between packets: the report must not wait for its end.
                boolean early = reported.await(10, TimeUnit.SECONDS);
                pipe.write(capture, split, capture.length - split);
                pipe.close();
                return early;
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        Summary summary = new CaptureAnalyzer(AnalyzerOptions.DEFAULT).analyze(in, "(standard input)", result);

        assertThat(beforeTheRest.get(20, TimeUnit.SECONDS)).as("reported while the pipe was open").isTrue();
        assertThat(waits.get()).isPositive();
        assertThat(result.conversations).extracting(Conversation::outcome).containsExactly("registered",
                "unregistered");
        assertThat(summary.packets()).isEqualTo(8);
        assertThat(summary.file()).isEqualTo("(standard input)");
    }

    @Test
    void aCapturePipedWholeGivesTheSameReportAsTheFile() throws Exception {
        String[] captures = {"keepalive-unanswered.pcap", "sipp-sipreg-407.pcapng", "tcp-small-mss-lossy.pcap"};
        for (String name : captures) {
            var fromFile = Captures.analyze(name);
            var piped = new Captures.Result();
            new CaptureAnalyzer(AnalyzerOptions.DEFAULT).analyze(
                    new ByteArrayInputStream(Files.readAllBytes(Captures.path(name))), name, piped);
            assertThat(piped.conversations).as(name).usingRecursiveFieldByFieldElementComparator()
                    .isEqualTo(fromFile.conversations);
        }
    }

    @Test
    void emptyInputIsNotACapture() {
        var analyzer = new CaptureAnalyzer(AnalyzerOptions.DEFAULT);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> analyzer.analyze(new ByteArrayInputStream(new byte[0]),
                "(standard input)", new Captures.Result())).isInstanceOf(UnusableCaptureException.class)
                .hasMessage("(standard input): not a pcap or pcapng file (empty)");
    }

    /** The byte offset just after the first {@code frames} records of a little-endian pcap file. */
    private static int offsetAfterFrames(byte[] pcap, int frames) {
        var b = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0)).isEqualTo(0xA1B2C3D4);
        int at = FILE_HEADER;
        for (int i = 0; i < frames; i++) {
            at += RECORD_HEADER + b.getInt(at + 8);
        }
        return at;
    }
}
