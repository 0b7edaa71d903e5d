package io.sipreg.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.sipreg.message.SipParser;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One datagram is one message (RFC 3261 §18.3 for UDP: the datagram bounds it). Stateless, so one instance
 * serves every UDP socket.
 */
@ChannelHandler.Sharable
final class SipDatagramDecoder extends MessageToMessageDecoder<DatagramPacket> {
    private static final Logger log = LoggerFactory.getLogger(SipDatagramDecoder.class);

    /** RFC 5389 §6: the fixed value in bytes 4-7 of every STUN message. */
    private static final int STUN_MAGIC_COOKIE = 0x2112A442;

    private final SipParser parser;
    private final Counters counters;

    SipDatagramDecoder(SipParser parser, Counters counters) {
        super(DatagramPacket.class);
        this.parser = parser;
        this.counters = counters;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) {
        ByteBuf content = packet.content();
        Flow flow = null;
        try {
            if (isCrlfOnly(content)) {
                // RFC 5626 §3.5.1 defines CRLF keepalives for streams, but many devices also send them over
                // UDP to hold their NAT binding open. Nothing to answer.
                counters.keepalives.increment();
                return;
            }
            if (isStun(content)) {
                // RFC 5626 §4.4.2 keepalives over UDP are STUN Binding requests. Answering them is not done
                // yet; at least they are not reported as malformed SIP.
                counters.keepalives.increment();
                return;
            }
            flow = new Flow(Transport.UDP, packet.recipient(), packet.sender(), 0);
            // The parser gets an array of its own: it may keep slices of it in the message it returns.
            byte[] bytes = ByteBufUtil.getBytes(content);
            out.add(new ReceivedMessage(parser.parse(bytes, 0, bytes.length), flow));
        } catch (RuntimeException e) {
            counters.internalErrors.increment();
            log.debug("{} datagram dropped: {}", flow != null ? flow : packet.sender(), e.toString(), e);
        }
    }

    private static boolean isCrlfOnly(ByteBuf content) {
        return content.forEachByte(b -> b == '\r' || b == '\n') < 0;
    }

    private static boolean isStun(ByteBuf content) {
        int start = content.readerIndex();
        return content.readableBytes() >= 20
                && (content.getByte(start) & 0xC0) == 0
                && content.getInt(start + 4) == STUN_MAGIC_COOKIE;
    }
}
