package io.sipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * {@code <data>/admin.json}: where the running server's admin API is and its token, so that {@code sipreg bindings}
 * and {@code sipreg users} on the same data directory find it. Written when the admin server starts, readable by
 * its owner only (it holds the token, as the directory holds the HA1 digests), removed on a clean stop; a file left
 * by a killed server names a process that is gone, and is ignored.
 *
 * @param url   {@code http://127.0.0.1:8080}
 * @param token the bearer token, or ""
 * @param pid   the server's process id
 */
record AdminEndpoint(String url, String token, long pid) {
    static final String FILE_NAME = "admin.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path file(Path dataDirectory) {
        return dataDirectory.resolve(FILE_NAME);
    }

    void write(Path dataDirectory) throws IOException {
        Path target = file(dataDirectory);
        Path temporary = dataDirectory.resolve(FILE_NAME + ".tmp");
        Files.deleteIfExists(temporary);
        try {
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(temporary);
        }
        var o = JSON.createObjectNode().put("url", url).put("token", token).put("pid", pid);
        Files.writeString(temporary, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n",
                StandardCharsets.UTF_8);
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes the file if it is still this server's. */
    void remove(Path dataDirectory) {
        try {
            Optional<AdminEndpoint> current = read(dataDirectory);
            if (current.isPresent() && current.get().pid() == pid) {
                Files.deleteIfExists(file(dataDirectory));
            }
        } catch (IOException e) {
            // Left behind, it names a process that is gone and is ignored.
        }
    }

    /** The endpoint the file names, if there is a file and it can be read. */
    static Optional<AdminEndpoint> read(Path dataDirectory) throws IOException {
        Path file = file(dataDirectory);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonNode o;
        try {
            o = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Optional.empty();
        }
        if (o == null || !o.path("url").isTextual()) {
            return Optional.empty();
        }
        return Optional.of(new AdminEndpoint(o.path("url").asText(), o.path("token").asText(""),
                o.path("pid").asLong(-1)));
    }

    /** The server that wrote the file still runs. */
    boolean serverAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
