package io.sipreg.admin;

import io.sipreg.registrar.KeepaliveProbe;
import io.sipreg.registrar.RegisterAttempt;
import io.sipreg.registrar.RegistrarActivity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last registration attempts of each address-of-record, in memory: REGISTERs with their outcome and reason,
 * and keepalive OPTIONS that went unanswered or removed a binding. Bounded twice: {@code perAor} entries per AOR
 * (older ones are overwritten) and {@code maxAors} AORs (the one heard of least recently goes), so a flood of REGISTERs
 * for made-up users costs a fixed amount of memory. A second ring holds the latest entries of all AORs, for the live
 * feed. Thread-safe; one short lock per entry.
 */
public final class AttemptHistory implements RegistrarActivity {
    public static final int DEFAULT_PER_AOR = 20;
    public static final int DEFAULT_AORS = 10_000;
    private static final int RECENT = 256;

    /**
     * One line of an AOR's history.
     *
     * @param seq       increases by one per entry, across AORs: the live feed sends what came after the last it sent
     * @param kind      {@code register} or {@code keepalive}
     * @param status    the status code sent, 0 for a keepalive
     * @param outcome   {@code registered}, {@code wrong-password}, ... or {@code keepalive-unanswered},
     *                  {@code keepalive-removed}
     * @param reason    the reason phrase sent, or what happened to the keepalive
     * @param source    {@code transport ip:port} of the device
     */
    public record Entry(long seq, long atMillis, String aor, String kind, int status, String outcome, String reason,
                        String callId, String source, String userAgent) {
    }

    private final int perAor;
    private final Object lock = new Object();
    private final LinkedHashMap<String, Ring> byAor;
    private final Ring recent = new Ring(RECENT);
    private long seq;

    public AttemptHistory() {
        this(DEFAULT_PER_AOR, DEFAULT_AORS);
    }

    public AttemptHistory(int perAor, int maxAors) {
        if (perAor < 1 || maxAors < 1) {
            throw new IllegalArgumentException("history bounds must be positive: " + perAor + ", " + maxAors);
        }
        this.perAor = perAor;
        // Access order: a lookup or a new entry makes an AOR the most recent; the eldest goes beyond maxAors.
        this.byAor = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Ring> eldest) {
                return size() > maxAors;
            }
        };
    }

    @Override
    public void attempted(RegisterAttempt a) {
        add(a.aor(), a.atMillis(), "register", a.status(), a.outcome().token(), a.reason(), a.callId(),
                a.transport().toLowerCase(java.util.Locale.ROOT) + " " + a.source(), a.userAgent());
    }

    @Override
    public void keepalive(KeepaliveProbe p) {
        String outcome = p.kind() == KeepaliveProbe.Kind.REMOVED ? "keepalive-removed" : "keepalive-unanswered";
        String reason = p.kind() == KeepaliveProbe.Kind.UNANSWERED
                ? "OPTIONS to " + p.contactUri() + " unanswered (" + p.failuresInRow() + " in a row)"
                : p.contactUri() + " " + p.detail();
        add(p.aor(), p.atMillis(), "keepalive", 0, outcome, reason, "", p.source(), "");
    }

    private void add(String aor, long at, String kind, int status, String outcome, String reason, String callId,
                     String source, String userAgent) {
        synchronized (lock) {
            var entry = new Entry(++seq, at, aor, kind, status, outcome, reason, callId, source, userAgent);
            byAor.computeIfAbsent(aor, a -> new Ring(perAor)).add(entry);
            recent.add(entry);
        }
    }

    /** The AOR's entries, oldest first; empty when none is remembered. */
    public List<Entry> of(String aor) {
        synchronized (lock) {
            Ring ring = byAor.get(aor);
            return ring == null ? List.of() : ring.list();
        }
    }

    /** Entries of every AOR after {@code afterSeq}, oldest first; at most the last {@value #RECENT}. */
    public List<Entry> since(long afterSeq) {
        synchronized (lock) {
            var all = recent.list();
            int from = 0;
            while (from < all.size() && all.get(from).seq() <= afterSeq) {
                from++;
            }
            return List.copyOf(all.subList(from, all.size()));
        }
    }

    /** The number of AORs with a history now. */
    public int aors() {
        synchronized (lock) {
            return byAor.size();
        }
    }

    /** A fixed-size ring; guarded by the history's lock. */
    private static final class Ring {
        private final Entry[] entries;
        private int next;
        private int size;

        Ring(int capacity) {
            entries = new Entry[capacity];
        }

        void add(Entry e) {
            entries[next] = e;
            next = (next + 1) % entries.length;
            size = Math.min(size + 1, entries.length);
        }

        List<Entry> list() {
            var list = new ArrayList<Entry>(size);
            int start = (next - size + entries.length) % entries.length;
            for (int i = 0; i < size; i++) {
                list.add(entries[(start + i) % entries.length]);
            }
            return list;
        }
    }
}
