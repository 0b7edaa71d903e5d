package io.sipreg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.sipreg.registrar.Block;
import io.sipreg.registrar.SourceKey;
import io.sipreg.registrar.SqliteStore;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "blocks", mixinStandardHelpOptions = true,
        description = {"The blocks of password guessing: list them, or lift one.",
                "Works while serve runs on the same data directory: a removed block is lifted within a second."},
        subcommands = {BlocksCommand.ListBlocks.class, BlocksCommand.Remove.class})
final class BlocksCommand {

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Print the blocks in force.",
                    "Columns: source (an IPv4 address or an IPv6 /64), user (* for every user from the source), when"
                            + " it started, seconds left, offence (1 for a first block; each repeat doubles its"
                            + " length), the failed authentications that started it, and the attempts refused since."})
    static final class ListBlocks implements Callable<Integer> {
        @Option(names = "--json", description = "Print a JSON array instead of a table.")
        boolean json;

        @Mixin
        DataOption data;

        @Override
        public Integer call() throws Exception {
            List<Block> blocks = read(data);
            long now = System.currentTimeMillis();
            var current = new ArrayList<Block>();
            for (Block b : blocks) {
                if (b.until() > now) {
                    current.add(b);
                }
            }
            if (json) {
                printJson(current, now);
            } else {
                printTable(current, now);
            }
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = {"Lift the blocks of a source (an IP address, or an IPv6 /64) or of a user name.",
                    "The source or user starts again from a clean record."})
    static final class Remove implements Callable<Integer> {
        @Parameters(paramLabel = "SOURCE|USER", description = "e.g. 203.0.113.5, 2001:db8::7 or alice.")
        String target;

        @Mixin
        DataOption data;

        @Override
        public Integer call() {
            requireDirectory(data);
            Optional<String> source = SourceKey.parse(target);
            int removed;
            try (var store = SqliteStore.openBeside(data.directory)) {
                removed = source.isPresent() ? store.removeBlocksOfSource(source.get())
                        : store.removeBlocksOfUser(target.strip());
            }
            if (removed == 0) {
                throw new UserError("no block of " + (source.isPresent() ? "source " + source.get() : "user "
                        + target.strip()) + " in " + data.directory, 1);
            }
            System.out.println("removed " + removed + (removed == 1 ? " block" : " blocks") + " of "
                    + (source.isPresent() ? "source " + source.get() : "user " + target.strip()));
            return 0;
        }
    }

    private static List<Block> read(DataOption data) {
        requireDirectory(data);
        try (var store = SqliteStore.openBeside(data.directory)) {
            return store.blocks();
        }
    }

    private static void requireDirectory(DataOption data) {
        if (!Files.isDirectory(data.directory)) {
            throw new UserError(data.directory + ": no such data directory");
        }
    }

    private static void printJson(List<Block> blocks, long now) throws Exception {
        var mapper = new ObjectMapper();
        ArrayNode array = mapper.createArrayNode();
        for (Block b : blocks) {
            var o = array.addObject();
            o.put("source", b.source());
            o.put("user", b.coversEveryUser() ? "*" : b.user());
            o.put("started", Instant.ofEpochMilli(b.startedAt()).toString());
            o.put("until", Instant.ofEpochMilli(b.until()).toString());
            o.put("remaining", b.remainingSeconds(now));
            o.put("offence", b.offence());
            o.put("failures", b.failures());
            o.put("refused", b.refused());
        }
        System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(array));
    }

    private static void printTable(List<Block> blocks, long now) {
        if (blocks.isEmpty()) {
            System.out.println("(no blocks)");
            return;
        }
        var rows = new ArrayList<String[]>();
        rows.add(new String[] {"SOURCE", "USER", "STARTED", "REMAINING", "OFFENCE", "FAILURES", "REFUSED"});
        for (Block b : blocks) {
            rows.add(new String[] {b.source(), b.coversEveryUser() ? "*" : b.user(),
                    Instant.ofEpochMilli(b.startedAt()).toString(), b.remainingSeconds(now) + " s",
                    Integer.toString(b.offence()), Integer.toString(b.failures()), Long.toString(b.refused())});
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            var sb = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                sb.append(i == row.length - 1 ? row[i] : String.format("%-" + widths[i] + "s  ", row[i]));
            }
            System.out.println(sb.toString().stripTrailing());
        }
    }
}
