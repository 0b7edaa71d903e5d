package io.sipreg.registrar;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This registrar as one node of several sharing a {@link PostgresStore}: it holds a lease on its name, keeps alive
 * exactly the flows it owns, and takes over the flows of a node whose lease ran out.
 *
 * <p><b>Lease.</b> The node's row in {@code nodes} carries a lease it renews every third of the lease time. A node
 * that stops renewing (killed, hung, cut off from the database) is dead for the others once its lease has expired.
 * At start a node waits for the lease of its name's previous run to expire (a restart right after kill -9), and
 * refuses to start when another live process renews it: two nodes must not share a name.
 *
 * <p><b>Hand-over.</b> The first survivor to see an expired lease takes the dead node's bindings in one transaction
 * (see {@link PostgresStore#takeOver}) and starts their keepalives. Over UDP it sends from its own socket: a device
 * with a public address answers it, but a NAT that filters by the registrar's address (most do, RFC 4787
 * "address-dependent filtering") drops those OPTIONS until the device's next REGISTER reaches a surviving node and
 * re-anchors the flow there; the unanswered OPTIONS then remove the binding after {@code failures} intervals, as for
 * any device that went silent. A TCP connection cannot move between machines at all: those bindings go at once, as
 * after a restart.
 *
 * <p><b>Exactly one sender.</b> A binding's keepalives are sent by the node named in its row. When another node takes
 * a binding (the device registered there, or unregistered there), that node's transaction notifies this one
 * (LISTEN/NOTIFY), which stops pinging it at once. A lost connection to the listener is followed by a full resync.
 */
public final class ClusterNode implements AutoCloseable {
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(15);
    public static final Duration MIN_LEASE = Duration.ofSeconds(3);

    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
    private static final long LISTEN_POLL_MILLIS = 500;

    private final PostgresStore store;
    private final String name;
    private final String instance = UUID.randomUUID().toString();
    private final Duration lease;
    private final KeepaliveScheduler keepalives;
    private final List<InetSocketAddress> udpListeners;
    private final Clock clock;
    private final ScheduledExecutorService heartbeat;
    private final Thread listener;
    private volatile boolean closed;

    private ClusterNode(PostgresStore store, Duration lease, KeepaliveScheduler keepalives,
                        List<InetSocketAddress> udpListeners, Clock clock) {
        this.store = store;
        this.name = store.node();
        this.lease = lease;
        this.keepalives = keepalives;
        this.udpListeners = List.copyOf(udpListeners);
        this.clock = clock;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            var t = new Thread(r, "sipreg-node-lease");
            t.setDaemon(true);
            return t;
        });
        this.listener = new Thread(this::listen, "sipreg-node-listener");
        this.listener.setDaemon(true);
    }

    /**
     * Takes this node's name ({@link PostgresStore#node()}), starts the keepalives of the bindings it owns, and begins
     * renewing its lease and watching the others'. Blocks up to one lease while the name's previous run's lease runs
     * out.
     *
     * @param udpListeners this node's bound UDP sockets: a taken-over UDP flow is kept alive from one of them
     * @throws StoreException when another live process holds the name, or the database fails
     */
    public static ClusterNode join(PostgresStore store, Duration lease, KeepaliveScheduler keepalives,
                                   List<InetSocketAddress> udpListeners, Clock clock) {
        Objects.requireNonNull(keepalives, "keepalives");
        if (store.node().isEmpty()) {
            throw new IllegalArgumentException("a cluster node needs a name");
        }
        if (lease.compareTo(MIN_LEASE) < 0) {
            throw new IllegalArgumentException("lease must be at least " + MIN_LEASE.toSeconds() + " s");
        }
        var node = new ClusterNode(store, lease, keepalives, udpListeners, clock);
        node.claimName();
        keepalives.start(store.ownedBy(node.name));
        node.listener.start();
        long period = Math.max(1, lease.toMillis() / 3);
        node.heartbeat.scheduleWithFixedDelay(node::beat, period, period, TimeUnit.MILLISECONDS);
        return node;
    }

    public String name() {
        return name;
    }

    private void claimName() {
        long previousLease = -1;
        while (true) {
            long now = clock.millis();
            Optional<PostgresStore.Lease> holder = store.claimName(name, instance, now + lease.toMillis(), now);
            if (holder.isEmpty()) {
                log.info("node {}: joined the shared store {} (lease {} s)", name, store.location(),
                        lease.toSeconds());
                return;
            }
            long until = holder.get().leaseUntil();
            if (previousLease >= 0 && until > previousLease) {
                throw new StoreException("node name " + name + " is in use by another running node (its lease was"
                        + " renewed); give each node its own name");
            }
            if (previousLease < 0) {
                log.info("node {}: waiting up to {} s for the lease of this name's previous run to expire", name,
                        Math.max(0, (until - now + 999) / 1000));
            }
            previousLease = until;
            sleep(Math.max(100, until - now + 100));
        }
    }

    /** Renews the lease, then takes over the flows of every node whose lease has expired. */
    private void beat() {
        if (closed) {
            return;
        }
        try {
            long now = clock.millis();
            if (!store.renewLease(name, instance, now + lease.toMillis())) {
                log.warn("node {}: its lease had expired and other nodes may have taken its flows; joining again",
                        name);
                store.claimName(name, instance, now + lease.toMillis(), now);
                keepalives.resync(store.ownedBy(name));
            }
            for (PostgresStore.Lease dead : store.expiredLeases(name, now)) {
                List<Binding> taken = store.takeOver(dead.node(), name, now, this::relocate);
                if (!taken.isEmpty() || dead.leaseUntil() > 0) {
                    log.info("node {}: node {} stopped renewing its lease {} s ago; took over its {} bindings",
                            name, dead.node(), Math.max(0, (now - dead.leaseUntil()) / 1000), taken.size());
                } else {
                    log.info("node {}: node {} stopped cleanly; took over its {} bindings", name, dead.node(),
                            taken.size());
                }
                keepalives.adopt(taken, dead.node());
            }
        } catch (RuntimeException e) {
            log.warn("node {}: lease renewal or take-over failed: {}", name, e.getMessage());
        }
    }

    /**
     * The local socket a taken-over binding's keepalives leave from: for UDP, this node's listener of the same address
     * family, the one with the dead node's address if this node has it; TCP and the like keep theirs (their
     * connection is gone).
     */
    String relocate(Binding b) {
        if (!"UDP".equals(b.transport())) {
            return b.localSocket();
        }
        Optional<InetSocketAddress> source = BindingFlow.socketAddress(b.source());
        Optional<InetSocketAddress> old = BindingFlow.socketAddress(b.localSocket());
        InetSocketAddress choice = null;
        for (InetSocketAddress l : udpListeners) {
            boolean sameFamily = source.isEmpty()
                    || (l.getAddress() instanceof Inet4Address) == (source.get().getAddress() instanceof Inet4Address);
            if (!sameFamily) {
                continue;
            }
            if (old.isPresent() && l.getAddress().equals(old.get().getAddress())) {
                choice = l;
                break;
            }
            if (choice == null) {
                choice = l;
            }
        }
        return choice == null ? b.localSocket() : Origin.hostPort(choice);
    }

    private void listen() {
        boolean reconnected = false;
        while (!closed) {
            try (Connection c = store.listen()) {
                store.usersChanged(true);
                if (reconnected) {
                    // Notices sent while we were away are lost: ask the store what is ours.
                    keepalives.resync(store.ownedBy(name));
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] notifications = pg.getNotifications((int) LISTEN_POLL_MILLIS);
                    if (notifications == null) {
                        continue;
                    }
                    for (PGNotification n : notifications) {
                        if (PostgresStore.USERS_CHANNEL.equals(n.getName())) {
                            store.usersChanged(true);
                        } else {
                            PostgresStore.Notice.parse(n.getParameter()).ifPresent(this::heard);
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                store.usersChanged(false);
                if (closed) {
                    return;
                }
                log.warn("node {}: listening for hand-overs failed, retrying in 1 s: {}", name, e.getMessage());
                reconnected = true;
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException stopped) {
                    return;
                }
            }
        }
    }

    private void heard(PostgresStore.Notice notice) {
        if (!notice.node().equals(name)) {
            return;
        }
        if (notice.isAll()) {
            log.warn("node {}: another node took over all its flows (its lease had expired); resyncing", name);
            keepalives.resync(store.ownedBy(name));
        } else {
            log.debug("node {}: {} contact {} now belongs to another node", name, notice.aor(), notice.contactUri());
            keepalives.release(notice.aor(), notice.contactUri());
        }
    }

    /**
     * Stops renewing, and gives the name's lease up, so that another node takes over this node's flows at its next
     * heartbeat rather than after the lease.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        heartbeat.shutdownNow();
        listener.interrupt();
        try {
            listener.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            store.releaseName(name, instance);
        } catch (RuntimeException e) {
            log.warn("node {}: could not give up its lease: {}", name, e.getMessage());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted", e);
        }
    }
}
