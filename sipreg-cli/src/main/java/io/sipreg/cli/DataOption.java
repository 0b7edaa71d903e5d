package io.sipreg.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --data DIR}, shared by every command that opens the store. */
final class DataOption {
    @Option(names = "--data", paramLabel = "DIR", defaultValue = "sipreg-data",
            description = "Data directory holding the store (default: ${DEFAULT-VALUE}).")
    Path directory;
}
