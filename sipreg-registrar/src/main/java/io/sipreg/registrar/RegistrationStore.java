package io.sipreg.registrar;

import java.util.List;

/**
 * Everything a registrar keeps: bindings, accounts, and the secret its nonces are made with. One per process; the
 * embedded {@link SqliteStore} for a single node, {@link PostgresStore} for several nodes sharing bindings.
 */
public interface RegistrationStore extends LocationStore, UserStore {

    /**
     * The server secret for {@link NonceService}, kept in the store, so that nonces stay valid across restarts and
     * every process (and every node) using the store agrees on it: a challenge from one node is answered at another.
     */
    byte[] nonceSecret();

    /** Where the data is, for log lines: the database file, or the database URL without credentials. */
    String location();

    /** Unexpired bindings and those behind NAT, for metrics and the admin view. */
    default BindingCount countBindings() {
        int nat = 0;
        List<Binding> all = all();
        for (Binding b : all) {
            if (b.nat()) {
                nat++;
            }
        }
        return new BindingCount(all.size(), nat);
    }

    /**
     * Moves whenever a binding changes: a cheap "anything new?" for the dashboard. Without a cheaper way, a digest
     * of what the bindings are now.
     */
    default long bindingsVersion() {
        long version = 17;
        for (Binding b : all()) {
            version = version * 31 + b.lastUpdated() * 7 + b.expiresAt() + b.contactUri().hashCode();
        }
        return version;
    }

    /** Writes waiting to be made durable: how far the disk (or the database) is behind; 0 when unknown. */
    default int pendingWrites() {
        return 0;
    }

    @Override
    void close();
}
