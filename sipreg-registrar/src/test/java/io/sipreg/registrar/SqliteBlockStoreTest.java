package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blocks in the database: what `sipreg blocks` reads and removes in another process while the server runs. */
class SqliteBlockStoreTest {
    @TempDir
    Path data;

    static final Block ALICE = new Block("203.0.113.5", "alice", 1_000, 61_000, 1, 5, 0);
    static final Block OFFICE = new Block("203.0.113.5", "", 2_000, 62_000, 1, 30, 0);
    static final Block BOB = new Block("198.51.100.7", "bob", 3_000, 63_000, 2, 5, 0);

    @Test
    void anotherProcessSeesTheBlocksAndRemovesThemBySourceOrUser() {
        try (SqliteStore server = SqliteStore.open(data); SqliteStore cli = SqliteStore.openBeside(data)) {
            server.saveBlock(ALICE).toCompletableFuture().join();
            server.saveBlock(OFFICE).toCompletableFuture().join();
            server.saveBlock(BOB).toCompletableFuture().join();

            assertThat(cli.blocks()).containsExactly(BOB, OFFICE, ALICE);
            assertThat(cli.removeBlocksOfUser("bob")).isEqualTo(1);
            assertThat(cli.removeBlocksOfSource("203.0.113.5")).isEqualTo(2);

            assertThat(server.blocks()).isEmpty();
        }
    }

    @Test
    void aRefusedCountNeverBringsBackARemovedBlock() {
        try (SqliteStore store = SqliteStore.open(data)) {
            store.saveBlock(ALICE).toCompletableFuture().join();
            store.updateRefused(withRefused(ALICE, 40)).toCompletableFuture().join();
            assertThat(store.blocks()).containsExactly(withRefused(ALICE, 40));

            store.removeBlocksOfUser("alice");
            store.updateRefused(withRefused(ALICE, 80)).toCompletableFuture().join();

            assertThat(store.blocks()).isEmpty();
        }
    }

    @Test
    void blocksSurviveARestart() {
        try (SqliteStore store = SqliteStore.open(data)) {
            store.saveBlock(ALICE).toCompletableFuture().join();
        }
        try (SqliteStore reopened = SqliteStore.open(data)) {
            assertThat(reopened.blocks()).containsExactly(ALICE);
        }
    }

    static Block withRefused(Block b, long refused) {
        return new Block(b.source(), b.user(), b.startedAt(), b.until(), b.offence(), b.failures(), refused);
    }
}
