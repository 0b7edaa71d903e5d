package io.sipreg.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where each program run keeps its config files and traces: under {@code target/it} of the
 * module, so a failed run can still be read after the build and {@code mvn clean} removes it.
 */
final class WorkDirectory {

    private static final Path ROOT = Path.of("target", "it");

    private WorkDirectory() {}

    static Path create(String prefix) {
        try {
            Files.createDirectories(ROOT);
            return Files.createTempDirectory(ROOT, prefix).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory under " + ROOT.toAbsolutePath(), e);
        }
    }
}
