package io.sipreg.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.sipreg.message.SipParser;
import java.net.InetSocketAddress;
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
