package io.sipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipreg.registrar.User;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "users", mixinStandardHelpOptions = true,
        description = "Manage the accounts that may register. Only HA1 digests are stored, never passwords.",
        subcommands = {UsersCommand.Add.class, UsersCommand.Import.class, UsersCommand.ListUsers.class,
                UsersCommand.Remove.class})
final class UsersCommand {

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add an account, or change its password.")
    static final class Add implements Callable<Integer> {
        @Parameters(paramLabel = "USER", description = "The user part of the address-of-record, e.g. alice.")
        String user;

        @Option(names = "--domain", required = true, paramLabel = "DOMAIN",
                description = "The domain, which is also the digest realm.")
        String domain;

        @ArgGroup(exclusive = true, multiplicity = "1")
        PasswordSource password;

        @Mixin
        DataOption data;

        @Mixin
        AdminOption admin;

        static final class PasswordSource {
            @Option(names = "--password", paramLabel = "PASS", description = "The password (visible in ps; prefer --password-stdin).")
            String value;

            @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
            boolean stdin;
        }

        @Override
        public Integer call() throws IOException {
            checkName(user, domain);
            String secret = password.stdin ? readFirstLine() : password.value;
            if (secret == null || secret.isEmpty()) {
                throw new UserError("the password is empty");
            }
            Optional<AdminClient> client = AdminClient.locate(admin, data.directory);
            if (client.isPresent()) {
                var body = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                        .put("user", user).put("domain", domain).put("password", secret);
                Optional<JsonNode> answer = client.get().post("/api/users", body);
                if (answer.isPresent()) {
                    System.out.println((answer.get().path("created").asBoolean() ? "added " : "updated ")
                            + answer.get().path("aor").asText());
                    return 0;
                }
            }
            try (var store = data.open()) {
                boolean existed = store.find(user, domain).isPresent();
                store.put(User.withPassword(user, domain, secret));
                System.out.println((existed ? "updated " : "added ") + "sip:" + user + "@" + domain);
            }
            return 0;
        }

        private static String readFirstLine() throws IOException {
            var reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line = reader.readLine();
            return line == null ? null : line.stripTrailing();
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Add or update many accounts from a file, in one transaction.",
                    "One account per line: USER,PASSWORD (or USER;PASSWORD). Blank lines and lines starting with #"
                            + " are skipped."})
    static final class Import implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The accounts file; - reads standard input.")
        String file;

        @Option(names = "--domain", required = true, paramLabel = "DOMAIN")
        String domain;

        @Mixin
        DataOption data;

        @Override
        public Integer call() throws IOException {
            var users = new java.util.ArrayList<User>();
            try (var reader = file.equals("-")
                    ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                    : openFile(file)) {
                String line;
                int number = 0;
                while ((line = reader.readLine()) != null) {
                    number++;
                    String row = line.strip();
                    if (row.isEmpty() || row.startsWith("#")) {
                        continue;
                    }
                    int split = indexOfSeparator(row);
                    if (split <= 0 || split == row.length() - 1) {
                        throw new UserError(file + ":" + number + ": expected USER,PASSWORD");
                    }
                    String user = row.substring(0, split).strip();
                    try {
                        checkName(user, domain);
                    } catch (UserError e) {
                        throw new UserError(file + ":" + number + ": " + e.getMessage());
                    }
                    users.add(User.withPassword(user, domain, row.substring(split + 1)));
                }
            }
            try (var store = data.open()) {
                store.putAll(users);
            }
            System.out.println("imported " + users.size() + " users into " + domain);
            return 0;
        }

        private static BufferedReader openFile(String name) throws IOException {
            try {
                return java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(name), StandardCharsets.UTF_8);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new UserError(name + ": no such file");
            }
        }

        private static int indexOfSeparator(String row) {
            int comma = row.indexOf(',');
            int semicolon = row.indexOf(';');
            if (comma < 0) {
                return semicolon;
            }
            return semicolon < 0 ? comma : Math.min(comma, semicolon);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the accounts.")
    static final class ListUsers implements Callable<Integer> {
        @Mixin
        DataOption data;

        @Mixin
        AdminOption admin;

        @Override
        public Integer call() {
            Optional<AdminClient> client = AdminClient.locate(admin, data.directory);
            if (client.isPresent()) {
                Optional<JsonNode> answer = client.get().get("/api/users");
                if (answer.isPresent()) {
                    for (JsonNode u : answer.get()) {
                        System.out.println(u.path("aor").asText());
                    }
                    return 0;
                }
            }
            try (var store = data.open()) {
                for (User u : store.list()) {
                    System.out.println("sip:" + u.username() + "@" + u.domain());
                }
            }
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove an account.")
    static final class Remove implements Callable<Integer> {
        @Parameters(paramLabel = "USER")
        String user;

        @Option(names = "--domain", required = true, paramLabel = "DOMAIN")
        String domain;

        @Mixin
        DataOption data;

        @Mixin
        AdminOption admin;

        @Override
        public Integer call() {
            Optional<AdminClient> client = AdminClient.locate(admin, data.directory);
            if (client.isPresent()) {
                Optional<JsonNode> answer = client.get().delete("/api/users?user=" + AdminClient.encode(user)
                        + "&domain=" + AdminClient.encode(domain));
                if (answer.isPresent()) {
                    System.out.println("removed " + answer.get().path("removed").asText());
                    return 0;
                }
            }
            try (var store = data.open()) {
                if (!store.remove(user, domain)) {
                    throw new UserError("no user sip:" + user + "@" + domain + " in " + store.location(), 1);
                }
                System.out.println("removed sip:" + user + "@" + domain);
            }
            return 0;
        }
    }

    static void checkName(String user, String domain) {
        User.nameProblem(user, domain).ifPresent(problem -> {
            throw new UserError(problem);
        });
    }
}
