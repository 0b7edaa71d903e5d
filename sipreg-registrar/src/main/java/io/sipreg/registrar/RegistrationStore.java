package io.sipreg.registrar;

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
    BindingCount countBindings();

    /** Moves whenever a binding changes (REGISTER, removal, expiry): a cheap "anything new?" for the dashboard. */
    long bindingsVersion();

    /** Writes waiting to be made durable: how far the disk (or the database) is behind. */
    int pendingWrites();

    @Override
    void close();
}
