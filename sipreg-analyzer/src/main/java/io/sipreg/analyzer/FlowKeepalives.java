package io.sipreg.analyzer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The keepalives a phone sends on its own flow to keep its NAT binding open, beside the server's OPTIONS: RFC 5626
 * §4.4.1 CRLF pings over TCP (a double CRLF, answered by a single CRLF pong), §4.4.2 STUN Binding requests over UDP
 * on the SIP 5-tuple (RFC 5389, answered by a success response with the same transaction id), and the one-way
 * CRLF datagrams many phones send over UDP, which nothing answers. They are not SIP messages, so they are told
 * here, one finding per flow at the end of the capture: how often, and whether they were answered.
 */
final class FlowKeepalives {
    private static final int STUN_HEADER = 20;
    private static final int STUN_MAGIC_COOKIE = 0x2112A442;
    private static final int BINDING_REQUEST = 0x0001;
    private static final int BINDING_SUCCESS = 0x0101;
    /**
     * A keepalive still unanswered this long before the capture ends got no answer (RFC 5626 §4.4.2 gives a STUN
     * answer 10 s at most before the flow counts as failed; on a working path it takes milliseconds).
     */
    private static final long PATIENCE_NANOS = Diagnosis.PATIENCE_NANOS;
    private static final int MAX_FLOWS = 10_000;
    private static final int MAX_FRAMES = 12;

    private enum Kind {
        STUN("STUN Binding requests (RFC 5626 §4.4.2)"),
        CRLF_TCP("CRLF pings over TCP (RFC 5626 §4.4.1)"),
        CRLF_UDP("CRLF datagrams");

        final String text;

        Kind(String text) {
            this.text = text;
        }
    }

    private record Flow(Endpoint phone, Endpoint server, Kind kind) {
    }

    private static final class Series {
        long sent;
        long answered;
        long firstNanos;
        long lastNanos;
        final List<Long> frames = new ArrayList<>();
        /** The keepalives not answered yet, oldest first: a STUN transaction id, or null for a CRLF ping. */
        final List<Waiting> waiting = new ArrayList<>();
    }

    private record Waiting(byte[] stunId, long timeNanos) {
    }

    private final Map<Flow, Series> flows = new LinkedHashMap<>();

    /** Cheap enough for every UDP payload that is no SIP message: could it be a STUN message or CRLFs? */
    static boolean candidate(byte[] d, int at, int len) {
        return len >= 2 && (d[at] == '\r' || d[at] == '\n')
                || len >= STUN_HEADER && (d[at] & 0xC0) == 0 && Bytes.i32(d, at + 4) == STUN_MAGIC_COOKIE;
    }

    /** A UDP payload that is no SIP message: true when it is a keepalive (STUN or CRLF) and was counted. */
    boolean udp(long frame, long timeNanos, Endpoint source, Endpoint destination, byte[] d, int at, int len) {
        if (isCrlf(d, at, len) && len >= 2) {
            Series s = series(new Flow(source, destination, Kind.CRLF_UDP), timeNanos);
            if (s != null) {
                sent(s, frame, timeNanos);
            }
            return true;
        }
        if (len < STUN_HEADER || (d[at] & 0xC0) != 0 || Bytes.i32(d, at + 4) != STUN_MAGIC_COOKIE
                || Bytes.u16(d, at + 2) != len - STUN_HEADER) {
            return false;
        }
        int type = Bytes.u16(d, at);
        byte[] id = Arrays.copyOfRange(d, at + 8, at + STUN_HEADER);
        if (type == BINDING_REQUEST) {
            Series s = series(new Flow(source, destination, Kind.STUN), timeNanos);
            if (s != null) {
                sent(s, frame, timeNanos);
                s.waiting.add(new Waiting(id, timeNanos));
            }
        } else if (type == BINDING_SUCCESS) {
            Series s = flows.get(new Flow(destination, source, Kind.STUN));
            if (s != null) {
                for (int i = 0; i < s.waiting.size(); i++) {
                    if (Arrays.equals(s.waiting.get(i).stunId(), id)) {
                        s.waiting.remove(i);
                        answered(s, frame);
                        break;
                    }
                }
            }
        }
        return true;
    }

    /** A TCP segment that is nothing but CRLFs: a ping (two or more) or a pong (one). */
    void tcp(long frame, long timeNanos, Endpoint source, Endpoint destination, byte[] d, int at, int len) {
        if (len == 0 || len > 4 || !isCrlf(d, at, len)) {
            return;
        }
        if (len >= 4) {
            Series s = series(new Flow(source, destination, Kind.CRLF_TCP), timeNanos);
            if (s != null) {
                sent(s, frame, timeNanos);
                s.waiting.add(new Waiting(null, timeNanos));
            }
        } else {
            Series s = flows.get(new Flow(destination, source, Kind.CRLF_TCP));
            if (s != null && !s.waiting.isEmpty()) {
                s.waiting.remove(0);        // a pong answers the oldest ping (§4.4.1)
                answered(s, frame);
            }
        }
    }

    /** One finding per flow, for the end of the capture, {@code endNanos}. */
    void conclude(long endNanos, Consumer<Finding> out) {
        for (var e : flows.entrySet()) {
            Flow flow = e.getKey();
            Series s = e.getValue();
            String every = s.sent > 1 ? ", every " + Diagnosis.duration((s.lastNanos - s.firstNanos) / (s.sent - 1))
                    : "";
            String head = flow.phone + " keeps its flow to " + flow.server + " open with " + flow.kind.text + ": "
                    + s.sent + " sent" + every;
            long unanswered = s.waiting.stream().filter(w -> endNanos - w.timeNanos() >= PATIENCE_NANOS).count();
            if (flow.kind == Kind.CRLF_UDP) {
                out.accept(new Finding("keepalive-ok", Severity.INFO, head + ". Nothing answers them: they keep a"
                        + " NAT binding open, but do not tell the phone whether the server still hears it.",
                        s.frames));
            } else if (unanswered > 0) {
                out.accept(new Finding("keepalive-unanswered", Severity.ERROR, head + ", " + s.answered
                        + " answered; " + (unanswered == 1 ? "one" : Long.toString(unanswered)) + " got no answer"
                        + " within " + Diagnosis.duration(PATIENCE_NANOS) + ". The flow is broken (a NAT binding"
                        + " lost, the server gone or a firewall between): the phone must register again over a new"
                        + " flow (RFC 5626 §4.4).", s.frames));
            } else {
                out.accept(new Finding("keepalive-ok", Severity.INFO, head + ", " + s.answered + " answered"
                        + (s.answered == s.sent ? " (all)" : "") + ".", s.frames));
            }
        }
    }

    private Series series(Flow flow, long timeNanos) {
        Series s = flows.get(flow);
        if (s == null) {
            if (flows.size() >= MAX_FLOWS) {
                return null;
            }
            s = new Series();
            s.firstNanos = timeNanos;
            flows.put(flow, s);
        }
        return s;
    }

    private static void sent(Series s, long frame, long timeNanos) {
        s.sent++;
        s.lastNanos = timeNanos;
        if (s.frames.size() < MAX_FRAMES) {
            s.frames.add(frame);
        }
    }

    private static void answered(Series s, long frame) {
        s.answered++;
        if (s.frames.size() < MAX_FRAMES) {
            s.frames.add(frame);
        }
    }

    private static boolean isCrlf(byte[] d, int at, int len) {
        for (int i = at; i < at + len; i++) {
            if (d[i] != '\r' && d[i] != '\n') {
                return false;
            }
        }
        return true;
    }
}
