package io.sipreg.analyzer;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Groups messages as they stream by: REGISTER transactions into {@link RegistrationAttempt}s by Call-ID, OPTIONS
 * into {@link KeepaliveSeries} by address pair, responses to their request by transaction key (RFC 3261
 * §17.1.3), ICMP errors to the request they quote. A group is concluded, diagnosed and handed on as soon as
 * nothing more can belong to it, so memory holds only what is still open: a finished attempt lingers
 * {@link #LINGER_NANOS} for late retransmissions, an open one is given up after {@link #IDLE_NANOS} of silence
 * (Timer F, 64*T1 = 32 s, plus a margin).
 */
final class MessageCorrelator {
    static final long LINGER_NANOS = 2_000_000_000L;
    static final long IDLE_NANOS = 40_000_000_000L;
    private static final long KEEPALIVE_IDLE_NANOS = 300_000_000_000L;
    private static final int MAX_KEEPALIVES_PER_SERIES = 1000;
    private static final long SWEEP_EVERY_NANOS = 1_000_000_000L;
    private static final long CSEQ_MEMORY_NANOS = 3_600_000_000_000L;

    record Pair(Endpoint from, Endpoint to) {
        /** As the record's own, written out (see {@link Endpoint#hashCode}). */
        @Override
        public int hashCode() {
            return 31 * from.hashCode() + to.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Pair p && from.equals(p.from) && to.equals(p.to);
        }
    }

    /** Updated in place: a Call-ID's refreshes need no new entry. */
    private static final class CseqSeen {
        long cseq;
        long timeNanos;
        String viaHost;
        int viaPort;
        /** The top Via's branch and the packet's source: they tell a rewritten copy from a proxy's relay. */
        String branch;
        Endpoint source;

        void set(long cseq, long timeNanos, CapturedMessage m) {
            this.cseq = cseq;
            this.timeNanos = timeNanos;
            this.viaHost = m.facts().viaHost();
            this.viaPort = m.facts().viaPort();
            this.branch = m.facts().branch();
            this.source = m.source();
        }

        boolean sentBy(MessageFacts f) {
            return viaPort == f.viaPort() && viaHost.equalsIgnoreCase(f.viaHost());
        }
    }

    /** An AOR and one of its contacts; both strings come interned from the scanner, their hashes cached. */
    private record BindingKey(String aor, String contact) {
    }

    /**
     * A binding the capture saw granted: until when, by which 2xx (its frame and status line), for how long. Not the
     * message itself: a capture of many phones keeps one of these per phone.
     */
    record Binding(long untilNanos, long okFrame, String okLabel, long grantedSeconds) {
    }

    /** Where concluded groups go to be diagnosed, in the order they were concluded. */
    interface Conclusions {
        void concluded(MessageGroup group, long captureNow);
    }

    private final Diagnosis diagnosis;
    private final Conclusions conclusions;
    private final Consumer<Finding> fileFindings;
    /** Open attempts by Call-ID, least recently active first (access order: every message touches its attempt). */
    private final Map<String, RegistrationAttempt> attempts = new LinkedHashMap<>(1024, 0.75f, true);
    /** Attempts that got their final answer, in that order, waiting out the linger time. */
    private final java.util.ArrayDeque<RegistrationAttempt> concluded = new java.util.ArrayDeque<>();
    private final Map<TransactionKey, Transaction> transactions = new HashMap<>();
    private final Map<Pair, KeepaliveSeries> keepalives = new HashMap<>();
    /** Per Call-ID: the highest CSeq of a REGISTER, when and by whom (its top Via's sent-by) it was sent. */
    private final Map<String, CseqSeen> lastCseq = lru(100_000);
    private final Map<Pair, Transaction> lastRequest = lru(4096);
    /** Per AOR and contact: until when the last 2xx bound it, and that 2xx (to tell a gap before the next one). */
    private final Map<BindingKey, Binding> bindings = lru(100_000);
    private long lastSweep = Long.MIN_VALUE;
    private long now;
    private long otherMessages;
    private long cutBeforeVia;
    private final NatTranslations nat;

    MessageCorrelator(Diagnosis diagnosis, NatTranslations nat, Conclusions conclusions,
                      Consumer<Finding> fileFindings) {
        this.diagnosis = diagnosis;
        this.nat = nat;
        this.conclusions = conclusions;
        this.fileFindings = fileFindings;
    }

    /** Messages the capture cut short before their top Via: left out, as they cannot be matched. */
    long cutBeforeVia() {
        return cutBeforeVia;
    }

    /** Messages that are neither REGISTER nor OPTIONS (INVITE, SUBSCRIBE, ...): counted, not diagnosed. */
    long otherMessages() {
        return otherMessages;
    }

    void message(CapturedMessage m) {
        advance(m.timeNanos());
        MessageFacts f = m.facts();
        if (m.cut() && f.branch().isEmpty()) {
            cutBeforeVia++;     // nothing left to tell which transaction it belongs to
            return;
        }
        if (!f.request()) {
            // An answer belongs to its request's transaction, even when its CSeq method is wrong (a 400 to a
            // REGISTER that said "CSeq: 2 INVITE" copies that CSeq, RFC 3261 §8.2.6.2).
            Transaction tx = transactions.get(f.transactionKey());
            if (tx == null && m.cut() && f.cseqMethod().isEmpty()) {
                tx = transactions.get(f.transactionKey().withMethod("REGISTER"));
                if (tx == null) {
                    tx = transactions.get(f.transactionKey().withMethod("OPTIONS"));
                }
            }
            if (tx != null) {
                answered(tx, m);
                return;
            }
        }
        if (f.method().equalsIgnoreCase("REGISTER")) {
            register(m, f);
        } else if (f.method().equalsIgnoreCase("OPTIONS")) {
            options(m, f);
        } else {
            otherMessages++;
            if (!m.violations().isEmpty()) {
                fileFindings.accept(diagnosis.malformed(m));
            }
        }
    }

    private void register(CapturedMessage m, MessageFacts f) {
        TransactionKey key = f.transactionKey();
        if (!f.request()) {
            Transaction tx = transactions.get(key);
            if (tx != null) {
                answered(tx, m);
                return;
            }
            RegistrationAttempt a = attempts.computeIfAbsent(f.callId(), RegistrationAttempt::new);
            if (a.aor.isEmpty()) {
                a.aor = f.aor();
            }
            a.orphanResponses++;
            a.add(m);
            return;
        }
        Transaction tx = transactions.get(key);
        if (tx != null && tx.owner instanceof RegistrationAttempt owner) {
            tx.copies.add(m);       // a retransmission (§17.1.2.2, Timer E)
            owner.add(m);
            attempts.get(owner.callId);
            return;
        }
        RegistrationAttempt a = attempts.get(f.callId());
        if (a != null && a.concluded()) {
            conclude(a);
            a = null;
        }
        if (a == null) {
            a = new RegistrationAttempt(f.callId());
            attempts.put(f.callId(), a);
        }
        if (a.aor.isEmpty()) {
            a.aor = f.aor();
        }
        nat.register(f, m.source());
        CseqSeen seen = lastCseq.get(f.callId());
        // A registrar can hold a stale CSeq against a REGISTER only while it keeps the binding (§10.3 step 7),
        // so a Call-ID that comes back after the longest usual binding lifetime starts afresh.
        CseqSeen previous = seen != null && m.timeNanos() - seen.timeNanos <= CSEQ_MEMORY_NANOS ? seen : null;
        // A proxy forwards the REGISTER with its CSeq unchanged under a Via of its own (§16.6 step 8): where both
        // hops are captured (on the proxy, at a span port) that is the same request again, not a new one.
        boolean forwarded = previous != null && f.cseq() == previous.cseq && !previous.sentBy(f);
        // A proxy adds a Via of its own with a new branch; a router that rewrites the phone's Via in place (a SIP
        // ALG) keeps the branch. The two addresses are then the phone on either side of the router's NAT.
        if (forwarded && !f.branch().isEmpty() && f.branch().equals(previous.branch)
                && !m.source().equals(previous.source)) {
            nat.add(previous.source, m.source());
            if (a.algBefore == null) {
                for (Transaction earlier : a.transactions) {
                    if (earlier.request.source().equals(previous.source)
                            && f.branch().equals(earlier.request.facts().branch())) {
                        a.algBefore = earlier.request;
                        a.algAfter = m;
                        break;
                    }
                }
            }
        }
        if (previous != null && !forwarded && f.cseq() >= 0 && f.cseq() <= previous.cseq) {
            a.staleCseq.add(m);
            a.staleCseqPrevious.add(previous.cseq);
        }
        if (f.cseq() >= 0 && !forwarded) {
            if (seen == null) {
                seen = new CseqSeen();
                seen.set(f.cseq(), m.timeNanos(), m);
                lastCseq.put(f.callId(), seen);
            } else {
                seen.set(previous == null ? f.cseq() : Math.max(previous.cseq, f.cseq()), m.timeNanos(), m);
            }
        }
        tx = new Transaction(key, m, a);
        a.transactions.add(tx);
        a.add(m);
        transactions.put(key, tx);
        lastRequest.put(tx.addresses, tx);
    }

    private void options(CapturedMessage m, MessageFacts f) {
        TransactionKey key = f.transactionKey();
        Transaction tx = transactions.get(key);
        if (!f.request()) {
            if (tx != null) {
                answered(tx, m);
            } else {
                otherMessages++;        // the capture began after its OPTIONS
            }
            return;
        }
        if (tx != null) {
            tx.copies.add(m);
            tx.owner.add(m);
            return;
        }
        var pair = new Pair(m.source(), m.destination());
        KeepaliveSeries s = keepalives.get(pair);
        if (s != null && s.transactions.size() >= MAX_KEEPALIVES_PER_SERIES) {
            conclude(s);
            s = null;
        }
        if (s == null) {
            s = new KeepaliveSeries(m.source(), m.destination());
            keepalives.put(pair, s);
        }
        tx = new Transaction(key, m, s);
        s.transactions.add(tx);
        s.add(m);
        transactions.put(key, tx);
        lastRequest.put(tx.addresses, tx);
    }

    /** An ICMP error: matched by the SIP message it quotes, else by the last request between the two addresses. */
    void unreachable(IcmpUnreachable u, SipParser parser) {
        advance(u.timeNanos());
        Transaction tx = null;
        boolean quotesResponse = false;
        byte[] q = u.quotedPayload();
        boolean quotesSip = SipDetector.startsMessage(q, 0, q.length);
        if (quotesSip) {
            ParseResult quoted = parser.parse(q);
            MessageFacts f = quoted instanceof ParseResult.Parsed p ? MessageFacts.of(p.message())
                    : MessageFacts.ofPartial(((ParseResult.Failed) quoted).isRequest(),
                            ((ParseResult.Failed) quoted).method().orElse(""), ((ParseResult.Failed) quoted).partialHeaders());
            tx = transactions.get(f.transactionKey());
            quotesResponse = !f.request();
        }
        if (tx == null && !quotesResponse) {
            tx = lastRequest.get(new Pair(u.quotedSource(), u.quotedDestination()));
        }
        if (tx == null) {
            if (quotesSip) {
                fileFindings.accept(diagnosis.unmatchedUnreachable(u));
            }
            return;
        }
        if (quotesResponse) {
            if (tx.responseUnreachable == null) {
                tx.responseUnreachable = u;
            }
        } else if (tx.unreachable == null) {
            tx.unreachable = u;
        }
        tx.owner.add(u);
    }

    private void answered(Transaction tx, CapturedMessage m) {
        tx.response(m);
        tx.owner.add(m);
        if (tx.owner instanceof RegistrationAttempt a) {
            bound(a, tx.request.facts(), m);
            attempts.get(a.callId);
            if (!a.lingering && a.concluded()) {
                a.lingering = true;
                a.concludedAt = m.timeNanos();
                concluded.add(a);
            }
        }
    }

    /**
     * A 2xx to a REGISTER (§10.3 step 8): its contact is bound for what it granted, or no longer (expires 0). When
     * the binding it renews had run out before, the attempt learns of the gap.
     */
    private void bound(RegistrationAttempt a, MessageFacts request, CapturedMessage response) {
        int status = response.facts().status();
        if (status < 200 || status >= 300 || request.contacts().isEmpty() || request.wildcard()) {
            return;
        }
        MessageFacts.Contact contact = request.contacts().get(0);
        long granted = Diagnosis.grantedExpires(response.facts(), request);
        var key = new BindingKey(request.aor(), contact.uri());
        Binding before = bindings.get(key);
        if (before != null && response.timeNanos() > before.untilNanos() && a.lapsed == null) {
            a.lapsed = before;
        }
        if (granted > 0) {
            bindings.put(key, new Binding(response.timeNanos() + granted * 1_000_000_000L, response.frame(),
                    response.facts().label(), granted));
        } else {
            bindings.remove(key);
        }
    }

    /**
     * Concludes what nothing more can belong to: attempts answered {@link #LINGER_NANOS} ago, attempts silent for
     * {@link #IDLE_NANOS}, keepalive series silent for five minutes. Each check costs only what it concludes.
     */
    private void advance(long time) {
        now = Math.max(now, time);
        if (now - lastSweep < SWEEP_EVERY_NANOS && lastSweep != Long.MIN_VALUE) {
            return;
        }
        lastSweep = now;
        while (!concluded.isEmpty() && now - concluded.peek().concludedAt > LINGER_NANOS) {
            RegistrationAttempt a = concluded.poll();
            if (!a.done) {
                conclude(a);
            }
        }
        List<MessageGroup> idle = new ArrayList<>();
        for (RegistrationAttempt a : attempts.values()) {
            if (now - a.lastActivity <= IDLE_NANOS) {
                break;      // the rest were active more recently
            }
            idle.add(a);
        }
        for (KeepaliveSeries s : keepalives.values()) {
            if (now - s.lastActivity > KEEPALIVE_IDLE_NANOS) {
                idle.add(s);
            }
        }
        idle.sort(Comparator.comparingLong(g -> g.events.get(0).timeNanos()));
        for (MessageGroup g : idle) {
            conclude(g);
        }
    }

    /** End of the capture: every open group is concluded, in the order they began. */
    void finish() {
        List<MessageGroup> open = new ArrayList<>(attempts.values());
        open.addAll(keepalives.values());
        open.sort(Comparator.comparingLong(g -> g.events.get(0).timeNanos()));
        for (MessageGroup g : open) {
            conclude(g);
        }
    }

    private void conclude(MessageGroup g) {
        if (g.done) {
            return;
        }
        g.done = true;
        for (Transaction tx : g.transactions) {
            transactions.remove(tx.key, tx);
            // Only open requests wait for an ICMP error; a concluded group must not be kept alive by this index.
            lastRequest.remove(tx.addresses, tx);
        }
        if (g instanceof RegistrationAttempt a) {
            attempts.remove(a.callId, a);
        } else {
            var s = (KeepaliveSeries) g;
            keepalives.remove(new Pair(s.sender, s.receiver), s);
        }
        // From here on nothing changes the group: it may be diagnosed on another thread.
        conclusions.concluded(g, now);
    }

    private static <K, V> Map<K, V> lru(int capacity) {
        return new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }
}
