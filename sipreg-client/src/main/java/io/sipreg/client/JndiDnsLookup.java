package io.sipreg.client;

import io.sipreg.transport.Flow;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Objects;
import javax.naming.CommunicationException;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * DNS through the JDK's own JNDI DNS provider ({@code com.sun.jndi.dns}), so no resolver library is needed. Each
 * query gets its own short-lived context because JNDI contexts are not safe to share between threads.
 */
public final class JndiDnsLookup implements DnsLookup {
    /** 1 s then 2 s: a dead server costs 3 s per query instead of JNDI's default 15 s (four tries). */
    private static final String INITIAL_TIMEOUT_MILLIS = "1000";
    private static final String RETRIES = "2";

    private final Hashtable<String, String> environment = new Hashtable<>();
    private final boolean useSystemResolver;

    /**
     * The system's DNS servers, read from /etc/resolv.conf as JNDI does when given no provider URL. Host addresses
     * come from the system resolver, so /etc/hosts names such as {@code localhost} resolve as for every other
     * program.
     */
    public JndiDnsLookup() {
        configureProvider();
        useSystemResolver = true;
    }

    /** Every query, host addresses included, goes to {@code server} (a test server or {@code --dns HOST:PORT}). */
    public JndiDnsLookup(InetSocketAddress server) {
        Objects.requireNonNull(server, "server");
        configureProvider();
        environment.put(Context.PROVIDER_URL, "dns://" + Flow.hostPort(server));
        useSystemResolver = false;
    }

    private void configureProvider() {
        environment.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        environment.put("com.sun.jndi.dns.timeout.initial", INITIAL_TIMEOUT_MILLIS);
        environment.put("com.sun.jndi.dns.timeout.retries", RETRIES);
    }

    @Override
    public List<NaptrRecord> naptr(String domain) throws DnsException {
        List<NaptrRecord> records = new ArrayList<>();
        for (String text : query(domain, "NAPTR")) {
            List<String> fields = fields(text);
            if (fields.size() != 6) {
                throw malformed(domain, "NAPTR", text, null);
            }
            try {
                records.add(new NaptrRecord(Integer.parseInt(fields.get(0)), Integer.parseInt(fields.get(1)),
                        fields.get(2), fields.get(3), fields.get(4), withoutTrailingDot(fields.get(5))));
            } catch (NumberFormatException e) {
                throw malformed(domain, "NAPTR", text, e);
            }
        }
        return records;
    }

    @Override
    public List<SrvRecord> srv(String name) throws DnsException {
        List<SrvRecord> records = new ArrayList<>();
        for (String text : query(name, "SRV")) {
            List<String> fields = fields(text);
            if (fields.size() != 4) {
                throw malformed(name, "SRV", text, null);
            }
            try {
                records.add(new SrvRecord(Integer.parseInt(fields.get(0)), Integer.parseInt(fields.get(1)),
                        Integer.parseInt(fields.get(2)), withoutTrailingDot(fields.get(3))));
            } catch (NumberFormatException e) {
                throw malformed(name, "SRV", text, e);
            }
        }
        return records;
    }

    @Override
    public List<InetAddress> addresses(String host) throws DnsException {
        if (useSystemResolver) {
            try {
                return Arrays.asList(InetAddress.getAllByName(host));
            } catch (UnknownHostException e) {
                return List.of();
            }
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (String type : List.of("A", "AAAA")) {
            for (String literal : query(host, type)) {
                try {
                    // A literal never reaches a resolver; the copy keeps the name for logs.
                    addresses.add(InetAddress.getByAddress(host, InetAddress.getByName(literal).getAddress()));
                } catch (UnknownHostException e) {
                    throw malformed(host, type, literal, e);
                }
            }
        }
        return addresses;
    }

    /** The presentation text of each {@code type} record of {@code name}; none for NXDOMAIN or no data. */
    private List<String> query(String name, String type) throws DnsException {
        DirContext context;
        try {
            context = new InitialDirContext(environment);
        } catch (NamingException e) {
            throw new DnsException("cannot query DNS for " + name + " " + type + ": " + e.getExplanation(), e);
        }
        try {
            Attribute values = context.getAttributes(name, new String[] {type}).get(type);
            List<String> texts = new ArrayList<>();
            for (int i = 0; values != null && i < values.size(); i++) {
                texts.add(values.get(i).toString());
            }
            return texts;
        } catch (NameNotFoundException e) {
            return List.of();
        } catch (CommunicationException e) {
            Throwable why = e.getRootCause() != null ? e.getRootCause() : e;
            String reason = why.getMessage() != null ? why.getMessage() : why.getClass().getSimpleName();
            throw new DnsException(server(context) + " did not answer for " + name + " " + type + " (" + reason + ")",
                    e);
        } catch (NamingException e) {
            throw new DnsException(server(context) + " failed for " + name + " " + type + ": " + e.getExplanation(),
                    e);
        } finally {
            close(context);
        }
    }

    /** {@code DNS server 127.0.0.1:53}: the provider URL JNDI settled on, read from /etc/resolv.conf if not given. */
    private static String server(DirContext context) {
        try {
            Object url = context.getEnvironment().get(Context.PROVIDER_URL);
            return url == null ? "the system DNS servers" : "DNS server " + url.toString().replace("dns://", "");
        } catch (NamingException e) {
            return "the system DNS servers";
        }
    }

    private static void close(DirContext context) {
        try {
            context.close();
        } catch (NamingException e) {
            // A DNS context holds no socket or file; there is nothing left to release.
        }
    }

    /**
     * Splits JNDI's presentation of a record into its fields. Fields are separated by one space; a character string
     * that is empty or holds a space, quote or backslash comes in double quotes with {@code \} escapes
     * ({@code 10 50 s SIP+D2U "" _sip._udp.example.com.}).
     */
    private static List<String> fields(String text) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean inField = false;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                field.append(text.charAt(++i));
                inField = true;
            } else if (c == '"') {
                quoted = !quoted;
                inField = true;
            } else if (c == ' ' && !quoted) {
                if (inField) {
                    fields.add(field.toString());
                    field.setLength(0);
                    inField = false;
                }
            } else {
                field.append(c);
                inField = true;
            }
        }
        if (inField) {
            fields.add(field.toString());
        }
        return fields;
    }

    /** {@code sip1.example.com.} becomes {@code sip1.example.com}; the root {@code .} stays as it is. */
    private static String withoutTrailingDot(String name) {
        return name.length() > 1 && name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    private static DnsException malformed(String name, String type, String text, Exception cause) {
        return new DnsException("malformed " + type + " record for " + name + ": '" + text + "'", cause);
    }
}
