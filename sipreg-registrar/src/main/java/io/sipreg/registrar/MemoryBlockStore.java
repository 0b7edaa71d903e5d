package io.sipreg.registrar;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Blocks kept in this process only: for a store that does not keep them (the shared PostgreSQL store), each node
 * counts and blocks the guessers it sees itself, and its blocks end with it.
 */
public final class MemoryBlockStore implements BlockStore {
    private final ConcurrentHashMap<String, Block> blocks = new ConcurrentHashMap<>();

    private static String key(String source, String user) {
        return source + '\n' + user;
    }

    @Override
    public CompletionStage<Void> saveBlock(Block block) {
        blocks.put(key(block.source(), block.user()), block);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> updateRefused(Block block) {
        blocks.computeIfPresent(key(block.source(), block.user()), (k, old) -> block);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> deleteBlock(String source, String user) {
        blocks.remove(key(source, user));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public List<Block> blocks() {
        return new ArrayList<>(blocks.values());
    }

    @Override
    public int removeBlocksOfSource(String source) {
        int before = blocks.size();
        blocks.values().removeIf(b -> b.source().equals(source));
        return before - blocks.size();
    }

    @Override
    public int removeBlocksOfUser(String user) {
        int before = blocks.size();
        blocks.values().removeIf(b -> b.user().equals(user));
        return before - blocks.size();
    }
}
