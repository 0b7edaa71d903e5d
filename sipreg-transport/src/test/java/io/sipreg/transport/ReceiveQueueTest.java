package io.sipreg.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ReceiveQueueTest {
    @Test // the kernel's own account of a real socket that nobody reads
    void readsTheFillOfARealSocketsReceiveBufferFromTheKernel() throws Exception {
        assumeThat(Epoll.isAvailable()).as("epoll (Linux)").isTrue();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try (var sender = new DatagramSocket()) {
            Channel channel = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                    .option(ChannelOption.AUTO_READ, false).option(ChannelOption.SO_RCVBUF, 256 * 1024)
                    .handler(new ChannelInboundHandlerAdapter())
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            ReceiveQueue queue = ReceiveQueue.system();
            assertThat(queue.fill(channel)).hasValue(0.0);

            var target = (InetSocketAddress) channel.localAddress();
            byte[] payload = new byte[500];
            for (int i = 0; i < 100; i++) {
                sender.send(new DatagramPacket(payload, payload.length, target));
            }
            // 100 datagrams of 500 bytes, each held at its buffer's true size (more than its payload).
            int buffer = channel.config().getOption(ChannelOption.SO_RCVBUF);
            assertThat(queue.fill(channel).getAsDouble()).isBetween(100 * 500.0 / buffer, 1.0);
            channel.close().sync();
        } finally {
            group.shutdownGracefully().sync();
        }
    }

    @Test
    void findsTheSocketsLineByItsInode() {
        String table = """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
                 1257: 0100007F:13C4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 7001 2 0000000000000000 0
                 1258: 0100007F:C9B2 00000000:0000 07 00000000:0001F400 00:00000000 00000000     0        0 7002 2 0000000000000000 12
                """;
        assertThat(ReceiveQueue.ProcNetUdp.queuedBytes(table, "7002")).isEqualTo(0x1F400);
        assertThat(ReceiveQueue.ProcNetUdp.queuedBytes(table, "7001")).isZero();
        assertThat(ReceiveQueue.ProcNetUdp.queuedBytes(table, "9999")).isEqualTo(-1);
    }
}
