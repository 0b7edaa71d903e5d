package io.sipreg.registrar;

import java.util.List;
import java.util.Optional;

/** Accounts that may register. Holds HA1 digests only, never passwords (RFC 7616 §3.4.2). */
public interface UserStore {

    /** Adds {@code user}, or replaces the user with the same username and domain. Durable on return. */
    void put(User user);

    /** Adds or replaces each of {@code users}. Durable on return. */
    default void putAll(java.util.Collection<User> users) {
        for (User user : users) {
            put(user);
        }
    }

    /** Removes the user; false when there was none. Durable on return. */
    boolean remove(String username, String domain);

    /** The user, as currently stored: a user added by another process is visible at once. */
    Optional<User> find(String username, String domain);

    /** All users, ordered by domain then username. */
    List<User> list();
}
