package io.sipreg.admin;

import io.sipreg.registrar.KeepaliveScheduler;
import io.sipreg.registrar.Registrar;
import io.sipreg.registrar.BlockStore;
import io.sipreg.registrar.RegistrationStore;
import io.sipreg.transport.SipTransport;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * The running registrar as the admin server sees it: what it reads (bindings, users, counters) and the few things it
 * may change (remove a binding, add or remove an account).
 *
 * @param domain       the served domain
 * @param store        bindings and users
 * @param registrar    removes bindings so the keepalive schedule hears of it
 * @param keepalives   keepalive counters and the last answer of each binding
 * @param transport    transport counters and event-loop queues
 * @param transactions server transactions live now
 * @param startedAtMillis when the server started, epoch milliseconds
 */
public record RegistrarView(String domain, RegistrationStore store, BlockStore blocks, Registrar registrar,
                            KeepaliveScheduler keepalives, SipTransport transport, IntSupplier transactions,
                            long startedAtMillis) {
    public RegistrarView {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(blocks, "blocks");
        Objects.requireNonNull(registrar, "registrar");
        Objects.requireNonNull(keepalives, "keepalives");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(transactions, "transactions");
    }
}
