package io.sipreg.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipreg.message.digest.Digest;
import io.sipreg.message.digest.DigestAlgorithm;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * sipreg serve on a "public address", as SIPVicious and floods find it within minutes: extensions cannot be
 * enumerated, passwords cannot be guessed, the office behind the guesser's NAT keeps working, one AOR cannot grow
 * without bound and one source cannot flood the server.
 */
class SecurityIT {
    private static final String DOMAIN = "guard.test";
    /** Extensions in the range a scanner tries first. */
    private static final List<SipUser> EXTENSIONS = IntStream.rangeClosed(100, 105)
            .mapToObj(n -> new SipUser(Integer.toString(n), DOMAIN, "pw-" + n + "-x7")).toList();
    private static final SipUser WEAK = new SipUser("200", DOMAIN, "1234");

    private static Path dataWithUsers() {
        Path data = WorkDirectory.create("security-it");
        var all = new ArrayList<>(EXTENSIONS);
        all.add(WEAK);
        all.add(new SipUser("flood", DOMAIN, "flood-pw"));
        all.add(new SipUser("calm", DOMAIN, "calm-pw"));
        var lines = new StringBuilder();
        for (SipUser u : all) {
            lines.append(u.user()).append(',').append(u.password()).append('\n');
        }
        try {
            Path file = data.resolveSibling(data.getFileName() + "-users.csv");
            Files.writeString(file, lines);
            CommandResult imported = ServerProcess.run("users", "import", file.toString(), "--domain", DOMAIN,
                    "--data", data.toString());
            assertThat(imported.exitCode()).as(imported::toString).isZero();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return data;
    }

    // ---- 1. no enumeration ----

    @Test // what svwar keys on: the first line of the answer for a made-up extension versus each in the range
    void svwarFindsNoExtensionWithRegisterOptionsOrInvite() {
        try (ServerProcess server = ServerProcess.serve(dataWithUsers(), DOMAIN)) {
            int port = server.udpPort();
            List<Sipvicious.Run> runs = List.of(
                    Sipvicious.svwar(port, "100-200"),
                    Sipvicious.svwar(port, "100-200", "--force"),
                    Sipvicious.svwar(port, "100-200", "--force", "-m", "OPTIONS"),
                    Sipvicious.svwar(port, "100-200", "--force", "-m", "INVITE"));

            for (Sipvicious.Run run : runs) {
                assertThat(run.output()).as(run::toString).contains("found nothing")
                        .doesNotContainPattern("extension '\\d+' (exists|probably exists)");
                for (SipUser user : EXTENSIONS) {
                    assertThat(run.output()).as(run::toString).doesNotContainPattern("\\b" + user.user() + "\\s+\\|");
                }
            }
            // The OPTIONS scan did go through the whole range, asking for every extension and learning nothing.
            assertThat(server.output()).contains("OPTIONS sip:200@127.0.0.1", "OPTIONS sip:103@127.0.0.1");
        }
    }

    @Test // the answers for an extension that exists and one that does not differ only in per-request fields
    void anExistingAndAnUnknownExtensionGetTheSameAnswersByteForByte() throws Exception {
        try (ServerProcess server = ServerProcess.serve(dataWithUsers(), DOMAIN);
             DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            var registrar = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.udpPort());
            socket.setSoTimeout(5000);
            int local = socket.getLocalPort();
            for (String method : List.of("REGISTER", "OPTIONS", "INVITE")) {
                String existing = exchange(socket, registrar, request(method, "103", "1", local, ""));
                String unknown = exchange(socket, registrar, request(method, "150", "2", local, ""));
                assertThat(normalise(unknown, "150")).as(method + "\n" + existing + "\n" + unknown)
                        .isEqualTo(normalise(existing, "103"));
            }
            // And with credentials carrying a wrong password: 403 alike.
            String[] forbidden = new String[2];
            String[] users = {"103", "150"};
            for (int i = 0; i < 2; i++) {
                String challenge = exchange(socket, registrar, request("REGISTER", users[i], "c" + i, local, ""));
                Matcher nonce = Pattern.compile("nonce=\"([^\"]+)\"").matcher(challenge);
                assertThat(nonce.find()).as(challenge).isTrue();
                String ha1 = Digest.ha1(DigestAlgorithm.MD5, users[i], DOMAIN, "wrong-password");
                String response = Digest.response(DigestAlgorithm.MD5, ha1, "REGISTER", "sip:" + DOMAIN,
                        nonce.group(1), "00000001", "0a4f113b", "auth");
                String credentials = "Authorization: Digest username=\"" + users[i] + "\", realm=\"" + DOMAIN
                        + "\", nonce=\"" + nonce.group(1) + "\", uri=\"sip:" + DOMAIN + "\", response=\"" + response
                        + "\", algorithm=MD5, cnonce=\"0a4f113b\", nc=00000001, qop=auth\r\n";
                forbidden[i] = exchange(socket, registrar, request("REGISTER", users[i], "d" + i, local, credentials)
                        .replace("CSeq: 1 ", "CSeq: 2 "));
            }
            assertThat(forbidden[0]).startsWith("SIP/2.0 403 Forbidden\r\n");
            assertThat(normalise(forbidden[1], "150")).isEqualTo(normalise(forbidden[0], "103"));
        }
    }

    private static String request(String method, String user, String branch, int localPort, String credentials) {
        String uri = method.equals("REGISTER") ? "sip:" + DOMAIN : "sip:" + user + "@" + DOMAIN;
        return method + " " + uri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + localPort + ";branch=z9hG4bK-enum-" + branch + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: \"" + user + "\" <sip:" + user + "@" + DOMAIN + ">;tag=scanner\r\n"
                + "To: \"" + user + "\" <sip:" + user + "@" + DOMAIN + ">\r\n"
                + "Call-ID: enumeration-" + branch + "@127.0.0.1\r\n"
                + "CSeq: 1 " + method + "\r\n"
                + "Contact: <sip:" + user + "@127.0.0.1:" + localPort + ">\r\n"
                + credentials
                + "User-Agent: friendly-scanner\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    private static String exchange(DatagramSocket socket, InetSocketAddress to, String request) throws Exception {
        byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
        socket.send(new DatagramPacket(bytes, bytes.length, to));
        var buffer = new byte[8192];
        var packet = new DatagramPacket(buffer, buffer.length);
        socket.receive(packet);
        return new String(buffer, 0, packet.getLength(), StandardCharsets.UTF_8);
    }

    /** The answer with what is per request by design masked: user, branch, Call-ID, To tag, nonce, date. */
    private static String normalise(String response, String user) {
        return response.replaceAll("tag=[0-9a-f]{16}", "tag=T")
                .replaceAll("nonce=\"[^\"]+\"", "nonce=\"N\"")
                .replaceAll("enum-[a-z0-9]+", "enum-B")
                .replaceAll("enumeration-[a-z0-9]+", "enumeration-C")
                .replace(user, "USER");
    }

    // ---- 2. password guessing ----

    @Test
    void svcrackDoesNotFindAWeakPasswordTheSourceIsListedAsBlockedAndRemovingTheBlockLiftsIt() throws Exception {
        Path dictionary = dictionary(150);

        // Without the guard, svcrack finds it: the test can fail.
        try (ServerProcess open = ServerProcess.serve(dataWithUsers(), DOMAIN, "--block-user-failures", "0",
                "--block-source-failures", "0")) {
            Sipvicious.Run cracked = Sipvicious.svcrack(open.udpPort(), WEAK.user(), dictionary);
            assertThat(cracked.output()).as(() -> cracked + "\n" + open.output()).contains("1234");
        }

        Path data = dataWithUsers();
        try (ServerProcess server = ServerProcess.serve(data, DOMAIN, "--admin", "127.0.0.1:0")) {
            AdminHttp admin = AdminHttp.of(server, "");
            Sipvicious.Run run = Sipvicious.svcrack(server.udpPort(), WEAK.user(), dictionary);

            assertThat(run.output()).as(run::toString).contains("found nothing").doesNotContain("1234");
            assertThat(server.output()).contains("block started: source 127.0.0.1 user 200 after 5 failed");
            JsonNode blocks = blocksJson(data);
            assertThat(blocks).as(blocks::toString).hasSize(1);
            assertThat(blocks.get(0).get("source").asText()).isEqualTo("127.0.0.1");
            assertThat(blocks.get(0).get("user").asText()).isEqualTo("200");
            assertThat(blocks.get(0).get("offence").asInt()).isEqualTo(1);
            assertThat(blocks.get(0).get("remaining").asLong()).isBetween(1L, 60L);
            long refused = blocks.get(0).get("refused").asLong();
            assertThat(refused).as("guesses refused, the right one among them").isGreaterThan(100);
            CommandResult table = ServerProcess.run("blocks", "list", "--data", data.toString());
            assertThat(table.stdout()).contains("SOURCE", "USER", "REMAINING", "REFUSED", "127.0.0.1");
            JsonNode blocked = admin.json("/api/blocked");
            assertThat(blocked).as("the admin API lists the same block").hasSize(1);
            assertThat(blocked.get(0).get("source").asText()).isEqualTo("127.0.0.1");
            assertThat(blocked.get(0).get("user").asText()).isEqualTo("200");
            System.out.printf("svcrack: %d guesses, %d refused by the block; password not found%n", 153, refused);

            CommandResult removed = ServerProcess.run("blocks", "remove", "127.0.0.1", "--data", data.toString());

            assertThat(removed.exitCode()).as(removed::toString).isZero();
            assertThat(removed.stdout()).contains("removed 1 block of source 127.0.0.1");
            assertThat(server.awaitOutput(Pattern.compile("block ended \\(removed\\): source 127\\.0\\.0\\.1 user 200"),
                    Duration.ofSeconds(3))).as(server::output).isPresent();
            assertThat(blocksJson(data)).isEmpty();
            assertThat(admin.json("/api/blocked")).isEmpty();
            RegistrarIT.assertPasses(Sipp.scenario("register-401.xml").target(server.udpPort()).users(WEAK).run());
        }
    }

    /** {@code count} wrong passwords, then the right one, then two more: the right one near the end. */
    private static Path dictionary(int count) throws Exception {
        var words = new StringBuilder();
        for (int i = 1; i <= count; i++) {
            words.append("guess").append(i).append('\n');
        }
        words.append(WEAK.password()).append("\nafter1\nafter2\n");
        Path file = WorkDirectory.create("dictionary-").resolve("passwords.txt");
        Files.writeString(file, words);
        return file;
    }

    /**
     * A response with {@code status} in a client's ladder ("<- 127.0.0.1:5060  403 ..."), not the bare digits: a
     * timestamp such as 10.403 holds those too. Not {@link RegisterLadder#received}: that one expects the client on
     * 127.0.0.1, and the device of the flood test is on 127.0.0.2.
     */
    private static String ladderResponse(int status) {
        return "<- \\S+ +" + status + " ";
    }

    private static JsonNode blocksJson(Path data) throws Exception {
        CommandResult result = ServerProcess.run("blocks", "list", "--json", "--data", data.toString());
        assertThat(result.exitCode()).as(result::toString).isZero();
        return new ObjectMapper().readTree(result.stdout());
    }

    // ---- 3. the office NAT ----

    @Test
    void aPhoneRegisteredBeforeTheAttackKeepsRefreshingFromTheGuessersAddressAndOtherUsersRegister()
            throws Exception {
        Path data = dataWithUsers();
        SipUser phoneUser = EXTENSIONS.get(0);
        Path password = WorkDirectory.create("phone-").resolve("password");
        Files.writeString(password, phoneUser.password() + "\n");
        try (ServerProcess server = ServerProcess.serve(data, DOMAIN, "--min-expires", "1");
             RegisterProcess phone = RegisterProcess.start(phoneUser.user() + "@" + DOMAIN, "--registrar",
                     "127.0.0.1:" + server.udpPort(), "--password-file", password.toString(), "--expires", "4")) {
            assertThat(phone.awaitOutput(Pattern.compile("^registered sip:100@" + DOMAIN), Duration.ofSeconds(20)))
                    .as(phone::output).isPresent();
            Pattern refreshed = Pattern.compile("<- 127\\.0\\.0\\.1:" + server.udpPort()
                    + "  200 OK  CSeq \\d+ REGISTER");

            // The guesser, behind the same address, goes for the phone's own user.
            CompletableFuture<Sipvicious.Run> attack = CompletableFuture.supplyAsync(() -> {
                try {
                    return Sipvicious.svcrack(server.udpPort(), phoneUser.user(), dictionaryWithout(600));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(server.awaitOutput(Pattern.compile("block started: source 127\\.0\\.0\\.1 user 100 "),
                    Duration.ofSeconds(30))).as(server::output).isPresent();
            int before = count(refreshed, phone.output());

            assertThat(phone.awaitLines(refreshed, before + 3, Duration.ofSeconds(20)))
                    .as("three refreshes answered 200 during the block\n" + phone.output()).isTrue();
            RegistrarIT.assertPasses(Sipp.scenario("register-401.xml").target(server.udpPort())
                    .users(EXTENSIONS.get(1)).run());
            assertThat(blocksJson(data).get(0).get("user").asText()).as("the block is still on").isEqualTo("100");

            Sipvicious.Run run = attack.join();
            assertThat(run.output()).as(run::toString).contains("found nothing");
            assertThat(phone.output()).doesNotContainPattern(ladderResponse(403)).doesNotContain("forbidden");
            assertThat(phone.isAlive()).isTrue();
            JsonNode block = blocksJson(data).get(0);
            int during = count(refreshed, phone.output()) - before;
            System.out.printf("office NAT: %d guesses refused by the block; the phone behind the same address had %d"
                    + " refreshes answered 200 and none refused; another user registered%n",
                    block.get("refused").asLong(), during);
            assertThat(RegistrarIT.bindingsJson(data, phoneUser.addressOfRecord())).hasSize(1);
        }
    }

    private static Path dictionaryWithout(int count) throws Exception {
        var words = new StringBuilder();
        for (int i = 1; i <= count; i++) {
            words.append("wrong").append(i).append('\n');
        }
        Path file = WorkDirectory.create("dictionary-").resolve("passwords.txt");
        Files.writeString(file, words);
        return file;
    }

    private static int count(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    // ---- 4. contacts per AOR ----

    @Test
    void aContactBeyondTheLimitIsRefusedWhileTheSameCallIdReplacesItsOldContact() throws Exception {
        Path data = dataWithUsers();
        SipUser user = EXTENSIONS.get(2);
        try (ServerProcess server = ServerProcess.serve(data, DOMAIN, "--max-contacts", "3")) {
            SippResult three = contacts(server, user, 3, "fill-", "c", 1);
            assertThat(three.succeeded(3)).as(three::report).isTrue();
            assertThat(responses(three, "SIP/2.0 200 OK")).isEqualTo(3);

            SippResult fourth = contacts(server, user, 1, "extra-", "extra", 1);

            assertThat(responses(fourth, "SIP/2.0 403 Too many registered contacts (limit 3)")).as(fourth::report)
                    .isEqualTo(1);
            assertThat(RegistrarIT.bindingsJson(data, user.addressOfRecord())).hasSize(3);

            // The first device again, same Call-ID (fill-1), new contact: its old one goes, it stays registered.
            SippResult moved = contacts(server, user, 1, "fill-", "moved", 10);

            assertThat(responses(moved, "SIP/2.0 200 OK")).as(moved::report).isEqualTo(1);
            List<String> bound = new ArrayList<>();
            RegistrarIT.bindingsJson(data, user.addressOfRecord()).forEach(b -> bound.add(b.get("contact").asText()));
            assertThat(bound).hasSize(3).anyMatch(c -> c.startsWith("sip:102-moved1@"))
                    .noneMatch(c -> c.startsWith("sip:102-c1@"));
        }
    }

    private static SippResult contacts(ServerProcess server, SipUser user, int calls, String callId, String contact,
                                       int cseq) {
        return Sipp.scenario("register-contact.xml").target(server.udpPort()).users(user).calls(calls)
                .key("contact", contact).key("cseq1", Integer.toString(cseq)).key("cseq2", Integer.toString(cseq + 1))
                .extraArguments("-cid_str", callId + "%u@sipreg.test").run();
    }

    /** Responses received whose first line starts with {@code statusLine}, from SIPp's message trace. */
    private static int responses(SippResult result, String statusLine) throws Exception {
        String trace = Files.readString(result.directory().resolve(SippResult.MESSAGES), StandardCharsets.ISO_8859_1);
        return count(Pattern.compile("(?m)^" + Pattern.quote(statusLine) + "\\r?$"), trace);
    }

    // ---- 5. rate limit per source ----

    @Test
    void aFloodAboveTheRateLimitGets503WhileASecondSourceBelowItIsUnaffected() throws Exception {
        Path data = dataWithUsers();
        SipUser calm = new SipUser("calm", DOMAIN, "calm-pw");
        Path password = WorkDirectory.create("calm-").resolve("password");
        Files.writeString(password, calm.password() + "\n");
        try (ServerProcess server = ServerProcess.serve(data, DOMAIN, "--rate-limit", "20", "--rate-burst", "20",
                "--min-expires", "1");
             RegisterProcess device = RegisterProcess.start(calm.user() + "@" + DOMAIN, "--registrar",
                     "127.0.0.1:" + server.udpPort(), "--local", "127.0.0.2:" + Ports.freeUdpAndTcp(), "--password-file",
                     password.toString(), "--expires", "2")) {
            Pattern refreshed = Pattern.compile("<- 127\\.0\\.0\\.1:" + server.udpPort()
                    + "  200 OK  CSeq \\d+ REGISTER");
            assertThat(device.awaitOutput(refreshed, Duration.ofSeconds(20))).as(device::output).isPresent();

            CompletableFuture<SippResult> flood = CompletableFuture.supplyAsync(() ->
                    Sipp.scenario("flood.xml").target(server.udpPort()).users(new SipUser("flood", DOMAIN, "flood-pw"))
                            .calls(900).rate(300).timeout(Duration.ofSeconds(60)).run());
            assertThat(server.awaitOutput(Pattern.compile("rate limit: source 127\\.0\\.0\\.1 over 20 requests/s"),
                    Duration.ofSeconds(20))).as(server::output).isPresent();
            int before = count(refreshed, device.output());

            assertThat(device.awaitLines(refreshed, before + 3, Duration.ofSeconds(20)))
                    .as("refreshes from 127.0.0.2 answered 200 during the flood\n" + device.output()).isTrue();

            SippResult flooded = flood.join();
            int during = count(refreshed, device.output()) - before;
            int refused = responses(flooded, "SIP/2.0 503 Rate Limit Exceeded");
            int registered = responses(flooded, "SIP/2.0 200 OK");
            assertThat(refused).as(flooded::report).isGreaterThan(500);
            assertThat(Files.readString(flooded.directory().resolve(SippResult.MESSAGES),
                    StandardCharsets.ISO_8859_1)).contains("Retry-After: 1");
            assertThat(device.output()).doesNotContainPattern(ladderResponse(503));
            assertThat(server.output()).doesNotContain("rate limit: source 127.0.0.2");
            System.out.printf("rate limit 20/s: a flood of 900 registrations at 300/s from 127.0.0.1 got %d 503s and"
                    + " %d registered; the device on 127.0.0.2 had %d refreshes answered 200 meanwhile, none 503%n",
                    refused, registered, during);
        }
    }
}
