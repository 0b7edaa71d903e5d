package io.sipreg.transport;


import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.sipreg.message.ParseLimits;
import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParser;
import io.sipreg.message.fuzz.Fuzz;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Mutation fuzzing of the TCP framer (see {@link Fuzz}): streams of real messages, pings and bodies, mutated, then
 * fed to an {@link EmbeddedChannel} in random chunkings, as TCP may deliver them. The framer never throws, never holds
 * more than the message limit, and what it passes on is a parse result for each frame.
 */
class SipStreamFramerFuzzTest {
    private static final Flow FLOW = SipStreamFramerTest.FLOW;
    private static final byte[] REGISTER = SipStreamFramerTest.REGISTER;
    private static final byte[] OPTIONS_WITH_BODY = SipStreamFramerTest.OPTIONS_WITH_BODY;
    private static final byte[] PING = {'\r', '\n', '\r', '\n'};

    private static final List<byte[]> STREAMS = List.of(
            REGISTER,
            concat(REGISTER, OPTIONS_WITH_BODY, REGISTER),
            concat(PING, REGISTER, PING, PING, OPTIONS_WITH_BODY),
            concat(OPTIONS_WITH_BODY, PING, REGISTER, REGISTER));

    @Test
    void framerNeverThrowsNorBuffersMoreThanTheLimit() {
        var strict = SipParser.strict();
        var tight = new SipParser(new ParseLimits(600, 12, 200), SipParser.Mode.STRICT);
        Fuzz.of("tcp framer", STREAMS).check(input -> {
            // The chunking comes from the input, so a reported input replays with the same chunks.
            var random = new SplittableRandom(Arrays.hashCode(input.bytes()));
            feed(strict, input.bytes(), random);
            feed(tight, input.bytes(), random);
        });
    }

    private static void feed(SipParser parser, byte[] stream, SplittableRandom random) {
        var framer = new SipStreamFramer(parser, FLOW, new Counters());
        var channel = new EmbeddedChannel(framer);
        int limit = parser.limits().maxMessageBytes();
        try {
            int at = 0;
            while (at < stream.length && channel.isOpen()) {
                // Mostly segments of any size, now and then a stretch sent byte by byte.
                int chunk = Math.min(stream.length - at, random.nextInt(8) == 0 ? 1 + random.nextInt(4)
                        : 1 + random.nextInt(1_500));
                ByteBuf bytes = Unpooled.wrappedBuffer(stream, at, chunk);
                // EmbeddedChannel rethrows whatever a handler threw or passed to exceptionCaught.
                channel.writeInbound(bytes);
                at += chunk;
                if (framer.buffered() > limit) {
                    throw new AssertionError(framer.buffered() + " bytes held after " + at + " of " + stream.length
                            + ", limit " + limit);
                }
                for (Object msg; (msg = channel.readInbound()) != null; ) {
                    if (!(msg instanceof ReceivedMessage received)
                            || received.result() instanceof ParseResult.Failed failed && failed.error() == null) {
                        throw new AssertionError("passed on " + msg);
                    }
                }
            }
        } finally {
            for (Object msg; (msg = channel.readOutbound()) != null; ) {
                ReferenceCountUtil.release(msg);
            }
            channel.finishAndReleaseAll();
        }
    }

    private static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
