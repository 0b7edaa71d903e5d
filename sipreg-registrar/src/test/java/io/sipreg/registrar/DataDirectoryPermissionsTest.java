package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryPermissionsTest {
    @TempDir
    Path data;

    @Test // the file holds HA1 digests and the nonce secret: its owner alone may read it, and its WAL too
    void theDataDirectoryAndTheDatabaseFilesAreTheOwnersOnly() throws Exception {
        Path dir = data.resolve("private");

        try (SqliteStore store = SqliteStore.open(dir)) {
            store.put(User.withPassword("alice", "example.com", "wonderland"));
            assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            for (String name : new String[] {"sipreg.db", "sipreg.db-wal", "sipreg.db-shm"}) {
                assertThat(Files.getPosixFilePermissions(dir.resolve(name))).as(name)
                        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            }
            assertThat(Files.readString(dir.resolve("sipreg.db"), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .as("no password at rest").doesNotContain("wonderland");
        }
    }
}
