package io.sipreg.cli;

import picocli.CommandLine.Option;

/**
 * {@code --admin-url} and {@code --admin-token}, for the commands that go through a running server's admin API when
 * there is one. Without {@code --admin-url} the server is found through {@code <data>/admin.json}; without either, the
 * database file is used directly.
 */
final class AdminOption {
    @Option(names = "--admin-url", paramLabel = "URL",
            description = "The admin API of a running serve, e.g. http://127.0.0.1:8080 (default: the one named in"
                    + " <data>/admin.json, else the database is read directly).")
    String url;

    @Option(names = "--admin-token", paramLabel = "TOKEN",
            description = "Its bearer token (default: $SIPREG_ADMIN_TOKEN, or the token in <data>/admin.json).")
    String token;
}
