package io.sipreg.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.sipreg.message.Headers;
import io.sipreg.message.ParseResult;
import io.sipreg.message.SipMessage;
import io.sipreg.message.SipParseException;
import io.sipreg.message.SipParser;
import io.sipreg.message.SipRequest;
import io.sipreg.message.Violation;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts one TCP connection's byte stream into SIP messages (RFC 3261 §18.3: Content-Length bounds the body on a
 * stream). One instance per connection. A message that is framed but does not parse is reported and the stream
 * goes on; a stream that cannot be framed is reported with whatever headers were read, and the connection is
 * closed, since there is no telling where the next message would start.
 */
final class SipStreamFramer extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(SipStreamFramer.class);

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte[] PING = {CR, LF, CR, LF};
    private static final byte[] PONG = {CR, LF};

    /**
     * Keeps the cumulation in one heap buffer, so the parser reads the array in place however the bytes
     * arrived. Each received byte is copied once, instead of the whole pending message on every read.
     */
    private static final Cumulator HEAP_CUMULATOR = (alloc, cumulation, in) -> {
        try {
            int needed = in.readableBytes();
            ByteBuf target = cumulation;
            if (!target.hasArray() || target.refCnt() != 1 || target.isReadOnly()
                    || target.maxWritableBytes() < needed) {
                target = alloc.heapBuffer(Math.max(cumulation.readableBytes() + needed, 512));
                target.writeBytes(cumulation);
                cumulation.release();
            }
            target.writeBytes(in);
            return target;
        } finally {
            in.release();
        }
    };

    private enum State { READ_MESSAGE, DISCARD }

    private final SipParser parser;
    private final Flow flow;
    private final Counters counters;
    private final boolean openedHere;
    private final long partialTimeoutNanos;
    private State state = State.READ_MESSAGE;
    /** Counts messages and keepalives taken off the stream; a partial-message timer belongs to one value of it. */
    private long taken;
    private long timedMessage = -1;
    private ScheduledFuture<?> partialTimer;
    /** Bytes of the pending message already searched for the end of the header block. */
    private int scanned;
    /** The length of the pending message once its header block has been read; 0 before. */
    private long expected;

    SipStreamFramer(SipParser parser, Flow flow, Counters counters) {
        this(parser, flow, counters, false);
    }

    /**
     * @param openedHere the connection was opened from this side, as a device opens its flow: then a CRLF is the
     *     registrar's pong to our ping (RFC 5626 §3.5.1), since only the side that opened a flow pings
     */
    SipStreamFramer(SipParser parser, Flow flow, Counters counters, boolean openedHere) {
        this(parser, flow, counters, openedHere, 0);
    }

    /**
     * @param partialTimeoutSeconds a message not complete this long after its first byte arrived closes the connection
     *     (a client that sends byte by byte never lets the idle timeout fire); 0 waits for ever
     */
    SipStreamFramer(SipParser parser, Flow flow, Counters counters, boolean openedHere, int partialTimeoutSeconds) {
        this.partialTimeoutNanos = TimeUnit.SECONDS.toNanos(partialTimeoutSeconds);
        this.parser = parser;
        this.flow = flow;
        this.counters = counters;
        this.openedHere = openedHere;
        setCumulator(HEAP_CUMULATOR);
    }

    /** Bytes received and not yet framed: the memory one connection holds, never above the message limit. */
    int buffered() {
        ByteBuf pending = internalBuffer();
        return pending.refCnt() > 0 ? pending.readableBytes() : 0;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.DISCARD) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (!skipKeepalives(ctx, in, out) || !in.isReadable()) {
            return;
        }
        int length = in.readableBytes();
        int limit = parser.limits().maxMessageBytes();
        // Ask the parser only once the header block can be complete: asking on every read of a slowly
        // arriving message would rescan it from the start each time.
        if (length < limit && !headerEndSeen(in)) {
            return;
        }
        if (expected > 0 && length < expected) {
            // The headers were framed already; the body is still arriving (perhaps byte by byte).
            return;
        }
        byte[] array;
        int offset;
        if (in.hasArray()) {
            array = in.array();
            offset = in.arrayOffset() + in.readerIndex();
        } else {
            array = ByteBufUtil.getBytes(in);
            offset = 0;
        }
        int frame;
        try {
            if (expected == 0) {
                expected = parser.messageLength(array, offset, length);
            }
            frame = expected <= length ? (int) expected : 0;
        } catch (SipParseException e) {
            failFraming(ctx, in, describe(e, array, offset, length));
            return;
        } catch (RuntimeException e) {
            counters.internalErrors.increment();
            log.debug("{} framing failed, closing: {}", flow, e.toString(), e);
            discardAndClose(ctx, in);
            return;
        }
        if (frame == 0) {
            if (length >= limit) {
                failFraming(ctx, in, describe(new SipParseException(Violation.MESSAGE_TOO_LARGE, limit, "Message"),
                        array, offset, length));
            }
            return;
        }
        if (frame < 0) {
            failFraming(ctx, in, describe(null, array, offset, length));
            return;
        }
        // A copy the parser owns: the cumulation buffer is reused for the bytes that follow.
        byte[] message = Arrays.copyOfRange(array, offset, offset + frame);
        in.skipBytes(frame);
        scanned = 0;
        expected = 0;
        taken++;
        try {
            out.add(new ReceivedMessage(parser.parse(message, 0, frame), flow));
        } catch (RuntimeException e) {
            // The frame is known, so the stream stays in step: drop this message, keep the connection.
            counters.internalErrors.increment();
            log.debug("{} message dropped: {}", flow, e.toString(), e);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        armPartialTimer(ctx);
        super.channelReadComplete(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelPartialTimer();
    }

    /**
     * Once a read leaves part of a message waiting, the rest must come within the timeout, counted from the read
     * that started it: a slowloris client trickling one byte at a time keeps a connection and its buffer for ever
     * otherwise. A timer runs for each message that stays partial across reads, and a completed message cancels it.
     */
    private void armPartialTimer(ChannelHandlerContext ctx) {
        if (partialTimeoutNanos <= 0 || state == State.DISCARD) {
            return;
        }
        if (buffered() == 0) {
            cancelPartialTimer();
            return;
        }
        if (timedMessage == taken && partialTimer != null) {
            return;
        }
        cancelPartialTimer();
        long message = taken;
        timedMessage = message;
        partialTimer = ctx.executor().schedule(() -> partialExpired(ctx, message), partialTimeoutNanos,
                TimeUnit.NANOSECONDS);
    }

    private void partialExpired(ChannelHandlerContext ctx, long message) {
        partialTimer = null;
        if (taken != message || buffered() == 0 || state == State.DISCARD) {
            return;
        }
        counters.partialTimeouts.increment();
        log.debug("{} message incomplete after {} s ({} bytes), closing", flow,
                TimeUnit.NANOSECONDS.toSeconds(partialTimeoutNanos), buffered());
        state = State.DISCARD;
        ctx.close();
    }

    private void cancelPartialTimer() {
        if (partialTimer != null) {
            partialTimer.cancel(false);
            partialTimer = null;
        }
    }

    /**
     * RFC 5626 §3.5.1: a double CRLF is a ping, answered with a single CRLF; on a flow opened here a CRLF is the pong
     * to our ping. Other CR/LF bytes before a start line are skipped (RFC 3261 §7.5). Returns false when the buffer
     * holds only the beginning of a ping.
     */
    private boolean skipKeepalives(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            int start = in.readerIndex();
            byte first = in.getByte(start);
            if (first != CR && first != LF) {
                return true;
            }
            int available = in.readableBytes();
            if (openedHere && first == CR) {
                if (available < PONG.length) {
                    return false;
                }
                if (in.getByte(start + 1) == LF) {
                    in.skipBytes(PONG.length);
                    taken++;
                    counters.keepalives.increment();
                    out.add(new KeepaliveAnswer(flow));
                    scanned = 0;
                    continue;
                }
            }
            if (available >= PING.length && matchesPing(in, start, PING.length)) {
                in.skipBytes(PING.length);
                taken++;
                counters.keepalives.increment();
                ctx.writeAndFlush(Unpooled.wrappedBuffer(PONG), ctx.voidPromise());
            } else if (available < PING.length && matchesPing(in, start, available)) {
                return false;
            } else {
                in.skipBytes(1);
            }
            scanned = 0;
        }
        return true;
    }

    private static boolean matchesPing(ByteBuf in, int start, int count) {
        for (int i = 0; i < count; i++) {
            if (in.getByte(start + i) != PING[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether an empty line (CRLF CRLF, or a bare-LF variant the parser will name) has arrived. Remembers how far
     * it looked so each byte is searched once.
     */
    private boolean headerEndSeen(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int i = start + scanned;
        while (true) {
            int lf = in.indexOf(i, end, LF);
            if (lf < 0) {
                scanned = end - start;
                return false;
            }
            if (lf + 1 < end && in.getByte(lf + 1) == LF
                    || lf + 2 < end && in.getByte(lf + 1) == CR && in.getByte(lf + 2) == LF) {
                scanned = lf - start;
                return true;
            }
            if (lf + 2 >= end) {
                // Too close to the end to tell; look at this LF again when more bytes come.
                scanned = lf - start;
                return false;
            }
            i = lf + 1;
        }
    }

    private void failFraming(ChannelHandlerContext ctx, ByteBuf in, ParseResult.Failed failure) {
        counters.framingErrors.increment();
        log.debug("{} cannot frame the stream, closing: {}", flow, failure.error().getMessage());
        state = State.DISCARD;
        in.skipBytes(in.readableBytes());
        ctx.fireChannelRead(new ReceivedMessage(failure, flow));
        // Written after whatever the handler sent in answer (a 400), so the close does not cut it off.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void discardAndClose(ChannelHandlerContext ctx, ByteBuf in) {
        state = State.DISCARD;
        in.skipBytes(in.readableBytes());
        ctx.close();
    }

    /**
     * A failure for bytes that could not be framed, with the headers the parser could still read, so a 400 can
     * name the violation to the sender (RFC 3261 §8.2.6.2 needs Via, From, To, Call-ID, CSeq).
     */
    private ParseResult.Failed describe(SipParseException framingError, byte[] array, int offset, int length) {
        SipParseException fallback = new SipParseException(Violation.BAD_START_LINE, 0);
        try {
            ParseResult partial = parser.parse(Arrays.copyOfRange(array, offset, offset + length));
            if (partial instanceof ParseResult.Failed failed) {
                return new ParseResult.Failed(framingError != null ? framingError : failed.error(),
                        failed.isRequest(), failed.method(), failed.partialHeaders());
            }
            SipMessage message = ((ParseResult.Parsed) partial).message();
            Optional<String> method = message instanceof SipRequest request
                    ? Optional.of(request.method())
                    : Optional.empty();
            return new ParseResult.Failed(framingError != null ? framingError : fallback,
                    message instanceof SipRequest, method, message.headers());
        } catch (RuntimeException e) {
            log.debug("{} could not read headers of an unframeable message: {}", flow, e.toString());
            return new ParseResult.Failed(framingError != null ? framingError : fallback, false, Optional.empty(),
                    Headers.EMPTY);
        }
    }
}
