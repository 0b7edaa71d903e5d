package io.sipreg.analyzer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How a phone found its registrar (RFC 3263 §4): NAPTR records of the domain, SRV records of {@code _sip._udp},
 * {@code _sip._tcp} or {@code _sips._tcp} under it (RFC 2782), then A/AAAA of the target or, without SRV, of the
 * domain itself. A capture with no REGISTER at all often has these lookups failing in it. DNS over UDP port 53 is
 * read (RFC 1035 §4); per phone and domain one finding at the end of the capture: the chain of answers and whether
 * it ended in an address.
 */
final class DnsLookups {
    static final int PORT = 53;
    private static final int A = 1;
    private static final int SRV = 33;
    private static final int NAPTR = 35;
    private static final int AAAA = 28;
    private static final int MAX_PENDING = 10_000;
    private static final int MAX_GROUPS = 1_000;
    private static final int MAX_FRAMES = 16;
    /** A query still unanswered this long before the capture ends got no answer. */
    private static final long PATIENCE_NANOS = Diagnosis.PATIENCE_NANOS;

    private record QueryKey(Endpoint client, Endpoint server, int id) {
    }

    private record Query(String name, int type, long frame, long timeNanos, Group group) {
    }

    private record GroupKey(String clientAddress, String domain) {
    }

    /** The lookups of one phone for one SIP domain, in order. */
    private static final class Group {
        final String domain;
        final Endpoint client;
        Endpoint server;
        final List<String> steps = new ArrayList<>();
        final List<Long> frames = new ArrayList<>();
        boolean addressFound;
        int failures;
        int unanswered;

        Group(String domain, Endpoint client) {
            this.domain = domain;
            this.client = client;
        }
    }

    private final Map<QueryKey, Query> pending = new HashMap<>();
    private final Map<GroupKey, Group> groups = new LinkedHashMap<>();
    /** SRV targets and NAPTR replacements already seen, to the group whose lookup named them. */
    private final Map<String, Group> named = new HashMap<>();

    void udp(long frame, long timeNanos, Endpoint source, Endpoint destination, byte[] d, int at, int len) {
        if (len < 12) {
            return;
        }
        int id = Bytes.u16(d, at);
        int flags = Bytes.u16(d, at + 2);
        boolean response = (flags & 0x8000) != 0;
        if ((flags & 0x7800) != 0 || Bytes.u16(d, at + 4) != 1) {
            return;     // not a standard query (opcode 0) with one question
        }
        int end = at + len;
        var name = new StringBuilder();
        int p = name(d, at, at + 12, end, name);
        if (p < 0 || p + 4 > end) {
            return;
        }
        int type = Bytes.u16(d, p);
        p += 4;
        String qname = name.toString().toLowerCase(java.util.Locale.ROOT);
        if (!response) {
            query(frame, timeNanos, source, destination, id, qname, type);
        } else {
            Query q = pending.remove(new QueryKey(destination, source, id));
            if (q != null) {
                answer(q, frame, flags & 0xF, Bytes.u16(d, at + 6), d, at, p, end);
            }
        }
    }

    private void query(long frame, long timeNanos, Endpoint client, Endpoint server, int id, String name, int type) {
        // A name an earlier answer gave (an SRV target, a NAPTR replacement) continues that lookup's chain.
        Group chained = named.get(name);
        Group group = switch (type) {
            case NAPTR -> group(client, name);
            case SRV -> chained != null ? chained : name.startsWith("_sip._") || name.startsWith("_sips._")
                    ? group(client, name.substring(name.indexOf('.', name.indexOf('.') + 1) + 1)) : null;
            case A, AAAA -> chained != null ? chained : groups.get(new GroupKey(client.address(), name));
            default -> null;
        };
        if (group == null || pending.size() >= MAX_PENDING) {
            return;
        }
        group.server = server;
        pending.put(new QueryKey(client, server, id), new Query(name, type, frame, timeNanos, group));
        if (group.frames.size() < MAX_FRAMES) {
            group.frames.add(frame);
        }
    }

    private Group group(Endpoint client, String domain) {
        var key = new GroupKey(client.address(), domain);
        Group g = groups.get(key);
        if (g == null && groups.size() < MAX_GROUPS) {
            g = new Group(domain, client);
            groups.put(key, g);
        }
        return g;
    }

    private void answer(Query q, long frame, int rcode, int answers, byte[] d, int message, int p, int end) {
        Group g = q.group;
        if (g.frames.size() < MAX_FRAMES) {
            g.frames.add(frame);
        }
        String asked = typeName(q.type) + " " + q.name;
        if (rcode != 0) {
            g.failures++;
            g.steps.add(asked + ": " + rcodeName(rcode));
            return;
        }
        var results = new ArrayList<String>();
        for (int i = 0; i < answers && p >= 0 && p < end; i++) {
            p = name(d, message, p, end, new StringBuilder());
            if (p < 0 || p + 10 > end) {
                break;
            }
            int type = Bytes.u16(d, p);
            int length = Bytes.u16(d, p + 8);
            int rdata = p + 10;
            p = rdata + length;
            if (p > end || type != q.type) {
                continue;   // a CNAME on the way, or damage
            }
            String result = record(type, d, message, rdata, p, g);
            if (result != null) {
                results.add(result);
            }
        }
        if (results.isEmpty()) {
            g.steps.add(asked + ": no such record (NOERROR, empty)");
        } else {
            g.steps.add(asked + " -> " + String.join(", ", results));
            if (q.type == A || q.type == AAAA) {
                g.addressFound = true;
            }
        }
    }

    /** One resource record's data, as a phone would use it; SRV targets and NAPTR replacements are remembered. */
    private String record(int type, byte[] d, int message, int at, int end, Group g) {
        switch (type) {
            case A -> {
                return end - at == 4 ? Endpoint.ipv4(d, at, 0).address() : null;
            }
            case AAAA -> {
                return end - at == 16 ? Endpoint.ipv6(d, at, 0).address() : null;
            }
            case SRV -> {
                if (end - at < 7) {
                    return null;
                }
                var target = new StringBuilder();
                if (name(d, message, at + 6, end, target) < 0) {
                    return null;
                }
                String host = target.toString().toLowerCase(java.util.Locale.ROOT);
                if (host.isEmpty()) {
                    return "\".\" (RFC 2782: the service is decidedly not available here)";
                }
                return host + ":" + Bytes.u16(d, at + 4) + " (priority " + Bytes.u16(d, at) + ", weight "
                        + Bytes.u16(d, at + 2) + ")" + remember(host, g);
            }
            case NAPTR -> {
                int p = at + 4;
                var texts = new ArrayList<String>(3);
                for (int i = 0; i < 3 && p < end; i++) {
                    int n = d[p] & 0xFF;
                    if (p + 1 + n > end) {
                        return null;
                    }
                    texts.add(new String(d, p + 1, n, java.nio.charset.StandardCharsets.ISO_8859_1));
                    p += 1 + n;
                }
                var replacement = new StringBuilder();
                if (texts.size() < 3 || name(d, message, p, end, replacement) < 0) {
                    return null;
                }
                String service = texts.get(1);
                if (!service.toUpperCase(java.util.Locale.ROOT).startsWith("SIP")) {
                    return null;        // ENUM and other services beside SIP
                }
                String next = replacement.toString().toLowerCase(java.util.Locale.ROOT);
                return service + " " + next + " (order " + Bytes.u16(d, at) + ")" + remember(next, g);
            }
            default -> {
                return null;
            }
        }
    }

    /** The next lookups of {@code name} (an SRV target, a NAPTR replacement) belong to {@code g}'s chain. */
    private String remember(String name, Group g) {
        if (named.size() < MAX_PENDING) {
            named.putIfAbsent(name, g);
        }
        return "";
    }

    /** One finding per phone and domain, for the end of the capture at {@code endNanos}. */
    void conclude(long endNanos, Consumer<Finding> out) {
        for (Query q : pending.values()) {
            if (endNanos - q.timeNanos >= PATIENCE_NANOS) {
                q.group.unanswered++;
                q.group.steps.add(typeName(q.type) + " " + q.name + ": no answer");
            }
        }
        for (Group g : groups.values()) {
            if (g.steps.isEmpty()) {
                continue;
            }
            String chain = String.join("; ", g.steps);
            String who = "The phone at " + g.client.address() + " looked up the registrar of " + g.domain
                    + (g.server != null ? " with the DNS server " + g.server : "") + " (RFC 3263): " + chain + ".";
            if (g.addressFound) {
                out.accept(new Finding("dns-resolved", Severity.INFO, who, g.frames));
            } else {
                out.accept(new Finding("dns-failed", Severity.ERROR, who + " No lookup gave an address, so the phone"
                        + " cannot find its registrar by DNS" + (g.unanswered > 0 && g.failures == 0
                        ? ": the DNS server did not answer (a firewall, or the wrong server)."
                        : ": publish the records (or fix them), or give the phone the registrar's address."),
                        g.frames));
            }
        }
    }

    /**
     * Reads a domain name at {@code at} (RFC 1035 §4.1.4: labels, or a pointer into the message); returns where the
     * name ends in place, or -1 when it is damaged. Pointers may only go backwards, so a loop cannot form.
     */
    private static int name(byte[] d, int message, int at, int end, StringBuilder out) {
        int p = at;
        int resume = -1;
        int limit = at;
        for (int hops = 0; hops < 64; hops++) {
            if (p >= end) {
                return -1;
            }
            int n = d[p] & 0xFF;
            if (n == 0) {
                return resume >= 0 ? resume : p + 1;
            }
            if ((n & 0xC0) == 0xC0) {
                if (p + 1 >= end) {
                    return -1;
                }
                int target = message + ((n & 0x3F) << 8 | (d[p + 1] & 0xFF));
                if (resume < 0) {
                    resume = p + 2;
                }
                if (target >= limit) {
                    return -1;
                }
                limit = target;
                p = target;
                continue;
            }
            if ((n & 0xC0) != 0 || p + 1 + n > end || out.length() + n > 255) {
                return -1;
            }
            if (out.length() > 0) {
                out.append('.');
            }
            Bytes.printable(out, d, p + 1, n);
            p += 1 + n;
        }
        return -1;
    }

    private static String typeName(int type) {
        return switch (type) {
            case A -> "A";
            case AAAA -> "AAAA";
            case SRV -> "SRV";
            case NAPTR -> "NAPTR";
            default -> "type " + type;
        };
    }

    private static String rcodeName(int rcode) {
        return switch (rcode) {
            case 1 -> "FORMERR (the server could not read the query)";
            case 2 -> "SERVFAIL (the server failed)";
            case 3 -> "NXDOMAIN (no such name)";
            case 4 -> "NOTIMP";
            case 5 -> "REFUSED (the server does not answer this phone)";
            default -> "error " + rcode;
        };
    }
}
