package io.sipreg.registrar;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Blocks in a map, committed at once: the other process of `sipreg blocks` is a test calling the remove methods. */
final class MapBlockStore implements BlockStore {
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    final Map<String, Block> rows = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<Void> saveBlock(Block block) {
        rows.put(key(block.source(), block.user()), block);
        return DONE;
    }

    @Override
    public CompletionStage<Void> updateRefused(Block block) {
        rows.computeIfPresent(key(block.source(), block.user()),
                (k, old) -> old.startedAt() == block.startedAt() ? block : old);
        return DONE;
    }

    @Override
    public CompletionStage<Void> deleteBlock(String source, String user) {
        rows.remove(key(source, user));
        return DONE;
    }

    @Override
    public List<Block> blocks() {
        return new ArrayList<>(rows.values());
    }

    @Override
    public int removeBlocksOfSource(String source) {
        int before = rows.size();
        rows.values().removeIf(b -> b.source().equals(source));
        return before - rows.size();
    }

    @Override
    public int removeBlocksOfUser(String user) {
        int before = rows.size();
        rows.values().removeIf(b -> b.user().equals(user));
        return before - rows.size();
    }

    Block row(String source, String user) {
        return rows.get(key(source, user));
    }

    private static String key(String source, String user) {
        return source + "\n" + user;
    }
}
