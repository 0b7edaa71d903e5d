package io.sipreg.cli.it;

import io.sipreg.message.digest.Digest;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.message.digest.DigestChallenge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A phone on a plain, unconnected UDP socket, as a device with a public address (or behind a NAT that does not filter
 * by source) is reached: it registers with digest (RFC 3261 §22.4, MD5 with qop=auth) and answers every OPTIONS with
 * 200, whichever registrar node sends it, counting them per source port. {@code sipreg register} connects its UDP
 * socket to the registrar, so, like a filtering NAT, it never sees an OPTIONS from another node.
 */
final class UdpPhone implements AutoCloseable {
    private static final Duration TRANSACTION = Duration.ofSeconds(16);

    private final SipUser user;
    private final DatagramSocket socket;
    private final BlockingQueue<String> responses = new LinkedBlockingQueue<>();
    private final Map<Integer, AtomicInteger> optionsBySourcePort = new ConcurrentHashMap<>();
    private final Thread reader;
    private final String callId = "udp-phone-" + System.nanoTime() + "@127.0.0.1";
    private int cseq;

    private UdpPhone(SipUser user, DatagramSocket socket) {
        this.user = user;
        this.socket = socket;
        this.reader = new Thread(this::read, "udp-phone-" + user.user());
        this.reader.setDaemon(true);
    }

    /** Opens a socket on 127.0.0.1 and registers {@code user} at the registrar on {@code port}; fails if not 200. */
    static UdpPhone register(SipUser user, int port) {
        DatagramSocket socket;
        try {
            socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
        var phone = new UdpPhone(user, socket);
        phone.reader.start();
        try {
            phone.registerAt(port);
            return phone;
        } catch (RuntimeException | Error e) {
            phone.close();
            throw e;
        }
    }

    /**
     * Registers again, from the same socket with the same Contact and Call-ID, at the registrar on {@code port}: what
     * a device does when its registrar changes (DNS SRV's next target, a load balancer's choice).
     */
    void registerAt(int port) {
        String challenge = transaction(port, "");
        if (!challenge.startsWith("SIP/2.0 401")) {
            throw new AssertionError("expected 401 to the first REGISTER, got:\n" + challenge);
        }
        String ok = transaction(port, authorization(header(challenge, "WWW-Authenticate")));
        if (!ok.startsWith("SIP/2.0 200")) {
            throw new AssertionError("expected 200 to the REGISTER with credentials, got:\n" + ok);
        }
    }

    int port() {
        return socket.getLocalPort();
    }

    /** The OPTIONS received from 127.0.0.1:{@code port} so far. */
    int optionsFrom(int port) {
        AtomicInteger n = optionsBySourcePort.get(port);
        return n == null ? 0 : n.get();
    }

    /** Whether {@code count} OPTIONS in all have come from {@code port} within {@code timeout}. */
    boolean awaitOptionsFrom(int port, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (optionsFrom(port) < count) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    /** Options received, by source port, for assertion messages. */
    @Override
    public String toString() {
        return user.addressOfRecord() + " at 127.0.0.1:" + port() + ", OPTIONS by source port " + optionsBySourcePort;
    }

    /** Sends a REGISTER (retransmitted every 500 ms, RFC 3261 Timer E capped at T1) and returns its final response. */
    private String transaction(int port, String authorization) {
        cseq++;
        String branch = "z9hG4bK-" + user.user() + "-" + cseq + "-" + System.nanoTime();
        String request = "REGISTER sip:" + user.domain() + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + port() + ";branch=" + branch + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <" + user.addressOfRecord() + ">;tag=" + user.user() + "\r\n"
                + "To: <" + user.addressOfRecord() + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: " + cseq + " REGISTER\r\n"
                + "Contact: <sip:" + user.user() + "@127.0.0.1:" + port() + ">\r\n"
                + "Expires: 3600\r\n"
                + authorization
                + "User-Agent: sipreg-test-phone\r\n"
                + "Content-Length: 0\r\n\r\n";
        byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + TRANSACTION.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                socket.send(new DatagramPacket(bytes, bytes.length, new InetSocketAddress("127.0.0.1", port)));
                String response;
                while ((response = responses.poll(500, TimeUnit.MILLISECONDS)) != null) {
                    if (response.contains(branch) && !response.startsWith("SIP/2.0 1")) {
                        return response;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        throw new AssertionError("no final response to REGISTER CSeq " + cseq + " from 127.0.0.1:" + port);
    }

    private String authorization(String challengeHeader) {
        DigestChallenge challenge = DigestChallenge.parse(challengeHeader);
        String uri = "sip:" + user.domain();
        String cnonce = Long.toHexString(System.nanoTime());
        String ha1 = Digest.ha1(DigestAlgorithm.MD5, user.user(), challenge.realm(), user.password());
        String qop = challenge.offersAuth() ? "auth" : "";
        String response = Digest.response(DigestAlgorithm.MD5, ha1, "REGISTER", uri, challenge.nonce(), "00000001",
                cnonce, qop);
        return "Authorization: Digest username=\"" + user.user() + "\", realm=\"" + challenge.realm()
                + "\", nonce=\"" + challenge.nonce() + "\", uri=\"" + uri + "\", response=\"" + response
                + "\", algorithm=MD5"
                + (qop.isEmpty() ? "" : ", qop=auth, nc=00000001, cnonce=\"" + cnonce + "\"")
                + (challenge.opaque().isEmpty() ? "" : ", opaque=\"" + challenge.opaque() + "\"") + "\r\n";
    }

    private void read() {
        var packet = new DatagramPacket(new byte[8192], 8192);
        while (!socket.isClosed()) {
            try {
                socket.receive(packet);
            } catch (IOException e) {
                return;
            }
            String message = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
            if (message.startsWith("SIP/2.0 ")) {
                responses.add(message);
            } else if (message.startsWith("OPTIONS ")) {
                optionsBySourcePort.computeIfAbsent(packet.getPort(), p -> new AtomicInteger()).incrementAndGet();
                byte[] ok = ok(message);
                try {
                    socket.send(new DatagramPacket(ok, ok.length, packet.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        }
    }

    private static byte[] ok(String request) {
        return optionsOk(request, "phone");
    }

    /** 200 to an OPTIONS: its Via, From, Call-ID and CSeq, and a To tag (RFC 3261 §8.2.6). */
    static byte[] optionsOk(String request, String toTag) {
        var response = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String line : request.split("\r\n")) {
            String name = line.contains(":") ? line.substring(0, line.indexOf(':')) : "";
            switch (name) {
                case "Via", "From", "Call-ID", "CSeq" -> response.append(line).append("\r\n");
                case "To" -> response.append(line).append(";tag=").append(toTag).append("\r\n");
                default -> {
                }
            }
        }
        return response.append("Content-Length: 0\r\n\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String header(String message, String name) {
        for (String line : message.split("\r\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).strip();
            }
        }
        throw new AssertionError("no " + name + " header in:\n" + message);
    }

    @Override
    public void close() {
        socket.close();
    }
}
