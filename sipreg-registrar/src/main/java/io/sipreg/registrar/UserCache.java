package io.sipreg.registrar;

import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Users as last read from the database, found or not, so that authenticating a REGISTER needs no query while the
 * users table is unchanged. {@link SqliteStore} tells it the table's version (a counter the database bumps on every
 * change); any change empties the cache.
 */
final class UserCache {
    /** Bounds the memory a flood of made-up usernames can take; past it the cache simply starts over. */
    private static final int MAX_ENTRIES = 200_000;

    interface Loader {
        Optional<User> load(String username, String domain) throws SQLException;
    }

    private final ConcurrentHashMap<String, Optional<User>> users = new ConcurrentHashMap<>();
    /** Moves before every clear, so a load that raced with one can tell and not leave a stale entry behind. */
    private final AtomicLong epoch = new AtomicLong();
    private volatile long version = Long.MIN_VALUE;

    /** Records the users version just read from the database; empties the cache if it moved. */
    void validate(long currentVersion) {
        if (currentVersion != version) {
            version = currentVersion;
            invalidate();
        }
    }

    void invalidate() {
        epoch.incrementAndGet();
        users.clear();
    }

    Optional<User> find(String username, String domain, Loader loader) throws SQLException {
        String key = username + '\n' + domain;
        Optional<User> cached = users.get(key);
        if (cached != null) {
            return cached;
        }
        long before = epoch.get();
        Optional<User> loaded = loader.load(username, domain);
        if (users.size() >= MAX_ENTRIES) {
            invalidate();
        }
        users.put(key, loaded);
        if (epoch.get() != before) {
            // Invalidated while we read: what we read may predate the change.
            users.remove(key, loaded);
        }
        return loaded;
    }

    int size() {
        return users.size();
    }
}
