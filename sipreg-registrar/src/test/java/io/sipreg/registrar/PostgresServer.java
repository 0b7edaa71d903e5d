package io.sipreg.registrar;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server (Debian's {@code postgresql} package) of the test's own: a fresh cluster made by
 * {@code initdb} in a temporary directory, started by {@code pg_ctl} on an ephemeral loopback port with its socket
 * directory beside it, and removed on {@link #close()}. PostgreSQL refuses to run as root, so under root (as the tests
 * run here) it runs as the {@code postgres} user the package creates. The superuser is {@code sipreg}, trusted on
 * loopback, so no password is needed.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String USER = "sipreg";
    private static final Path VERSIONS = Path.of("/usr/lib/postgresql");
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path bin;
    private final Path directory;
    private final int port;
    private final boolean asPostgres;

    private PostgresServer(Path bin, Path directory, int port, boolean asPostgres) {
        this.bin = bin;
        this.directory = directory;
        this.port = port;
        this.asPostgres = asPostgres;
    }

    /** initdb, then start on a free port; fails with what to install when PostgreSQL is missing. */
    public static PostgresServer start() {
        Path bin = binaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            Path directory = Files.createTempDirectory("sipreg-pg-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            if (root) {
                UserPrincipal postgres = directory.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName("postgres");
                Files.setOwner(directory, postgres);
            }
            var server = new PostgresServer(bin, directory, 0, root);
            server.run(List.of(bin.resolve("initdb").toString(), "-D", directory.resolve("data").toString(),
                    "-U", USER, "--auth=trust", "-E", "UTF8", "--no-locale"));
            for (int attempt = 1; ; attempt++) {
                int port = freePort();
                var started = new PostgresServer(bin, directory, port, root);
                try {
                    started.pgCtl("-o", "-p " + port + " -k " + directory + " -c listen_addresses=127.0.0.1",
                            "-l", directory.resolve("server.log").toString(), "-w", "-t", "30", "start");
                    return started;
                } catch (AssertionError e) {
                    if (attempt == 3) {
                        throw e;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a PostgreSQL data directory", e);
        }
    }

    public int port() {
        return port;
    }

    /** A new, empty database; returns its JDBC URL. */
    public String createDatabase() {
        String name = "sipreg_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new AssertionError("cannot create database " + name + ": " + e.getMessage(), e);
        }
        return url(name);
    }

    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Settings for the store on {@code url}, as the superuser, with a small pool. */
    public static PostgresSettings settings(String url) {
        return new PostgresSettings(url, USER, "", 4);
    }

    /** The server's log, for a failing test's message. */
    public String log() {
        try {
            return Files.readString(directory.resolve("server.log"));
        } catch (IOException e) {
            return "(no server log: " + e.getMessage() + ")";
        }
    }

    /** Stops the server at once (no checkpoint; nothing here needs one) and deletes its directory. */
    @Override
    public void close() {
        try {
            pgCtl("-m", "immediate", "-w", "stop");
        } finally {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // A temporary directory left behind is harmless.
            }
        }
    }

    private void pgCtl(String... arguments) {
        var command = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D",
                directory.resolve("data").toString()));
        command.addAll(List.of(arguments));
        run(command);
    }

    private void run(List<String> command) {
        var full = new ArrayList<String>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        try {
            Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", full) + " failed:\n" + output
                        + (Files.exists(directory.resolve("server.log")) ? "\n--- server log ---\n" + log() : ""));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", full), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + String.join(" ", full), e);
        }
    }

    /** The newest installed server's bin directory ({@code /usr/lib/postgresql/15/bin}). */
    private static Path binaries() {
        try (Stream<Path> versions = Files.list(VERSIONS)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparingInt(b -> versionOf(b.getParent())))
                    .orElseThrow(PostgresServer::notInstalled);
        } catch (IOException e) {
            throw notInstalled();
        }
    }

    private static int versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static AssertionError notInstalled() {
        return new AssertionError("PostgreSQL is not installed under " + VERSIONS
                + ": apt-get install postgresql (./run-tests installs it)");
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port", e);
        }
    }
}
