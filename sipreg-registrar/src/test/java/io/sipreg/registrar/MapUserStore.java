package io.sipreg.registrar;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A real, if forgetful, user store for tests that are not about persistence. */
final class MapUserStore implements UserStore {
    private final Map<String, User> users = new ConcurrentHashMap<>();

    @Override
    public void put(User user) {
        users.put(user.username() + "@" + user.domain(), user);
    }

    @Override
    public boolean remove(String username, String domain) {
        return users.remove(username + "@" + domain.toLowerCase(java.util.Locale.ROOT)) != null;
    }

    @Override
    public Optional<User> find(String username, String domain) {
        return Optional.ofNullable(users.get(username + "@" + domain.toLowerCase(java.util.Locale.ROOT)));
    }

    @Override
    public List<User> list() {
        var all = new ArrayList<>(users.values());
        all.sort(Comparator.comparing(User::domain).thenComparing(User::username));
        return all;
    }
}
