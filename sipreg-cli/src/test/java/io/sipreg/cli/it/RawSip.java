package io.sipreg.cli.it;

import io.sipreg.message.digest.Digest;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.message.digest.DigestChallenge;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A hostile client on raw sockets: sends exactly the bytes it is given (which no SIP stack would produce) over UDP or
 * TCP to a registrar on the loopback, and reads what comes back. Messages are written as text with CRLF line ends;
 * each char below U+0100 is one byte (ISO-8859-1), so {@code \u0000} is a NUL and {@code \u00ff} a lone 0xFF byte.
 */
final class RawSip {
    static final Duration ANSWER = Duration.ofSeconds(5);
    private static final Pattern STATUS = Pattern.compile("^SIP/2\\.0 (\\d{3}) ([^\r\n]*)", Pattern.MULTILINE);

    private RawSip() {}

    /** A REGISTER from a client on {@code localPort}, with {@code extraHeaders} (CRLF-ended lines) before Contact. */
    static String register(String transport, int localPort, String branch, String user, String domain,
                           String contact, String extraHeaders) {
        return "REGISTER sip:" + domain + " SIP/2.0\r\n"
                + "Via: SIP/2.0/" + transport + " 127.0.0.1:" + localPort + ";branch=z9hG4bK" + branch + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "To: <sip:" + user + "@" + domain + ">\r\n"
                + "From: <sip:" + user + "@" + domain + ">;tag=" + branch + "\r\n"
                + "Call-ID: " + branch + "@127.0.0.1\r\n"
                + "CSeq: 1 REGISTER\r\n"
                + extraHeaders
                + "Contact: " + contact + "\r\n"
                + "Expires: 600\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    static String options(String transport, int localPort, String branch, String domain) {
        return "OPTIONS sip:" + domain + " SIP/2.0\r\n"
                + "Via: SIP/2.0/" + transport + " 127.0.0.1:" + localPort + ";branch=z9hG4bK" + branch + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "To: <sip:" + domain + ">\r\n"
                + "From: <sip:probe@" + domain + ">;tag=" + branch + "\r\n"
                + "Call-ID: " + branch + "@127.0.0.1\r\n"
                + "CSeq: 1 OPTIONS\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The status line of a response, e.g. {@code 400 Message too large}. */
    static String statusLine(String response) {
        Matcher m = STATUS.matcher(response);
        if (!m.find()) {
            throw new AssertionError("not a SIP response: " + response);
        }
        return m.group(1) + " " + m.group(2);
    }

    /** One header value of a response, e.g. the WWW-Authenticate of a 401. */
    static Optional<String> header(String response, String name) {
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + ":\\s*([^\r\n]*)", Pattern.MULTILINE
                | Pattern.CASE_INSENSITIVE).matcher(response);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The Authorization header answering {@code challenge} (RFC 3261 §22.4, qop=auth) for a REGISTER. */
    static String authorization(String wwwAuthenticate, String user, String password, String uri) {
        DigestChallenge c = DigestChallenge.parse(wwwAuthenticate);
        String ha1 = Digest.ha1(DigestAlgorithm.MD5, user, c.realm(), password);
        String response = Digest.response(DigestAlgorithm.MD5, ha1, "REGISTER", uri, c.nonce(), "00000001",
                "0a4f113b", "auth");
        return "Authorization: Digest username=\"" + user + "\", realm=\"" + c.realm() + "\", nonce=\"" + c.nonce()
                + "\", uri=\"" + uri + "\", response=\"" + response + "\", algorithm=MD5, qop=auth, nc=00000001, "
                + "cnonce=\"0a4f113b\"\r\n";
    }

    /** A UDP client socket on the loopback. */
    static final class Udp implements AutoCloseable {
        private final DatagramSocket socket;
        private final InetSocketAddress server;

        Udp(int serverPort) {
            try {
                socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                socket.setSoTimeout((int) ANSWER.toMillis());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server = new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort);
        }

        int localPort() {
            return socket.getLocalPort();
        }

        void send(byte[] datagram) {
            try {
                socket.send(new DatagramPacket(datagram, datagram.length, server));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The next datagram as text, or empty when none comes within {@link #ANSWER}. */
        Optional<String> receive() {
            byte[] buffer = new byte[65_535];
            var packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                return Optional.of(new String(buffer, 0, packet.getLength(), StandardCharsets.ISO_8859_1));
            } catch (SocketTimeoutException e) {
                return Optional.empty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Sends and returns the answer, failing the test when none comes. */
        String exchange(String message) {
            send(bytes(message));
            return receive().orElseThrow(() -> new AssertionError("no answer within " + ANSWER + " to\n"
                    + printable(message)));
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** A TCP connection to the registrar. */
    static final class Tcp implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;

        Tcp(int serverPort) {
            try {
                socket = new Socket(InetAddress.getLoopbackAddress(), serverPort);
                socket.setSoTimeout((int) ANSWER.toMillis());
                socket.setTcpNoDelay(true);
                in = socket.getInputStream();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        int localPort() {
            return socket.getLocalPort();
        }

        /** Writes {@code data}; false when the server has closed the connection (reset or broken pipe). */
        boolean write(byte[] data) {
            try {
                socket.getOutputStream().write(data);
                socket.getOutputStream().flush();
                return true;
            } catch (IOException closed) {
                return false;
            }
        }

        /** The next response (headers and a Content-Length body of 0), or empty at the end of the stream. */
        Optional<String> readResponse() {
            var out = new ByteArrayOutputStream();
            try {
                int b;
                while ((b = in.read()) >= 0) {
                    out.write(b);
                    if (out.size() >= 4 && endsWithBlankLine(out.toByteArray())) {
                        return Optional.of(out.toString(StandardCharsets.ISO_8859_1));
                    }
                }
                return Optional.empty();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no response within " + ANSWER + "; read so far: " + out);
            } catch (IOException reset) {
                return Optional.empty();
            }
        }

        String exchange(String message) {
            if (!write(bytes(message))) {
                throw new AssertionError("the server closed the connection before the request was written");
            }
            return readResponse().orElseThrow(() -> new AssertionError("connection closed without a response"));
        }

        /** Waits up to {@code timeout} for the server to close; true if it did (end of stream or reset). */
        boolean awaitClosedByServer(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (System.nanoTime() < deadline) {
                    socket.setSoTimeout((int) Math.max(1, Math.min(500, (deadline - System.nanoTime()) / 1_000_000)));
                    try {
                        if (in.read() < 0) {
                            return true;
                        }
                    } catch (SocketTimeoutException stillOpen) {
                        // go on waiting
                    }
                }
                return false;
            } catch (IOException reset) {
                return true;
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }

        private static boolean endsWithBlankLine(byte[] b) {
            int n = b.length;
            return b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n';
        }
    }

    static String printable(String text) {
        var sb = new StringBuilder();
        for (int i = 0; i < Math.min(text.length(), 2_000); i++) {
            char c = text.charAt(i);
            sb.append(c == '\n' || (c >= 32 && c < 127) ? String.valueOf(c) : String.format("<%02X>", (int) c));
        }
        return sb.toString();
    }
}
