package io.sipreg.registrar;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to reach the shared PostgreSQL database.
 *
 * @param url      a JDBC URL, {@code jdbc:postgresql://host:5432/sipreg}
 * @param user     the database role; "" leaves it to the URL or the driver's default
 * @param password "" when none is needed (trust or peer authentication, or a password in the URL)
 * @param poolSize connections kept open by this process: writers, readers and the notification listener share them
 */
public record PostgresSettings(String url, String user, String password, int poolSize) {
    public static final int DEFAULT_POOL_SIZE = 8;
    /** The writer threads need one each, reads and the CLI at least one more. */
    static final int MIN_POOL_SIZE = 3;

    public PostgresSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
    }

    /** Every problem, each naming its field; empty when usable. */
    public List<String> validate() {
        var problems = new ArrayList<String>();
        if (!url.startsWith("jdbc:postgresql:")) {
            problems.add("url must start with jdbc:postgresql:, was " + redacted());
        }
        if (poolSize < MIN_POOL_SIZE) {
            problems.add("pool-size must be >= " + MIN_POOL_SIZE + ", was " + poolSize);
        }
        return problems;
    }

    /** The URL without a password parameter, for log lines and errors. */
    public String redacted() {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    /** Without the password. */
    @Override
    public String toString() {
        return "PostgresSettings[" + redacted() + (user.isEmpty() ? "" : " user " + user) + ", pool " + poolSize + "]";
    }
}
