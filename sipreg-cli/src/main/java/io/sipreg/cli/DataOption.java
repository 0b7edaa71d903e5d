package io.sipreg.cli;

import io.sipreg.registrar.RegistrationStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Which store a command opens, shared by every command that opens one: the data directory of the embedded store, or
 * the shared PostgreSQL database ({@code --store}), or whatever {@code serve}'s config file names ({@code --config}).
 */
final class DataOption {
    static final Path DEFAULT_DIRECTORY = Path.of("sipreg-data");

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory holding the store (default: sipreg-data).")
    Path directory;

    @Option(names = "--store", paramLabel = "sqlite|postgresql://[USER@]HOST[:PORT]/DB",
            description = "The shared PostgreSQL store of serve nodes instead of the data directory's.")
    String store;

    @Option(names = "--store-password-file", paramLabel = "FILE", description = "The PostgreSQL password, first line.")
    Path passwordFile;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Take data and [store] from serve's settings file (.toml, .yaml or .yml); flags override it.")
    Path config;

    /** What the flags and the config file name. */
    StoreSettings settings() {
        Optional<ConfigFile> file = Optional.ofNullable(config).map(ConfigFile::read);
        Path data = directory;
        if (data == null) {
            data = file.flatMap(f -> Optional.ofNullable(f.settings().get("data")))
                    .filter(s -> s.value().isTextual()).map(s -> Path.of(s.value().asText()))
                    .orElse(DEFAULT_DIRECTORY);
        }
        return StoreSettings.resolve(file, new StoreSettings.Flags(store, passwordFile, null), data);
    }

    /** Opens the store for reading bindings and managing users. */
    RegistrationStore open() {
        return settings().open(false);
    }

    /** Like {@link #open()}, but the embedded store's data directory must exist already (nothing to read otherwise). */
    RegistrationStore openExisting() {
        StoreSettings settings = settings();
        if (!settings.isShared() && !Files.isDirectory(settings.dataDirectory())) {
            throw new UserError(settings.dataDirectory() + ": no such data directory");
        }
        return settings.open(false);
    }
}
