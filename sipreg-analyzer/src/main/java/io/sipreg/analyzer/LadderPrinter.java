package io.sipreg.analyzer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws a conversation as a text sequence diagram, like sngrep's call flow: one lane per address, one arrow per
 * message with its time (seconds from the first message) and frame number, and the key headers after the lanes.
 */
final class LadderPrinter {
    private static final int PREFIX = 20;

    private LadderPrinter() {
    }

    static List<String> draw(Conversation c) {
        List<Endpoint> lanes = lanes(c, c.events());
        int width = laneWidth(c, lanes, c.events());
        int span = PREFIX + (lanes.size() - 1) * width + 1;
        var lines = new ArrayList<String>();
        lines.add(header(c, lanes, width, span));
        lines.add(new String(row(lanes, width, span)).stripTrailing());
        long t0 = c.events().get(0).timeNanos();
        for (LadderEvent e : c.events()) {
            char[] row = row(lanes, width, span);
            String prefix = prefix(e.timeNanos() - t0, e.frame());
            prefix.getChars(0, Math.min(prefix.length(), PREFIX - 1), row, 0);
            int from = x(lanes.indexOf(c.lane(e.source())), width);
            int to = x(lanes.indexOf(c.lane(e.destination())), width);
            arrow(row, from, to, label(e));
            lines.add(new String(row) + "  " + details(e));
        }
        return lines;
    }

    /**
     * "{@code %10.3f %7d}" of the seconds since the first message and the frame number, written out: the ladder of
     * every registration has a line per message, and String.format took a large share of the text report's time.
     * Rounding is half-up on the exact milliseconds, as %.3f rounds a double that prints as that decimal.
     */
    static String prefix(long nanos, long frame) {
        long millis = (Math.abs(nanos) + 500_000) / 1_000_000;
        String fraction = Long.toString(1000 + millis % 1000).substring(1);
        String seconds = (nanos < 0 ? "-" : "") + millis / 1000 + "." + fraction;
        String number = Long.toString(frame);
        return " ".repeat(Math.max(0, 10 - seconds.length())) + seconds + " "
                + " ".repeat(Math.max(0, 7 - number.length())) + number;
    }

    /**
     * Addresses in order of first appearance, each message's source before its destination; the two sides of a NAT
     * the capture showed are one lane ({@link Conversation#lane}).
     */
    static List<Endpoint> lanes(Conversation c, List<LadderEvent> events) {
        Map<Endpoint, Boolean> seen = new LinkedHashMap<>();
        for (LadderEvent e : events) {
            seen.putIfAbsent(c.lane(e.source()), true);
            seen.putIfAbsent(c.lane(e.destination()), true);
        }
        return new ArrayList<>(seen.keySet());
    }

    private static int laneWidth(Conversation c, List<Endpoint> lanes, List<LadderEvent> events) {
        int w = 24;
        for (Endpoint e : lanes) {
            w = Math.max(w, c.laneLabel(e).length() + 4);
        }
        for (LadderEvent e : events) {
            w = Math.max(w, Math.min(label(e).length() + 8, 40));
        }
        return Math.min(w, 48);
    }

    private static int x(int lane, int width) {
        return PREFIX + lane * width;
    }

    private static String header(Conversation c, List<Endpoint> lanes, int width, int span) {
        var sb = new StringBuilder("      time   frame");
        for (int i = 0; i < lanes.size(); i++) {
            String label = c.laneLabel(lanes.get(i));
            int start = Math.max(x(i, width) - label.length() / 2, sb.length() + (i == 0 ? 1 : 2));
            sb.append(" ".repeat(start - sb.length())).append(label);
        }
        return sb.toString();
    }

    private static char[] row(List<Endpoint> lanes, int width, int span) {
        char[] row = new char[span];
        java.util.Arrays.fill(row, ' ');
        for (int i = 0; i < lanes.size(); i++) {
            row[x(i, width)] = '|';
        }
        return row;
    }

    private static void arrow(char[] row, int from, int to, String label) {
        if (from == to) {
            return;
        }
        int lo = Math.min(from, to) + 1;
        int hi = Math.max(from, to) - 1;
        for (int i = lo; i <= hi; i++) {
            row[i] = '-';
        }
        if (to > from) {
            row[hi] = '>';
        } else {
            row[lo] = '<';
        }
        int room = hi - lo - 3;
        String text = label.length() > room ? label.substring(0, Math.max(room, 0)) : label;
        int start = lo + 2 + (room - text.length()) / 2;
        row[start - 1] = ' ';
        text.getChars(0, text.length(), row, start);
        row[start + text.length()] = ' ';
    }

    static String label(LadderEvent e) {
        if (e instanceof IcmpUnreachable u) {
            return "ICMP " + u.reason();
        }
        var m = (CapturedMessage) e;
        return m.facts().label().isEmpty() ? "(unreadable)" : m.facts().label();
    }

    /** The key headers: CSeq, challenge realm and algorithm, credentials' user, Contact and expires, Via. */
    static String details(LadderEvent e) {
        if (e instanceof IcmpUnreachable u) {
            return "from " + u.reporter().address() + ", quoting " + u.quotedTransport().lowerCase() + " "
                    + u.quotedSource() + " -> " + u.quotedDestination();
        }
        var m = (CapturedMessage) e;
        MessageFacts f = m.facts();
        var parts = new ArrayList<String>();
        if (m.transport() == Transport.TCP) {
            parts.add("tcp");
        }
        if (f.cseq() >= 0) {
            parts.add("CSeq " + f.cseq());
        }
        for (MessageFacts.Challenge c : f.challenges()) {
            parts.add((c.header().startsWith("Proxy") ? "Proxy-" : "") + "realm \"" + c.realm() + "\" "
                    + (c.algorithm().isEmpty() ? "MD5" : c.algorithm()) + (c.stale() ? " stale" : ""));
        }
        if (f.hasCredentials()) {
            parts.add("auth user \"" + f.username() + "\"" + (f.credentialsRealm().isEmpty() ? ""
                    : " realm \"" + f.credentialsRealm() + "\""));
        }
        if (f.wildcard()) {
            parts.add("Contact *");
        }
        for (MessageFacts.Contact c : f.contacts()) {
            parts.add("Contact " + c.uri() + (c.expires() >= 0 ? ";expires=" + c.expires() : ""));
        }
        if (f.expires() >= 0) {
            parts.add("Expires " + f.expires());
        }
        if (f.minExpires() >= 0) {
            parts.add("Min-Expires " + f.minExpires());
        }
        if (!f.viaHost().isEmpty()) {
            String sentBy = f.viaHost() + (f.viaPort() >= 0 ? ":" + f.viaPort() : "");
            String rport = f.rport() == -2 ? " no-rport" : f.rport() == -1 ? " rport" : " rport=" + f.rport();
            parts.add("Via " + sentBy + (f.received().isEmpty() ? "" : " received=" + f.received()) + rport);
        }
        if (!m.violations().isEmpty()) {
            parts.add((m.parsed() ? "VIOLATION " : "MALFORMED ") + m.violations().get(0).violation().reason());
        }
        return String.join("  ", parts);
    }
}
