package io.sipreg.registrar;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where blocks live so that another process sees them: {@code sipreg blocks list} reads them and {@code sipreg blocks
 * remove} deletes them while {@code serve} runs, and the server notices a deletion at its next look (once a second).
 */
public interface BlockStore {
    /** Adds or replaces the block of its source and user; completes once durable. */
    CompletionStage<Void> saveBlock(Block block);

    /** Records the refused count of a block that is still stored; never brings back one that was removed. */
    CompletionStage<Void> updateRefused(Block block);

    /** Deletes the block of {@code source} and {@code user} ("" for the whole source). */
    CompletionStage<Void> deleteBlock(String source, String user);

    /** Every stored block, ended ones included until the server deletes them. */
    List<Block> blocks();

    /** Deletes every block of {@code source} (a {@link SourceKey}) and every user's block from it; how many went. */
    int removeBlocksOfSource(String source);

    /** Deletes every block of user name {@code user}, from any source; how many went. */
    int removeBlocksOfUser(String user);
}
