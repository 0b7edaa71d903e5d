package io.sipreg.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;

/**
 * How full the kernel's receive buffer of a UDP socket is: what tells a socket that is far behind from one that has
 * merely not run empty for a while. Near capacity a socket can go thousands of datagrams without running empty while
 * only a few wait; and the kernel's buffer bounds what can wait at all (8 MiB holds about 6,500 small datagrams, each
 * counted at its buffer's true size), beyond which the kernel drops them unread.
 */
interface ReceiveQueue {
    /** Nothing known: the count of datagrams read decides alone. */
    ReceiveQueue UNKNOWN = channel -> OptionalDouble.empty();

    /** The share (0 to 1) of {@code channel}'s receive buffer taken by datagrams waiting, if the system tells. */
    OptionalDouble fill(Channel channel);

    /** Linux: {@code /proc/net/udp6} (or {@code udp}) gives each socket's queue, found by the inode of its fd. */
    static ReceiveQueue system() {
        return Files.isReadable(Path.of("/proc/self/net/udp")) ? new ProcNetUdp() : UNKNOWN;
    }

    /**
     * The {@code rx_queue} column of the socket's line: the bytes its waiting datagrams take, which the kernel holds
     * against the buffer size that SO_RCVBUF reports (the doubled request, man 7 socket).
     */
    final class ProcNetUdp implements ReceiveQueue {
        @Override
        public OptionalDouble fill(Channel channel) {
            if (!(channel instanceof UnixChannel unix)) {
                return OptionalDouble.empty();
            }
            try {
                String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + unix.fd().intValue())).toString();
                if (!link.startsWith("socket:[")) {
                    return OptionalDouble.empty();
                }
                String inode = link.substring("socket:[".length(), link.length() - 1);
                // An IPv4 address may be served by an IPv6 socket (Netty's epoll opens those where it can).
                long queued = queuedBytes(table("udp6"), inode);
                if (queued < 0) {
                    queued = queuedBytes(table("udp"), inode);
                }
                Integer buffer = channel.config().getOption(ChannelOption.SO_RCVBUF);
                if (queued < 0 || buffer == null || buffer <= 0) {
                    return OptionalDouble.empty();
                }
                return OptionalDouble.of(Math.min(1.0, (double) queued / buffer));
            } catch (IOException | RuntimeException e) {
                return OptionalDouble.empty();
            }
        }

        private static String table(String name) throws IOException {
            return new String(Files.readAllBytes(Path.of("/proc/self/net", name)), StandardCharsets.US_ASCII);
        }

        /**
         * The rx_queue of the line whose inode is {@code inode}, or -1. Columns: sl, local_address, rem_address, st,
         * tx_queue:rx_queue (hexadecimal), tr:tm->when, retrnsmt, uid, timeout, inode, ...
         */
        static long queuedBytes(String table, String inode) {
            for (String line : table.split("\n")) {
                String[] columns = line.trim().split("\\s+");
                if (columns.length > 9 && columns[9].equals(inode)) {
                    String queues = columns[4];
                    int colon = queues.indexOf(':');
                    return colon < 0 ? -1 : Long.parseLong(queues.substring(colon + 1), 16);
                }
            }
            return -1;
        }
    }
}
