package io.sipreg.registrar;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * Users as last read from the database, found or not, so that authenticating a REGISTER needs no query while the
 * users table is unchanged. {@link SqliteStore} tells it the table's version (a counter the database bumps on every
 * change); any change empties the cache.
 *
 * <p>At startup the whole table is read in one go when it fits ({@link #fill}); the cache is then complete and a
 * username it does not hold is unknown without a query, as with Kamailio's htable of users. A registration storm
 * after an outage then costs no database read, and a scanner's made-up usernames none either. After a change the
 * cache fills again one lookup at a time.
 */
final class UserCache {
    /** Bounds the memory a flood of made-up usernames can take; past it the cache simply starts over. */
    private static final int MAX_ENTRIES = 200_000;

    private final ConcurrentHashMap<String, Optional<User>> users = new ConcurrentHashMap<>();
    /** Moves before every clear, so a load that raced with one can tell and not leave a stale entry behind. */
    private final AtomicLong epoch = new AtomicLong();
    private volatile long version = Long.MIN_VALUE;
    /** Every user of the table is here: a miss is an unknown user. Cleared by any change. */
    private volatile boolean complete;

    /** Records the users version just read from the database; empties the cache if it moved. */
    void validate(long currentVersion) {
        if (currentVersion != version) {
            version = currentVersion;
            invalidate();
        }
    }

    /** The users version last recorded by {@link #validate}. */
    long version() {
        return version;
    }

    void invalidate() {
        complete = false;
        epoch.incrementAndGet();
        users.clear();
    }

    /**
     * Holds {@code all}, the whole users table as read at {@code atVersion}; ignored when it would not fit or the
     * table has changed since.
     */
    void fill(long atVersion, List<User> all) {
        if (all.size() >= MAX_ENTRIES || atVersion != version) {
            return;
        }
        long before = epoch.get();
        for (User user : all) {
            users.put(user.username() + '\n' + user.domain(), Optional.of(user));
        }
        if (epoch.get() == before && atVersion == version) {
            complete = true;
        }
    }

    /** The number of users a complete cache may hold: more are looked up one by one. */
    static int capacity() {
        return MAX_ENTRIES;
    }

    /** {@code load} reads one user from the database (username, domain) when the cache cannot answer. */
    Optional<User> find(String username, String domain, BiFunction<String, String, Optional<User>> load) {
        String key = username + '\n' + domain;
        Optional<User> cached = users.get(key);
        if (cached != null) {
            return cached;
        }
        if (complete) {
            return Optional.empty();
        }
        long before = epoch.get();
        Optional<User> loaded = load.apply(username, domain);
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
