package io.sipreg.cli.it;

import static io.sipreg.cli.it.RegistrarIT.addUser;
import static io.sipreg.cli.it.RegistrarIT.assertPasses;
import static io.sipreg.cli.it.RegistrarIT.bindingsJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A 200 OK is a promise: the binding it reports is on disk before it is sent. */
class DurabilityIT {
    private static final String DOMAIN = "sipreg.test";

    @Test
    void bindingsAnsweredWith200SurviveKill9() throws Exception {
        answeredBindingsSurviveKill9("durability");
    }

    @Test // a 200 OK before the fdatasync: the kernel holds the journal record when the process dies
    void withDurabilityWriteBindingsAnsweredWith200SurviveKill9() throws Exception {
        answeredBindingsSurviveKill9("durability-write", "--durability", "write");
    }

    private static void answeredBindingsSurviveKill9(String name, String... serveArgs) throws Exception {
        Path data = WorkDirectory.create(name);
        List<SipUser> users = IntStream.rangeClosed(1, 20)
                .mapToObj(n -> new SipUser("phone%02d".formatted(n), DOMAIN, "pw-%02d".formatted(n))).toList();
        RegistrarIT.importUsers(data, users);
        try (ServerProcess server = ServerProcess.serve(data, DOMAIN, serveArgs)) {
            // The store says at start what its 200 OKs promise.
            assertThat(server.output()).contains("durability " + (serveArgs.length == 0 ? "fsync" : serveArgs[1]));
            assertPasses(Sipp.scenario("register-401.xml").target(server.udpPort()).transport(Transport.UDP)
                    .users(users).calls(users.size()).rate(200).run(), users.size());
            // SIGKILL at once, the moment the last 200 has been received: no shutdown hook, no flush.
            server.kill9();
        }

        for (SipUser u : users) {
            JsonNode afterCrash = bindingsJson(data, u.addressOfRecord());
            assertThat(afterCrash).as(u.addressOfRecord()).hasSize(1);
            assertThat(afterCrash.get(0).get("expires").asLong()).isBetween(3500L, 3600L);
        }
        try (ServerProcess restarted = ServerProcess.serve(data, DOMAIN)) {
            // The restarted server knows the binding: a fetch (REGISTER without Contact) lists it.
            assertPasses(Sipp.scenario("fetch.xml").target(restarted.udpPort()).transport(Transport.UDP)
                    .users(users.get(0)).run());
        }
    }

    @Test // RFC 3261 §10.3: a binding whose expiry passed is gone
    void expiredBindingsDisappearOnTime() throws Exception {
        Path data = WorkDirectory.create("expiry");
        SipUser user = new SipUser("shortlived", DOMAIN, "pw");
        addUser(data, user);
        try (ServerProcess server = ServerProcess.serve(data, DOMAIN,
                "--min-expires", "1", "--default-expires", "8", "--max-expires", "8")) {
            assertPasses(Sipp.scenario("register-401.xml").target(server.udpPort()).transport(Transport.UDP)
                    .users(user).run());
            long registered = System.nanoTime();
            assertThat(bindingsJson(data, user.addressOfRecord())).hasSize(1);

            // Real time on purpose: this is the server's own expiry timer at work, seen from outside.
            Thread.sleep(Math.max(0, 9_500 - (System.nanoTime() - registered) / 1_000_000));

            assertThat(bindingsJson(data, user.addressOfRecord())).isEmpty();
        }
    }

    @Test
    void bindingsAreReadableAfterACleanStop() throws Exception {
        Path data = WorkDirectory.create("clean-stop");
        SipUser user = new SipUser("carol", DOMAIN, "pw");
        addUser(data, user);
        try (ServerProcess server = ServerProcess.serve(data, DOMAIN)) {
            assertPasses(Sipp.scenario("register-401.xml").target(server.tcpPort()).transport(Transport.TCP)
                    .users(user).run());
            assertThat(server.stop()).isZero();
            assertThat(server.output()).contains("stopping");
        }

        assertThat(bindingsJson(data, user.addressOfRecord())).hasSize(1);
    }
}
