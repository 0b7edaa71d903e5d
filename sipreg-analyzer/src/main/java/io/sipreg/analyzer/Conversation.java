package io.sipreg.analyzer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A finished group of messages and what was concluded about it: one registration attempt (the REGISTERs of one
 * Call-ID from the first request to the final answer, through challenges and 423s) or one series of OPTIONS
 * keepalives from one address to another.
 *
 * @param outcome for a registration: registered, unregistered, wrong-credentials, challenge-loop, challenged,
 *                interval-too-brief, no-response, port-unreachable, unreachable, port-mismatch, rejected, queried
 *                or incomplete;
 *                for keepalives: keepalive-ok or keepalive-unanswered
 * @param challenge 401 or 407 when the server challenged, else 0
 * @param setupMs from the first REGISTER to the final answer, or -1 when there was none
 * @param sameParty addresses the capture showed on the other side of a NAT from another address of the ladder,
 *                  each to that one: the ladders draw both as one lane
 */
public record Conversation(Kind kind, String aor, String callId, String outcome, int challenge, double setupMs,
                           List<LadderEvent> events, List<Finding> findings, Map<Endpoint, Endpoint> sameParty) {
    public enum Kind { REGISTRATION, KEEPALIVE }

    public Conversation {
        events = List.copyOf(events);
        findings = List.copyOf(findings);
        sameParty = Map.copyOf(sameParty);
    }

    public Conversation(Kind kind, String aor, String callId, String outcome, int challenge, double setupMs,
                        List<LadderEvent> events, List<Finding> findings) {
        this(kind, aor, callId, outcome, challenge, setupMs, events, findings, Map.of());
    }

    /** The address whose lane {@code e} is drawn in. */
    public Endpoint lane(Endpoint e) {
        return sameParty.getOrDefault(e, e);
    }

    /** A lane's label: its address, and those on the other side of a NAT drawn in it. */
    public String laneLabel(Endpoint lane) {
        var sb = new StringBuilder(lane.toString());
        sameParty.forEach((other, drawnIn) -> {
            if (drawnIn.equals(lane)) {
                sb.append(" = ").append(other);
            }
        });
        return sb.toString();
    }

    public List<Long> frames() {
        var frames = new ArrayList<Long>(events.size());
        for (LadderEvent e : events) {
            frames.add(e.frame());
        }
        return frames;
    }

    public String title() {
        if (kind == Kind.KEEPALIVE) {
            LadderEvent first = events.get(0);
            return "OPTIONS keepalive " + first.source() + " -> " + first.destination();
        }
        return "Registration of " + (aor.isEmpty() ? "(no To)" : aor) + "  Call-ID " + callId;
    }

    /** True when {@code filter} names this conversation's AOR (with or without "sip:") or its Call-ID. */
    public boolean matches(String filter) {
        if (filter.equals(callId) || filter.equalsIgnoreCase(aor)) {
            return true;
        }
        String bare = aor.replaceFirst("(?i)^sips?:", "");
        String filterBare = filter.replaceFirst("(?i)^sips?:", "");
        return !bare.isEmpty() && (bare.equalsIgnoreCase(filterBare)
                || (!filterBare.contains("@") && bare.toLowerCase(java.util.Locale.ROOT)
                        .startsWith(filterBare.toLowerCase(java.util.Locale.ROOT) + "@")));
    }
}
