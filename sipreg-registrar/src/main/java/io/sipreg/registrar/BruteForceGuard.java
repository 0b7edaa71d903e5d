package io.sipreg.registrar;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts failed authentications and blocks password guessing without locking out the devices that share the
 * guesser's address.
 *
 * <p>fail2ban in front of Asterisk, or Kamailio's pike and an htable ban, block an IP address. Behind an office NAT
 * that address is every phone of the office, so one phone with a stale password, or one infected PC, takes the
 * whole office off the air. Here failures are counted per <em>pair</em> of source and user name: past
 * {@link SecurityPolicy#userFailures()} the pair is blocked, and only guesses of that user from that source are
 * refused. Failures for users not yet blocked there also count for the source alone; past the higher
 * {@link SecurityPolicy#sourceFailures()} (a guesser going through many user names) the source is blocked, yet a
 * device with a binding from there keeps working (the {@link Registrar} decides that exemption, since it knows the
 * bindings). Counts decay ({@link DecayingCounter}), a block lasts {@link SecurityPolicy#blockTime()} and doubles on
 * each repeat offence up to {@link SecurityPolicy#maxBlockTime()}.
 *
 * <p>A refused attempt looks exactly like a wrong password, so a guesser cannot tell that the right password was
 * refused. Unknown user names are counted like real ones: a block tells nothing about which users exist.
 *
 * <p>Thread-safe: each pair and source is a {@link Tracker} under its own lock. Blocks are written to a
 * {@link BlockStore} so another process can list and remove them; {@link #sync()} (once a second) ends expired
 * blocks and notices removed ones.
 */
public final class BruteForceGuard {
    /** Bounds the memory a guesser spraying made-up names from many addresses can take. */
    static final int MAX_TRACKED = 100_000;

    private static final Logger log = LoggerFactory.getLogger("security");

    /** Which block stops an attempt. */
    enum Scope {
        NONE,
        /** The pair of this source and this user name. */
        USER,
        /** The whole source. */
        SOURCE
    }

    /** Totals since start, for the operator's summary line. */
    public record Counts(long failures, long refused, long blocksStarted) {
    }

    private final SecurityPolicy policy;
    private final BlockStore store;
    private final Clock clock;
    private final ConcurrentHashMap<String, Tracker> pairs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Tracker> sources = new ConcurrentHashMap<>();
    private final LongAdder failures = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder blocksStarted = new LongAdder();
    private volatile long lastCapSweep;

    public BruteForceGuard(SecurityPolicy policy, BlockStore store, Clock clock) {
        List<String> problems = policy.validate();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid security policy: " + String.join("; ", problems));
        }
        this.policy = policy;
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Counts nothing and blocks nothing. */
    public static BruteForceGuard disabled() {
        return new BruteForceGuard(SecurityPolicy.OFF, NO_STORE, Clock.systemUTC());
    }

    public SecurityPolicy policy() {
        return policy;
    }

    boolean enabled() {
        return policy.countsFailures();
    }

    // ---- the request path ----

    /** True while no source or user has any failure on record: nothing to block, nothing to forgive. */
    boolean isQuiet() {
        return pairs.isEmpty() && sources.isEmpty();
    }

    /** Whether a block stops {@code user} from {@code source} now, and which one. The pair's block comes first. */
    Scope blocking(String source, String user) {
        if (!enabled()) {
            return Scope.NONE;
        }
        long now = clock.millis();
        Tracker pair = pairs.get(pairKey(source, user));
        if (pair != null && pair.isBlocked(now)) {
            return Scope.USER;
        }
        Tracker whole = sources.get(source);
        return whole != null && whole.isBlocked(now) ? Scope.SOURCE : Scope.NONE;
    }

    /** A guess that failed (wrong password, forged nonce); may start a block. */
    void failed(String source, String user) {
        if (!enabled()) {
            return;
        }
        failures.increment();
        long now = clock.millis();
        boolean countForSource = true;
        if (policy.userFailures() > 0) {
            Tracker pair = lockedTracker(pairs, pairKey(source, user), source, user, now);
            if (pair != null) {
                try {
                    countForSource = pair.fail(now, policy.userFailures());
                } finally {
                    pair.unlock();
                }
            }
        }
        if (countForSource && policy.sourceFailures() > 0) {
            Tracker whole = lockedTracker(sources, source, source, "", now);
            if (whole != null) {
                try {
                    whole.fail(now, policy.sourceFailures());
                } finally {
                    whole.unlock();
                }
            }
        }
    }

    /** An attempt a block refused. */
    void refused(String source, String user, Scope scope) {
        refused.increment();
        Tracker t = scope == Scope.USER ? pairs.get(pairKey(source, user))
                : scope == Scope.SOURCE ? sources.get(source) : null;
        if (t != null) {
            t.lock();
            try {
                t.refused++;
            } finally {
                t.unlock();
            }
        }
    }

    /** The password was right: earlier typos of this device no longer count. A block stays as it is. */
    void succeeded(String source, String user) {
        Tracker pair = pairs.get(pairKey(source, user));
        if (pair != null) {
            pair.lock();
            try {
                pair.failures.reset();
            } finally {
                pair.unlock();
            }
        }
    }

    // ---- once a second ----

    /**
     * Ends blocks whose time is up, lifts those an operator removed from the store, records refused counts, adopts
     * stored blocks this process does not know (after a restart) and forgets idle counters. Never throws.
     */
    public void sync() {
        long now = clock.millis();
        List<Block> stored;
        try {
            stored = store.blocks();
        } catch (RuntimeException e) {
            log.warn("reading blocks failed: {}", e.toString());
            stored = null;
        }
        Map<String, Block> storedByKey = new HashMap<>();
        if (stored != null) {
            for (Block b : stored) {
                storedByKey.put(pairKey(b.source(), b.user()), b);
            }
        }
        syncMap(pairs, storedByKey, stored != null, now);
        syncMap(sources, storedByKey, stored != null, now);
        for (Block b : storedByKey.values()) {
            adopt(b, now);
        }
    }

    private void syncMap(ConcurrentHashMap<String, Tracker> map, Map<String, Block> stored, boolean storeRead,
                         long now) {
        for (Tracker t : map.values()) {
            String key = pairKey(t.source, t.user);
            Block row = stored.remove(key);
            t.lock();
            try {
                if (t.block != null) {
                    if (t.block.until() <= now) {
                        end(t, "expired", now);
                        ignore(store.deleteBlock(t.source, t.user));
                    } else if (storeRead && t.persisted && row == null) {
                        end(t, "removed", now);
                        // An operator's removal forgives: the next failures count from zero, as a first offence.
                        t.offences = 0;
                        t.failures.reset();
                    } else if (t.persisted && t.refused != t.savedRefused) {
                        t.savedRefused = t.refused;
                        ignore(store.updateRefused(t.snapshot()));
                    }
                } else if (isIdle(t, now)) {
                    t.removed = true;
                    map.remove(t.key, t);
                }
            } finally {
                t.unlock();
            }
        }
    }

    /** A stored block this process did not start: from before a restart. Ended ones are deleted. */
    private void adopt(Block b, long now) {
        if (b.until() <= now) {
            ignore(store.deleteBlock(b.source(), b.user()));
            return;
        }
        var map = b.coversEveryUser() ? sources : pairs;
        String key = b.coversEveryUser() ? b.source() : pairKey(b.source(), b.user());
        Tracker t = lockedTracker(map, key, b.source(), b.user(), now);
        if (t == null) {
            return;
        }
        try {
            if (t.block == null) {
                t.block = b;
                t.offences = b.offence();
                t.refused = b.refused();
                t.savedRefused = b.refused();
                t.persisted = true;
                log.info("block restored: {} for {} s more ({} attempts refused so far)", describe(b),
                        b.remainingSeconds(now), b.refused());
            }
        } finally {
            t.unlock();
        }
    }

    /** The blocks in force now, pairs first. */
    public List<Block> active() {
        long now = clock.millis();
        var list = new ArrayList<Block>();
        for (var map : List.of(pairs, sources)) {
            for (Tracker t : map.values()) {
                t.lock();
                try {
                    if (t.isBlocked(now)) {
                        list.add(t.snapshot());
                    }
                } finally {
                    t.unlock();
                }
            }
        }
        return list;
    }

    public Counts counts() {
        return new Counts(failures.sum(), refused.sum(), blocksStarted.sum());
    }

    int tracked() {
        return pairs.size() + sources.size();
    }

    // ---- trackers ----

    /** The tracker of {@code key}, created if needed, and locked; null when the table is full of live ones. */
    private Tracker lockedTracker(ConcurrentHashMap<String, Tracker> map, String key, String source, String user,
                                  long now) {
        while (true) {
            Tracker t = map.get(key);
            if (t == null) {
                if (map.size() >= MAX_TRACKED && !sweepFull(map, now)) {
                    return null;
                }
                t = map.computeIfAbsent(key, k -> new Tracker(k, source, user, policy.halfLife().toMillis()));
            }
            t.lock();
            if (!t.removed) {
                return t;
            }
            t.unlock();
        }
    }

    /** At most once a second: forgets idle trackers of a full table; true when there is room again. */
    private boolean sweepFull(ConcurrentHashMap<String, Tracker> map, long now) {
        if (now - lastCapSweep >= 1000) {
            lastCapSweep = now;
            for (Tracker t : map.values()) {
                t.lock();
                try {
                    if (isIdle(t, now) || t.block == null && t.failures.value(now) < 1) {
                        t.removed = true;
                        map.remove(t.key, t);
                    }
                } finally {
                    t.unlock();
                }
            }
            if (map.size() >= MAX_TRACKED) {
                log.warn("{} sources and users with failed authentications are being tracked; new ones are not "
                        + "counted until some go quiet", map.size());
            }
        }
        return map.size() < MAX_TRACKED;
    }

    private boolean isIdle(Tracker t, long now) {
        return t.block == null && t.failures.value(now) < 0.01
                && (t.offences == 0 || now - t.lastEnded > policy.forgetAfter().toMillis());
    }

    private void start(Tracker t, double count, long now) {
        boolean repeat = t.offences > 0 && now - t.lastEnded <= policy.forgetAfter().toMillis();
        t.offences = repeat ? t.offences + 1 : 1;
        long until = now + policy.blockMillis(t.offences);
        Block block = new Block(t.source, t.user, now, until, t.offences, (int) Math.round(count), 0);
        t.block = block;
        t.refused = 0;
        t.savedRefused = 0;
        t.persisted = false;
        t.failures.reset();
        blocksStarted.increment();
        log.info("block started: {} after {} failed authentications (offence {}): refused for {} s",
                describe(block), block.failures(), block.offence(), (until - now + 999) / 1000);
        store.saveBlock(block).whenComplete((ok, error) -> {
            if (error != null) {
                log.warn("storing {} failed: {}", describe(block), error.toString());
                return;
            }
            t.lock();
            try {
                if (t.block == block) {
                    t.persisted = true;
                }
            } finally {
                t.unlock();
            }
        });
    }

    private void end(Tracker t, String why, long now) {
        Block b = t.block;
        log.info("block ended ({}): {} after {} s; {} attempts refused", why, describe(b),
                Math.max(0, (now - b.startedAt()) / 1000), t.refused);
        t.block = null;
        t.lastEnded = now;
    }

    static String describe(Block b) {
        return "source " + b.source() + (b.coversEveryUser() ? " every user" : " user " + b.user());
    }

    private static String pairKey(String source, String user) {
        return source + '\n' + user;
    }

    private static void ignore(CompletionStage<Void> stage) {
        stage.whenComplete((ok, error) -> {
            if (error != null) {
                log.warn("updating blocks failed: {}", error.toString());
            }
        });
    }

    /** One source, or one source and user name: its decaying failure count and its block. */
    private final class Tracker {
        final String key;
        final String source;
        final String user;
        final DecayingCounter failures;
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        Block block;
        long refused;
        long savedRefused;
        boolean persisted;
        int offences;
        long lastEnded;
        boolean removed;

        Tracker(String key, String source, String user, long halfLifeMillis) {
            this.key = key;
            this.source = source;
            this.user = user;
            this.failures = new DecayingCounter(halfLifeMillis);
        }

        void lock() {
            lock.lock();
        }

        void unlock() {
            lock.unlock();
        }

        boolean isBlocked(long now) {
            Block b = block;
            return b != null && b.until() > now;
        }

        /**
         * Counts a failure against {@code threshold}; true when it is news, false when this tracker is already
         * blocked (the attempt then counts as refused, and not again for the source). Called locked.
         */
        boolean fail(long now, int threshold) {
            if (isBlocked(now)) {
                refused++;
                return false;
            }
            double count = failures.add(now);
            // Rounded: five failures a few seconds apart have decayed a little below five, and must still count five.
            if (Math.round(count) >= threshold) {
                start(this, count, now);
            }
            return true;
        }

        Block snapshot() {
            return new Block(block.source(), block.user(), block.startedAt(), block.until(), block.offence(),
                    block.failures(), refused);
        }
    }

    private static final BlockStore NO_STORE = new BlockStore() {
        private final CompletionStage<Void> done = CompletableFuture.completedFuture(null);

        @Override
        public CompletionStage<Void> saveBlock(Block block) {
            return done;
        }

        @Override
        public CompletionStage<Void> updateRefused(Block block) {
            return done;
        }

        @Override
        public CompletionStage<Void> deleteBlock(String source, String user) {
            return done;
        }

        @Override
        public List<Block> blocks() {
            return List.of();
        }

        @Override
        public int removeBlocksOfSource(String source) {
            return 0;
        }

        @Override
        public int removeBlocksOfUser(String user) {
            return 0;
        }
    };
}
