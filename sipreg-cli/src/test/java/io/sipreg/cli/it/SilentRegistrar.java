package io.sipreg.cli.it;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A registrar behind a firewall that drops everything: a loopback UDP socket that reads each datagram, notes when
 * it arrived, and never answers. Bound, so the sender gets no ICMP port unreachable either.
 */
final class SilentRegistrar implements AutoCloseable {

    /** One datagram as it arrived. */
    record Arrival(long nanoTime, String text) {}

    private final DatagramSocket socket;
    private final Thread reader;
    private final List<Arrival> arrivals = new ArrayList<>();

    private SilentRegistrar(DatagramSocket socket) {
        this.socket = socket;
        this.reader = new Thread(this::readAll, "silent registrar");
        reader.setDaemon(true);
    }

    static SilentRegistrar start() {
        try {
            var registrar = new SilentRegistrar(new DatagramSocket(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
            registrar.reader.start();
            return registrar;
        } catch (SocketException e) {
            throw new IllegalStateException("cannot bind a loopback UDP socket", e);
        }
    }

    int port() {
        return socket.getLocalPort();
    }

    /** What arrived so far, in order. */
    synchronized List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    private void readAll() {
        byte[] buffer = new byte[65_536];
        while (!socket.isClosed()) {
            var packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (IOException closed) {
                return;
            }
            long now = System.nanoTime();
            String text = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
            synchronized (this) {
                arrivals.add(new Arrival(now, text));
            }
        }
    }

    @Override
    public void close() {
        socket.close();
        try {
            reader.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
