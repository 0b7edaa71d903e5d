package io.sipreg.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;

/** Ephemeral ports for programs that must be told their port instead of binding port 0. */
final class Ports {

    private Ports() {}

    /**
     * A loopback port that is free for both UDP and TCP at the time of the call. The kernel
     * picks it (bind to 0), so parallel test runs do not collide the way fixed ports do; another
     * process may still take it before the program under test binds it, which is rare enough.
     */
    static int freeUdpAndTcp() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket tcp = new ServerSocket()) {
                tcp.bind(new InetSocketAddress(loopback, 0));
                int port = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(null)) {
                    udp.bind(new InetSocketAddress(loopback, port));
                    return port;
                } catch (SocketException udpPortTaken) {
                    // Try another port the kernel hands out.
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind a loopback TCP socket", e);
            }
        }
        throw new IllegalStateException("no loopback port free for both UDP and TCP after 20 attempts");
    }
}
