package io.sipreg.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.sipreg.message.SipParser;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One datagram is one message (RFC 3261 §18.3 for UDP: the datagram bounds it). One instance serves every UDP
 * socket; the only state is each socket's count of datagrams read in the current read and its backlog.
 *
 * <p>A socket is read {@link #READS_PER_WAKEUP} datagrams at a time. A read that fills that many leaves more behind;
 * the datagrams of such reads in a row are the socket's backlog, and a read that ends short (the socket is empty)
 * clears it. When the backlog passes {@code burstShedding} datagrams and the kernel's receive buffer of the socket is
 * at least half full ({@link ReceiveQueue}, looked at every {@link #QUEUE_CHECK_NANOS}; where the system does not
 * tell, the backlog alone decides) the socket is far behind: answering each request (even with a 503) costs more
 * than its retransmission, and what the kernel cannot hold it drops unread, whatever it is. Requests without
 * credentials (new registrations, whose challenge is the first thing to give up) are then dropped before they are
 * parsed; beyond four times the threshold every request is. The buffer's fill is asked because the backlog alone
 * misleads near capacity: a socket served at 90 % of its arrival rate goes thousands of datagrams without running
 * empty with only a few waiting (at 15,000 registrations/s it shed hundreds of new registrations, which came back as
 * retransmissions, while 99 % of the answers left within 60 ms).
 * Responses (answers to our keepalive OPTIONS) and keepalives are always read, so bindings are not lost to the flood.
 */
@ChannelHandler.Sharable
final class SipDatagramDecoder extends MessageToMessageDecoder<DatagramPacket> {
    private static final Logger log = LoggerFactory.getLogger(SipDatagramDecoder.class);

    /** Datagrams read from one socket per wake-up of its event loop, before the loop's queued tasks run. */
    static final int READS_PER_WAKEUP = 64;

    /** How long an answer about the kernel's receive buffer holds: reading it costs tens of microseconds. */
    static final long QUEUE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private static final AttributeKey<Backlog> BACKLOG = AttributeKey.valueOf(SipDatagramDecoder.class, "backlog");
    private static final long SHED_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final byte[] AUTHORIZATION = "authorization".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PROXY_AUTHORIZATION = "proxy-authorization".getBytes(StandardCharsets.US_ASCII);

    private final SipParser parser;
    private final Counters counters;
    private final int burstShedding;
    private final ReceiveQueue receiveQueue;
    private final AtomicLong lastShedLog = new AtomicLong(System.nanoTime() - SHED_LOG_INTERVAL_NANOS);

    SipDatagramDecoder(SipParser parser, Counters counters) {
        this(parser, counters, 0);
    }

    /** @param burstShedding backlog of datagrams after which requests are shed (see above); 0 never sheds */
    SipDatagramDecoder(SipParser parser, Counters counters, int burstShedding) {
        this(parser, counters, burstShedding, ReceiveQueue.system());
    }

    SipDatagramDecoder(SipParser parser, Counters counters, int burstShedding, ReceiveQueue receiveQueue) {
        super(DatagramPacket.class);
        this.parser = parser;
        this.counters = counters;
        this.burstShedding = burstShedding;
        this.receiveQueue = receiveQueue;
    }

    /** One socket's reads, touched only by its event loop. */
    private static final class Backlog {
        /** Datagrams of the current read. */
        int read;
        /** Datagrams of the full reads just before it. */
        int before;
        /** When the kernel's buffer was last looked at (0: not in this backlog), and its fill then (NaN: unknown). */
        long checkedAtNanos;
        double fill = Double.NaN;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        // A read that stopped short of the limit emptied the socket: the backlog is gone.
        Backlog backlog = ctx.channel().attr(BACKLOG).get();
        if (backlog != null) {
            if (backlog.read >= READS_PER_WAKEUP) {
                backlog.before += backlog.read;
            } else {
                backlog.before = 0;
                backlog.checkedAtNanos = 0;
            }
            backlog.read = 0;
        }
        super.channelReadComplete(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) {
        ByteBuf content = packet.content();
        Flow flow = null;
        try {
            // Every datagram counts towards the read, keepalives too: a read filled with them still left more behind.
            Backlog backlog = countRead(ctx);
            if (isCrlfOnly(content)) {
                // RFC 5626 §3.5.1 defines CRLF keepalives for streams, but many devices also send them over
                // UDP to hold their NAT binding open. Nothing to answer.
                counters.keepalives.increment();
                return;
            }
            if (shed(ctx, backlog, content, packet.sender())) {
                return;
            }
            // The parser gets an array of its own: it may keep slices of it in the message it returns.
            byte[] bytes = ByteBufUtil.getBytes(content);
            flow = new Flow(Transport.UDP, packet.recipient(), packet.sender(), 0);
            if (StunBinding.isBindingSuccess(bytes)) {
                // The answer to our own keepalive (RFC 5626 §4.4.2), on a flow this side opened.
                out.add(new KeepaliveAnswer(flow));
                return;
            }
            if (StunBinding.looksLikeStun(bytes)) {
                answerStun(ctx, bytes, packet.sender());
                return;
            }
            out.add(new ReceivedMessage(parser.parse(bytes, 0, bytes.length), flow));
        } catch (RuntimeException e) {
            counters.internalErrors.increment();
            log.debug("{} datagram dropped: {}", flow != null ? flow : packet.sender(), e.toString(), e);
        }
    }

    /** Counts this datagram in its socket's current read; null when nothing is ever shed. */
    private Backlog countRead(ChannelHandlerContext ctx) {
        if (burstShedding <= 0) {
            return null;
        }
        Backlog backlog = ctx.channel().attr(BACKLOG).get();
        if (backlog == null) {
            backlog = new Backlog();
            ctx.channel().attr(BACKLOG).set(backlog);
        }
        backlog.read++;
        return backlog;
    }

    /** Whether to drop this datagram unparsed: its socket is far behind and it is a request that can wait. */
    private boolean shed(ChannelHandlerContext ctx, Backlog backlog, ByteBuf content, InetSocketAddress sender) {
        if (backlog == null) {
            return false;
        }
        int read = backlog.read + backlog.before;
        if (read <= burstShedding || isResponse(content)
                || read <= 4 * burstShedding && hasCredentials(content)
                || !bufferHalfFull(ctx, backlog)) {
            return false;
        }
        counters.shed.increment();
        long now = System.nanoTime();
        long last = lastShedLog.get();
        if (now - last >= SHED_LOG_INTERVAL_NANOS && lastShedLog.compareAndSet(last, now)) {
            log.warn("udp {}: {} datagrams read without emptying the socket{}, far behind; dropping {} unparsed "
                            + "until it catches up ({} dropped so far)", ctx.channel().localAddress(), read,
                    Double.isNaN(backlog.fill) ? ""
                            : String.format(java.util.Locale.ROOT, ", its receive buffer %.0f %% full",
                            100 * backlog.fill),
                    read <= 4 * burstShedding ? "requests without credentials" : "all requests",
                    counters.shed.sum());
        }
        log.debug("{} datagram dropped unparsed: socket far behind", sender);
        return true;
    }

    /** Whether the kernel's buffer of the socket is at least half full, as last looked at; true when it cannot tell. */
    private boolean bufferHalfFull(ChannelHandlerContext ctx, Backlog backlog) {
        long now = System.nanoTime();
        if (backlog.checkedAtNanos == 0 || now - backlog.checkedAtNanos >= QUEUE_CHECK_NANOS) {
            backlog.fill = receiveQueue.fill(ctx.channel()).orElse(Double.NaN);
            backlog.checkedAtNanos = now == 0 ? 1 : now;
        }
        return Double.isNaN(backlog.fill) || backlog.fill >= 0.5;
    }

    /** A Status-Line starts with the SIP version (RFC 3261 §7.2). */
    private static boolean isResponse(ByteBuf content) {
        int at = content.readerIndex();
        return content.readableBytes() >= 4 && (content.getByte(at) | 0x20) == 's'
                && (content.getByte(at + 1) | 0x20) == 'i' && (content.getByte(at + 2) | 0x20) == 'p'
                && content.getByte(at + 3) == '/';
    }

    /**
     * Whether a line starts with Authorization or Proxy-Authorization (RFC 3261 §20.7, §20.28): a device that already
     * holds a binding refreshes with credentials, a new one starts without. A byte scan, no parsing.
     */
    static boolean hasCredentials(ByteBuf content) {
        int end = content.writerIndex();
        int i = content.readerIndex();
        while (true) {
            int lf = content.indexOf(i, end, (byte) '\n');
            if (lf < 0) {
                return false;
            }
            int line = lf + 1;
            if (startsWithName(content, line, end, AUTHORIZATION)
                    || startsWithName(content, line, end, PROXY_AUTHORIZATION)) {
                return true;
            }
            i = line;
        }
    }

    private static boolean startsWithName(ByteBuf content, int at, int end, byte[] lowerCaseName) {
        if (end - at <= lowerCaseName.length) {
            return false;
        }
        for (int k = 0; k < lowerCaseName.length; k++) {
            if ((content.getByte(at + k) | 0x20) != lowerCaseName[k]) {
                return false;
            }
        }
        byte next = content.getByte(at + lowerCaseName.length);
        return next == ':' || next == ' ' || next == '\t';
    }

    private static boolean isCrlfOnly(ByteBuf content) {
        return content.forEachByte(b -> b == '\r' || b == '\n') < 0;
    }

    /**
     * RFC 5626 §4.4.2 keepalives over UDP are STUN Binding requests to the SIP port; §8 has the server answer them
     * from the same socket, so the answer travels back through the device's NAT binding. Other STUN messages are
     * dropped, never reported as malformed SIP.
     */
    private void answerStun(ChannelHandlerContext ctx, byte[] datagram, InetSocketAddress sender) {
        counters.keepalives.increment();
        StunBinding.answer(datagram, sender).ifPresentOrElse(
                answer -> ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(answer), sender),
                        ctx.voidPromise()),
                () -> log.debug("{} STUN message ignored: not a Binding request", sender));
    }
}
