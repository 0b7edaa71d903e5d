package io.sipreg.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SIP over TLS (RFC 3261 §26.2) as an operator sets it up: {@code sipreg tls self-signed} makes the pair,
 * {@code serve --listen tls:...} presents it, and real peers connect: openssl s_client, baresip with a
 * {@code ;transport=tls} account, and {@code sipreg register --transport tls}. The certificate is then replaced
 * while the server runs.
 */
class TlsIT {
    private static final String DOMAIN = "tls.sipreg.test";
    private static final SipUser ALICE = new SipUser("alice", DOMAIN, "alice-tls-secret");
    private static final SipUser BOB = new SipUser("bob", DOMAIN, "bob-tls-secret");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Path work;
    private static Path data;
    private static Path certificate;
    private static Path key;
    private static Path passwordFile;
    private static ServerProcess server;
    private static int tlsPort;

    @BeforeAll
    static void start() throws IOException {
        work = WorkDirectory.create("tls-it");
        data = work.resolve("data");
        certificate = work.resolve("cert.pem");
        key = work.resolve("key.pem");
        CommandResult made = selfSigned(certificate, key, "registrar.tls.sipreg.test");
        assertThat(made.exitCode()).as(made::toString).isZero();
        RegistrarIT.addUser(data, ALICE);
        RegistrarIT.addUser(data, BOB);
        passwordFile = work.resolve("alice.pw");
        Files.writeString(passwordFile, ALICE.password() + "\n");
        // A Flow-Timer of 2 s makes an RFC 5626 client ping over its TLS connection every 1.6-2 s.
        server = ServerProcess.serve(data, DOMAIN, "--listen", "tls:127.0.0.1:0", "--tls-cert",
                certificate.toString(), "--tls-key", key.toString(), "--keepalive-interval", "2");
        tlsPort = tlsPort(server);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test // first use: the key is for its owner alone, the names clients connect to are in the certificate
    void selfSignedWritesAKeyForItsOwnerAndACertificateForTheGivenNames() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        OpensslResult shown = openssl(List.of("x509", "-in", certificate.toString(), "-noout", "-subject", "-ext",
                "subjectAltName,basicConstraints"));
        assertThat(shown.output()).contains("subject=CN = registrar.tls.sipreg.test")
                .contains("DNS:registrar.tls.sipreg.test, DNS:localhost, IP Address:127.0.0.1")
                .contains("CA:FALSE");

        CommandResult again = selfSigned(certificate, key, "other.test");
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.stderr()).contains(certificate + " exists; choose another file or add --force");
    }

    @Test // RFC 8996: TLS 1.2 and 1.3 only
    void opensslNegotiatesTls12AndTls13AndIsRefusedTls11() {
        for (String version : List.of("1_2", "1_3")) {
            OpensslResult result = sClient(tlsPort, "-tls" + version, "-CAfile", certificate.toString(),
                    "-verify_return_error", "-verify_hostname", "localhost");
            assertThat(result.exitCode()).as(result.output()).isZero();
            assertThat(result.output()).contains("subject=CN = registrar.tls.sipreg.test")
                    .contains("New, TLSv" + version.replace('_', '.') + ", Cipher is")
                    .contains("Verify return code: 0 (ok)");
        }
        // SECLEVEL=0 lets this openssl offer TLS 1.1 at all, so the refusal is the server's.
        OpensslResult old = sClient(tlsPort, "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0");
        assertThat(old.exitCode()).as(old.output()).isNotZero();
        assertThat(old.output()).contains("alert protocol version");
        assertThat(server.awaitOutput(Pattern.compile("TLS handshake failed: Client requested protocol TLSv1.1 is"
                + " not enabled or supported"), WAIT)).as(server::output).isPresent();
    }

    @Test // a third-party phone: digest authentication over TLS, the binding keeps its transport
    void baresipRegistersOverTlsAndItsBindingIsATlsBinding() throws Exception {
        try (Baresip phone = Baresip.tlsAccount(BOB, tlsPort, certificate).start()) {
            assertThat(phone.awaitRegistered(WAIT)).contains("{0/TLS/v4} 200 OK");
            assertThat(server.awaitOutput(Pattern.compile("transaction tls \\S+ call-id=\\S+ REGISTER "
                    + Pattern.quote(BOB.addressOfRecord()) + " -> 401 Unauthorized"), WAIT)).isPresent();

            JsonNode bindings = bindingsJson(BOB.addressOfRecord());
            assertThat(bindings).hasSize(1);
            assertThat(bindings.get(0).get("transport").asText()).isEqualTo("TLS");
            assertThat(bindings.get(0).get("contact").asText()).contains("transport=tls");
            assertThat(bindings.get(0).get("userAgent").asText()).containsIgnoringCase("baresip");

            CommandResult table = ServerProcess.run("bindings", BOB.addressOfRecord(), "--data", data.toString());
            assertThat(table.stdout()).containsPattern("tls 127\\.0\\.0\\.1:\\d+\\s+no\\s+baresip");
        }
    }

    @Test // RFC 3261 §26.3.1: the client checks the registrar's certificate
    void registerTrustsTheCertificateGivenWithCa() {
        CommandResult result = register("--ca", certificate.toString());

        assertThat(result.exitCode()).as(result::toString).isZero();
        assertThat(result.stdout()).contains("register " + ALICE.addressOfRecord() + " at tls 127.0.0.1:" + tlsPort)
                .containsPattern("tls  127\\.0\\.0\\.1:\\d+ <- 127\\.0\\.0\\.1:" + tlsPort + "  200 OK")
                .contains("registered " + ALICE.addressOfRecord())
                .contains("unregistered " + ALICE.addressOfRecord());
    }

    @Test
    void registerRefusesASelfSignedCertificateItWasNotGiven() {
        CommandResult result = register();

        assertThat(result.exitCode()).as(result::toString).isEqualTo(12);
        assertThat(result.stdout()).contains("the registrar's TLS certificate was refused")
                .contains("certificate not trusted: CN=registrar.tls.sipreg.test (serial ")
                .contains("is self-signed")
                .contains("with --ca FILE")
                .doesNotContain("REGISTER");
    }

    @Test
    void registerWithInsecureRegistersAndWarns() {
        CommandResult result = register("--insecure");

        assertThat(result.exitCode()).as(result::toString).isZero();
        assertThat(result.stderr()).contains("warning: --insecure: the registrar's TLS certificate is not checked");
        assertThat(result.stdout()).contains("registered " + ALICE.addressOfRecord());
    }

    @Test // RFC 5626 §3.5.1: the double-CRLF keepalive and its pong inside the TLS connection
    void anOutboundClientKeepsItsTlsFlowAliveWithCrlf() {
        try (RegisterProcess phone = RegisterProcess.start(ALICE.user() + "@" + DOMAIN, "--registrar",
                "127.0.0.1:" + tlsPort, "--transport", "tls", "--ca", certificate.toString(), "--password-file",
                passwordFile.toString(), "--outbound")) {
            assertThat(phone.awaitLines(Pattern.compile("tls .* keepalive answered: CRLF \\(pong\\)"), 2, WAIT))
                    .as(phone::output).isTrue();
            assertThat(phone.stop()).isZero();
            assertThat(phone.output()).contains("unregistered " + ALICE.addressOfRecord());
        }
    }

    @Test // new connections get a renewed certificate, open ones go on; a broken file changes nothing
    void aReplacedCertificateIsServedToNewConnectionsWhileAnOpenOneGoesOn() throws Exception {
        Path dir = WorkDirectory.create("tls-reload");
        Path cert = dir.resolve("cert.pem");
        Path pkey = dir.resolve("key.pem");
        assertThat(selfSigned(cert, pkey, "first.tls.sipreg.test").exitCode()).isZero();
        try (ServerProcess reloading = ServerProcess.serve(dir.resolve("data"), DOMAIN, "--listen",
                "tls:127.0.0.1:0", "--tls-cert", cert.toString(), "--tls-key", pkey.toString())) {
            int port = tlsPort(reloading);
            X509Certificate first = readCertificate(cert);
            try (SSLSocket open = connectTrustingAnything(port)) {
                assertThat(peerSerial(open)).isEqualTo(first.getSerialNumber());

                // As certbot renews: new files beside the old, renamed over them.
                Path next = WorkDirectory.create("tls-renewed");
                assertThat(selfSigned(next.resolve("cert.pem"), next.resolve("key.pem"), "renewed.tls.sipreg.test")
                        .exitCode()).isZero();
                X509Certificate renewed = readCertificate(next.resolve("cert.pem"));
                Files.move(next.resolve("key.pem"), pkey, StandardCopyOption.REPLACE_EXISTING);
                Files.move(next.resolve("cert.pem"), cert, StandardCopyOption.REPLACE_EXISTING);

                assertThat(reloading.awaitOutput(Pattern.compile("tls: certificate reloaded from .*: new connections"
                        + " get CN=renewed\\.tls\\.sipreg\\.test, serial " + renewed.getSerialNumber().toString(16)),
                        WAIT)).as(reloading::output).isPresent();
                X509Certificate served = servedCertificate(port);
                assertThat(served.getSerialNumber()).isEqualTo(renewed.getSerialNumber());
                assertThat(served.getSubjectX500Principal().getName()).isEqualTo("CN=renewed.tls.sipreg.test");

                // The connection from before the renewal still carries SIP, under the first certificate.
                assertThat(optionsOver(open)).startsWith("SIP/2.0 200 OK");
                assertThat(peerSerial(open)).isEqualTo(first.getSerialNumber());

                Files.writeString(pkey, "-----BEGIN PRIVATE KEY-----\ntruncated\n");
                assertThat(reloading.awaitOutput(Pattern.compile("tls: the changed certificate files cannot be used,"
                        + " still serving CN=renewed\\.tls\\.sipreg\\.test.*" + Pattern.quote(pkey.toString())),
                        WAIT)).as(reloading::output).isPresent();
                assertThat(servedCertificate(port).getSerialNumber()).isEqualTo(renewed.getSerialNumber());
            }
        }
    }

    private static CommandResult selfSigned(Path cert, Path pkey, String name) {
        return ServerProcess.run("tls", "self-signed", "--cert", cert.toString(), "--key", pkey.toString(),
                "--host", name, "--host", "localhost", "--host", "127.0.0.1", "--days", "30");
    }

    private static CommandResult register(String... trust) {
        List<String> arguments = new ArrayList<>(List.of("register", ALICE.user() + "@" + DOMAIN, "--registrar",
                "127.0.0.1:" + tlsPort, "--transport", "tls", "--password-file", passwordFile.toString(), "--once"));
        arguments.addAll(List.of(trust));
        return ServerProcess.run(arguments.toArray(String[]::new));
    }

    private static int tlsPort(ServerProcess process) {
        Optional<MatchResult> line = process.awaitOutput(Pattern.compile("^listening tls 127\\.0\\.0\\.1:(\\d+)$"),
                WAIT);
        assertThat(line).as(process::output).isPresent();
        return Integer.parseInt(line.get().group(1));
    }

    private static JsonNode bindingsJson(String aor) throws IOException {
        CommandResult result = ServerProcess.run("bindings", aor, "--json", "--data", data.toString());
        assertThat(result.exitCode()).as(result::toString).isZero();
        return new ObjectMapper().readTree(result.stdout());
    }

    record OpensslResult(int exitCode, String output) {
    }

    /** {@code openssl s_client} to the loopback port; stdin is closed, so it ends right after the handshake. */
    private static OpensslResult sClient(int port, String... options) {
        List<String> arguments = new ArrayList<>(List.of("s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-showcerts"));
        arguments.addAll(List.of(options));
        return openssl(arguments);
    }

    private static OpensslResult openssl(List<String> arguments) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(arguments);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not end");
            }
            return new OpensslResult(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The server certificate a new s_client connection is shown. */
    private static X509Certificate servedCertificate(int port) throws Exception {
        OpensslResult result = sClient(port);
        Matcher pem = Pattern.compile("-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", Pattern.DOTALL)
                .matcher(result.output());
        assertThat(pem.find()).as(result.output()).isTrue();
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(pem.group().getBytes(StandardCharsets.US_ASCII)));
    }

    private static X509Certificate readCertificate(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** A TLS connection that stays open across the renewal; what it is shown is checked by serial, not trusted. */
    private static SSLSocket connectTrustingAnything(int port) throws Exception {
        var context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, new SecureRandom());
        var socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout((int) WAIT.toMillis());
        socket.startHandshake();
        return socket;
    }

    private static BigInteger peerSerial(SSLSocket socket) throws Exception {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    /** An OPTIONS to the registrar over {@code socket}; returns the response's start line. */
    private static String optionsOver(SSLSocket socket) throws IOException {
        String local = "127.0.0.1:" + socket.getLocalPort();
        String options = ("OPTIONS sip:" + DOMAIN + " SIP/2.0\r\n"
                + "Via: SIP/2.0/TLS " + local + ";branch=z9hG4bKtlsreload1;rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:probe@" + DOMAIN + ">;tag=reload\r\n"
                + "To: <sip:" + DOMAIN + ">\r\n"
                + "Call-ID: tls-reload-1@" + local + "\r\n"
                + "CSeq: 1 OPTIONS\r\n"
                + "Content-Length: 0\r\n\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(options.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        var line = new StringBuilder();
        InputStream in = socket.getInputStream();
        for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
            line.append((char) b);
        }
        return line.toString().strip();
    }
}
