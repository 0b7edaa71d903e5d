package io.sipreg.client;

import io.sipreg.transport.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Finds the registrar's transport, address and port from the host, port and transport of its SIP URI (RFC 3263 §4).
 * Targets come back in the order to try: the client sends to the first and moves to the next on failure.
 */
public final class RegistrarLocator {
    private static final int SIP_PORT = 5060;
    private static final int SIPS_PORT = 5061;
    private static final Pattern IPV4 =
            Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    /** RFC 3263 §4.1: the NAPTR service of each transport. */
    private static final Map<Transport, String> SERVICES = Map.of(
            Transport.UDP, "SIP+D2U", Transport.TCP, "SIP+D2T", Transport.TLS, "SIPS+D2T");
    /** RFC 3263 §4.1: each transport's SRV prefix, queried when there is no NAPTR or the transport is given. */
    private static final Map<Transport, String> SRV_PREFIXES = Map.of(
            Transport.UDP, "_sip._udp", Transport.TCP, "_sip._tcp", Transport.TLS, "_sips._tcp");
    /** RFC 3263 §4.1: without NAPTR "the client MAY use any transport protocol it desires"; we try this order. */
    private static final List<Transport> PREFERENCE = List.of(Transport.UDP, Transport.TCP, Transport.TLS);

    private final DnsLookup dns;
    private final RandomGenerator random;

    public RegistrarLocator(DnsLookup dns) {
        this(dns, RandomGenerator.getDefault());
    }

    /** {@code random} drives the RFC 2782 weighted choice among SRV records of equal priority. */
    public RegistrarLocator(DnsLookup dns, RandomGenerator random) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * The targets for {@code host} (a domain name or an IP literal, IPv6 possibly in brackets), best first.
     *
     * @throws RegistrarNotFoundException if DNS fails or yields no address, saying what was looked up
     * @throws IllegalArgumentException if {@code host} is in brackets but not IPv6, or {@code port} is out of range
     */
    public List<RegistrarTarget> locate(String host, OptionalInt port, Optional<Transport> transport) {
        Objects.requireNonNull(host, "host");
        if (port.isPresent() && (port.getAsInt() < 1 || port.getAsInt() > 65_535)) {
            throw new IllegalArgumentException("port must be 1-65535, was " + port.getAsInt());
        }
        Optional<InetAddress> literal = numericAddress(host);
        if (literal.isPresent()) {
            // §4.1: a numeric host needs no DNS; its transport is the given one or UDP. §4.2: the default port.
            Transport chosen = transport.orElse(Transport.UDP);
            // The literal as the user wrote it (without brackets) is the name a TLS certificate must carry.
            String written = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return List.of(new RegistrarTarget(chosen,
                    new InetSocketAddress(literal.get(), port.orElse(defaultPort(chosen))), written));
        }
        List<String> missing = new ArrayList<>();
        try {
            // §4.2: with an explicit port only the host's own addresses count, no NAPTR or SRV.
            List<RegistrarTarget> targets = port.isPresent()
                    ? addressTargets(host, transport.orElse(Transport.UDP), port.getAsInt(), host, missing)
                    : serviceTargets(host, transport, missing);
            if (targets.isEmpty()) {
                throw new RegistrarNotFoundException(
                        "no registrar found for " + host + ": " + String.join(", ", missing));
            }
            return targets;
        } catch (DnsException e) {
            throw new RegistrarNotFoundException("DNS lookup of " + host + " failed: " + e.getMessage(), e);
        }
    }

    /** §4.1 NAPTR (unless the transport is given), then §4.2 SRV, falling back to the host's A/AAAA. */
    private List<RegistrarTarget> serviceTargets(String host, Optional<Transport> transport, List<String> missing)
            throws DnsException {
        Map<String, Transport> srvNames = transport.isPresent()
                ? Map.of(SRV_PREFIXES.get(transport.get()) + "." + host, transport.get())
                : naptrServices(host, missing);
        if (srvNames.isEmpty()) {
            // §4.1: "If no NAPTR records are found, the client constructs SRV queries for those transport
            // protocols it supports".
            srvNames = new LinkedHashMap<>();
            for (Transport each : PREFERENCE) {
                srvNames.put(SRV_PREFIXES.get(each) + "." + host, each);
            }
        }
        List<RegistrarTarget> targets = new ArrayList<>();
        List<String> withoutSrv = new ArrayList<>();
        for (Map.Entry<String, Transport> srvName : srvNames.entrySet()) {
            String label = relativeTo(host, srvName.getKey());
            List<SrvRecord> records = dns.srv(srvName.getKey());
            if (records.isEmpty()) {
                withoutSrv.add(label);
            } else if (records.stream().allMatch(SrvRecord::offersNoService)) {
                missing.add(label + " not offered (SRV target \".\")");
            }
            for (SrvRecord record : byPriorityAndWeight(records)) {
                targets.addAll(addressTargets(record.target(), srvName.getValue(), record.port(), host, missing));
            }
        }
        if (withoutSrv.size() == srvNames.size()) {
            missing.add("no SRV (" + String.join(", ", withoutSrv) + ")");
            // §4.2: "If no SRV records were found, the client performs an A or AAAA record lookup of the domain
            // name" and contacts it "using the transport protocol determined previously, at the default port".
            Transport chosen = srvNames.values().iterator().next();
            return addressTargets(host, chosen, defaultPort(chosen), host, missing);
        }
        return targets;
    }

    /**
     * §4.1: the SRV names of NAPTR records for the services we speak with flag "s", by order then preference, each
     * mapped to its transport.
     */
    private Map<String, Transport> naptrServices(String host, List<String> missing) throws DnsException {
        List<NaptrRecord> records = dns.naptr(host);
        Map<String, Transport> srvNames = new LinkedHashMap<>();
        records.stream()
                .filter(record -> record.flags().equalsIgnoreCase("s") && !record.replacement().equals("."))
                .sorted(Comparator.comparingInt(NaptrRecord::order).thenComparingInt(NaptrRecord::preference))
                .forEach(record -> transportOf(record.service())
                        .ifPresent(transport -> srvNames.putIfAbsent(record.replacement(), transport)));
        if (records.isEmpty()) {
            missing.add("no NAPTR");
        } else if (srvNames.isEmpty()) {
            missing.add("no NAPTR for " + PREFERENCE.stream().map(SERVICES::get).collect(Collectors.joining(", ")));
        }
        return srvNames;
    }

    /** {@code _sip._udp} for {@code _sip._udp.example.com} and host {@code example.com}; other names whole. */
    private static String relativeTo(String host, String name) {
        return name.endsWith("." + host) ? name.substring(0, name.length() - host.length() - 1) : name;
    }

    private static Optional<Transport> transportOf(String service) {
        return SERVICES.entrySet().stream()
                .filter(entry -> entry.getValue().equalsIgnoreCase(service))
                .map(Map.Entry::getKey)
                .findFirst();
    }

    /**
     * RFC 2782 "Usage rules": lowest priority first; within a priority, repeatedly pick a record with probability
     * proportional to its weight (weight-0 records first in the running sum, so they are rarely picked early).
     * Targets of "." offer no service and are dropped.
     */
    private List<SrvRecord> byPriorityAndWeight(List<SrvRecord> records) {
        Map<Integer, List<SrvRecord>> byPriority = new TreeMap<>();
        for (SrvRecord record : records) {
            if (!record.offersNoService()) {
                byPriority.computeIfAbsent(record.priority(), priority -> new ArrayList<>()).add(record);
            }
        }
        List<SrvRecord> ordered = new ArrayList<>();
        for (List<SrvRecord> remaining : byPriority.values()) {
            remaining.sort(Comparator.comparing(record -> record.weight() != 0));
            while (!remaining.isEmpty()) {
                int totalWeight = remaining.stream().mapToInt(SrvRecord::weight).sum();
                int chosen = random.nextInt(totalWeight + 1);
                int runningSum = 0;
                for (int i = 0; i < remaining.size(); i++) {
                    runningSum += remaining.get(i).weight();
                    if (runningSum >= chosen) {
                        ordered.add(remaining.remove(i));
                        break;
                    }
                }
            }
        }
        return ordered;
    }

    /** The A then AAAA addresses of {@code name}, each a target with {@code transport} and {@code port}. */
    private List<RegistrarTarget> addressTargets(String name, Transport transport, int port, String host,
            List<String> missing) throws DnsException {
        List<RegistrarTarget> targets = new ArrayList<>();
        for (InetAddress address : dns.addresses(name)) {
            targets.add(new RegistrarTarget(transport, new InetSocketAddress(address, port), host));
        }
        if (targets.isEmpty()) {
            missing.add(name.equals(host) ? "no A/AAAA" : "no A/AAAA for " + name);
        }
        return targets;
    }

    /** RFC 3263 §4.2: 5060 for UDP and TCP, 5061 for TLS. */
    private static int defaultPort(Transport transport) {
        return transport == Transport.TLS ? SIPS_PORT : SIP_PORT;
    }

    /**
     * The address of an IPv4 or IPv6 literal, IPv6 possibly in brackets; empty for a domain name. Only text already
     * known to be numeric reaches {@link InetAddress#getByName}, so this never queries DNS.
     */
    private static Optional<InetAddress> numericAddress(String host) {
        boolean bracketed = host.startsWith("[") && host.endsWith("]");
        boolean ipv6 = bracketed || host.indexOf(':') >= 0;
        if (!ipv6 && !IPV4.matcher(host).matches()) {
            return Optional.empty();
        }
        try {
            // Brackets make the JDK reject a bad IPv6 literal instead of looking it up as a name.
            return Optional.of(InetAddress.getByName(ipv6 && !bracketed ? "[" + host + "]" : host));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + host, e);
        }
    }
}
