package io.sipreg.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.unix.RawUnixChannelOption;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Set;

/**
 * Spreads the datagrams arriving at one UDP address over its SO_REUSEPORT sockets at random, one datagram at a time,
 * instead of by the kernel's default hash of the sender's address and port. With the hash every datagram of a sender
 * lands on the same socket, hence the same event loop and the same core: an edge proxy or SBC relaying all its
 * devices' REGISTERs from one address keeps one core busy and leaves the others idle, and a few senders split
 * unevenly (four over two sockets: 3 to 1 half the time, 4 to 0 one time in eight). The loop that got the larger
 * share then queues requests while the other waits for work; in a storm at 9,600 registrations/s from four
 * senders split 3 to 1, responses from the busy loop took up to 80 ms (p99 56 ms) and those from the other 8 ms.
 * Spread per datagram, each loop gets its share whoever sends, as N worker processes reading one socket do
 * (Kamailio's UDP workers), while each loop keeps its own socket and answers from the same address and port.
 *
 * <p>The choice is a classic BPF program attached to the group (SO_ATTACH_REUSEPORT_CBPF, Linux 4.5): it returns
 * a random number modulo the number of sockets, the index of the socket in the group (in the order they were
 * bound). Where it cannot be attached the kernel's hash stays. Retransmissions of a request may reach another
 * loop than the first copy; the transaction layer is shared by all loops and matches them either way.
 */
final class DatagramSpreading {
    /** {@code SOL_SOCKET} and {@code SO_ATTACH_REUSEPORT_CBPF} as asm-generic/socket.h gives them. */
    private static final int SOL_SOCKET = 1;
    private static final int SO_ATTACH_REUSEPORT_CBPF = 51;
    /** Architectures that use asm-generic's socket option numbers and are little-endian, as the structs are written. */
    private static final Set<String> ARCHITECTURES = Set.of("amd64", "x86_64", "aarch64", "riscv64", "ppc64le");

    /** struct sock_filter (linux/filter.h): u16 code, u8 jt, u8 jf, u32 k. */
    private static final int INSTRUCTION_BYTES = 8;
    /** struct sock_fprog: u16 len, padding, then a pointer to the instructions. */
    private static final int PROGRAM_BYTES = 16;
    private static final RawUnixChannelOption ATTACH =
            new RawUnixChannelOption("SO_ATTACH_REUSEPORT_CBPF", SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, PROGRAM_BYTES);

    /** BPF_LD | BPF_W | BPF_ABS: loads the 32-bit word at k; with k = SKF_AD_OFF + SKF_AD_RANDOM a random number. */
    private static final short LOAD_WORD = 0x20;
    private static final int RANDOM = -0x1000 + 56;
    /** BPF_ALU | BPF_MOD | BPF_K: A %= k. */
    private static final short MODULO = 0x94;
    /** BPF_RET | BPF_A: returns A, here the index of the socket that receives the datagram. */
    private static final short RETURN_A = 0x16;

    private DatagramSpreading() {
    }

    /**
     * Attaches the program to the group {@code socket} belongs to, which holds {@code sockets} sockets once all are
     * bound; false where it cannot be (not epoll, another architecture, an older kernel).
     */
    static boolean attach(Channel socket, int sockets) {
        if (!(socket instanceof EpollDatagramChannel) || sockets < 2
                || !ARCHITECTURES.contains(System.getProperty("os.arch", "").toLowerCase(Locale.ROOT))
                || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            return false;
        }
        ByteBuf instructions = Unpooled.directBuffer(3 * INSTRUCTION_BYTES);
        ByteBuf program = Unpooled.directBuffer(PROGRAM_BYTES);
        try {
            if (!instructions.hasMemoryAddress()) {
                return false;
            }
            instruction(instructions, LOAD_WORD, RANDOM);
            instruction(instructions, MODULO, sockets);
            instruction(instructions, RETURN_A, 0);
            program.writeShortLE(3).writeShortLE(0).writeIntLE(0).writeLongLE(instructions.memoryAddress());
            // The kernel copies the program during the call; both buffers may go once it returns.
            return socket.config().setOption(ATTACH, program.nioBuffer(0, PROGRAM_BYTES));
        } catch (RuntimeException e) {
            return false;
        } finally {
            instructions.release();
            program.release();
        }
    }

    private static void instruction(ByteBuf out, short code, int k) {
        out.writeShortLE(code).writeByte(0).writeByte(0).writeIntLE(k);
    }
}
