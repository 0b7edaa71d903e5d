package io.sipreg.analyzer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts each direction of each TCP connection back in order (RFC 9293 §3.4, sequence numbers modulo 2^32) and
 * hands the bytes to that direction's {@link SipStreamFramer}. Retransmitted bytes are dropped, segments that
 * arrive early wait for the hole before them, and overlapping segments contribute only their new bytes.
 *
 * <p>Memory is bounded: a direction holds at most {@link #MAX_OUT_OF_ORDER} bytes of early segments (past that,
 * the hole is taken as lost and the framer resynchronises), at most {@link #MAX_STREAMS} directions are tracked
 * (the least recently used is dropped), and a direction idle for five minutes of capture time is forgotten.
 * Only directions that have carried SIP are tracked at all.
 */
final class TcpStreamReassembler {
    static final int MAX_OUT_OF_ORDER = 256 * 1024;
    static final int MAX_STREAMS = 65_536;
    private static final long IDLE_NANOS = 300_000_000_000L;

    /** One direction of a connection. */
    record Direction(Endpoint source, Endpoint destination) {
    }

    /** Receives the stream bytes of one direction, in order. */
    interface Sink {
        void bytes(Direction direction, SipStreamFramer framer, byte[] d, int at, int len);

        /** The connection closed (FIN or RST) with {@code leftover} bytes of an unfinished message. */
        void closed(Direction direction, int leftover);
    }

    private record Segment(int sequence, byte[] data) {
    }

    private static final class State {
        final SipStreamFramer framer;
        int next;
        long lastSeen;
        final List<Segment> early = new ArrayList<>(2);
        int earlyBytes;

        State(SipStreamFramer framer, int next) {
            this.framer = framer;
            this.next = next;
        }
    }

    private final Map<Direction, State> streams = new LinkedHashMap<>(256, 0.75f, true);
    private final java.util.function.Supplier<SipStreamFramer> framers;
    private long retransmitted;
    private long outOfOrder;
    private long gaps;

    TcpStreamReassembler(java.util.function.Supplier<SipStreamFramer> framers) {
        this.framers = framers;
    }

    /**
     * One segment. {@code looksLikeSip} tells whether its payload starts a SIP message; a direction not tracked
     * yet is tracked from its SYN, or from the first segment that looks like SIP.
     */
    void segment(Endpoint source, Endpoint destination, int sequence, int flags, byte[] d, int at, int len,
                 boolean looksLikeSip, long timeNanos, Sink sink) {
        var direction = new Direction(source, destination);
        State s = streams.get(direction);
        if ((flags & PacketDecoder.TCP_SYN) != 0) {
            if (s != null) {
                closeState(direction, s, sink);
            }
            s = track(direction, sequence + 1);
            sequence++;
        } else if (s == null) {
            if (!looksLikeSip || len == 0) {
                return;
            }
            s = track(direction, sequence);     // joined in the middle: start at this segment
        }
        s.lastSeen = timeNanos;
        if (len > 0) {
            accept(direction, s, sequence, d, at, len, sink);
        }
        if ((flags & (PacketDecoder.TCP_FIN | PacketDecoder.TCP_RST)) != 0) {
            streams.remove(direction);
            closeState(direction, s, sink);
        }
    }

    private State track(Direction direction, int next) {
        if (streams.size() >= MAX_STREAMS) {
            Iterator<State> lru = streams.values().iterator();
            lru.next();
            lru.remove();
        }
        var s = new State(framers.get(), next);
        streams.put(direction, s);
        return s;
    }

    private void accept(Direction direction, State s, int sequence, byte[] d, int at, int len, Sink sink) {
        int delta = sequence - s.next;
        if (delta < 0) {
            if (-delta >= len) {
                retransmitted++;     // every byte already delivered: a retransmission
                return;
            }
            retransmitted++;
            at -= delta;
            len += delta;
            delta = 0;
        }
        if (delta > 0) {
            outOfOrder++;
            s.early.add(new Segment(sequence, java.util.Arrays.copyOfRange(d, at, at + len)));
            s.earlyBytes += len;
            if (s.earlyBytes <= MAX_OUT_OF_ORDER) {
                return;
            }
            // The hole was never filled: the capture lost those bytes. Skip it; the framer resynchronises.
            gaps++;
            s.framer.gap();
            s.next = earliest(s);
        } else {
            deliver(direction, s, d, at, len, sink);
        }
        drainEarly(direction, s, sink);
    }

    private void deliver(Direction direction, State s, byte[] d, int at, int len, Sink sink) {
        s.next += len;
        sink.bytes(direction, s.framer, d, at, len);
    }

    private static int earliest(State s) {
        int best = s.early.get(0).sequence();
        for (Segment g : s.early) {
            if (g.sequence() - best < 0) {
                best = g.sequence();
            }
        }
        return best;
    }

    /** Delivers early segments that the hole before them no longer separates from the stream. */
    private void drainEarly(Direction direction, State s, Sink sink) {
        boolean progress = true;
        while (progress && !s.early.isEmpty()) {
            progress = false;
            for (Iterator<Segment> it = s.early.iterator(); it.hasNext(); ) {
                Segment g = it.next();
                int delta = g.sequence() - s.next;
                if (delta > 0) {
                    continue;
                }
                it.remove();
                s.earlyBytes -= g.data().length;
                progress = true;
                if (-delta < g.data().length) {
                    deliver(direction, s, g.data(), -delta, g.data().length + delta, sink);
                } else {
                    retransmitted++;
                }
            }
        }
    }

    private void closeState(Direction direction, State s, Sink sink) {
        if (!s.early.isEmpty()) {
            gaps++;
        }
        sink.closed(direction, s.framer.close());
    }

    /** Forgets directions idle for five minutes of capture time. */
    void expire(long nowNanos) {
        Iterator<State> it = streams.values().iterator();
        while (it.hasNext()) {
            State s = it.next();
            if (nowNanos - s.lastSeen > IDLE_NANOS) {
                it.remove();
            }
        }
    }

    long retransmittedSegments() {
        return retransmitted;
    }

    long outOfOrderSegments() {
        return outOfOrder;
    }

    /** Holes that were never filled: bytes the capture does not have. */
    long gaps() {
        return gaps;
    }
}
