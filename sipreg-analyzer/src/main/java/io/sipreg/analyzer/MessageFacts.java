package io.sipreg.analyzer;

import io.sipreg.message.HeaderName;
import io.sipreg.message.Headers;
import io.sipreg.message.NameAddress;
import io.sipreg.message.SipMessage;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.Via;
import io.sipreg.message.Violation;
import java.util.ArrayList;
import java.util.List;

/**
 * What the diagnosis and the ladders read from one message, never throwing: a header that does not parse leaves
 * its fields empty ("" or -1), since the analyzer reports bad headers, it does not stop at them. What every message
 * needs for grouping (method, status, Call-ID, CSeq, the top Via's sent-by and branch) is read at once with a plain
 * scan; the rest (To, Contact, challenges, credentials) is read on first use, or all at once by {@link #resolve()}
 * on the parsing thread, so the thread that groups and diagnoses only reads fields. A plainly written message gets
 * all of it straight from its bytes ({@link CanonicalScanner}), the same values read the same way.
 *
 * <p>{@code method} is the request method, or for a response the CSeq method; {@code status} is 0 for a request;
 * {@code viaPort} is -1 when absent; {@code rport} is -2 when the top Via has no rport and -1 when it has one
 * without a value (RFC 3581 §3); {@code expires} and a Contact's {@code expires} are -1 when absent;
 * {@code credentialsHeader} is "Authorization" or "Proxy-Authorization" when the request carries credentials.
 */
public final class MessageFacts {

    /** A Contact address with its expires parameter (-1 if absent). */
    public record Contact(String uri, String host, int port, long expires) {
    }

    /** One Digest challenge (RFC 8760 allows several, one per algorithm). */
    public record Challenge(String header, String realm, String algorithm, boolean stale) {
    }

    private final boolean request;
    private final String method;
    private final int status;
    private final String reason;
    private final String callId;
    private final long cseq;
    private final String cseqMethod;
    private final String viaHost;
    private final int viaPort;
    private final String branch;
    /**
     * Only the header fields the detail is read from, so a message waiting in an open group stays small; null once
     * {@link #resolve()} has read everything from them.
     */
    private List<io.sipreg.message.HeaderField> kept;
    // Each part is read on its first use; most messages of a large capture need one or two of them.
    private String aor;
    // Read together, on first use of any of them (null transport, null contacts, null username until then); fields
    // of their own rather than a record each, as a capture has one set per message.
    private String viaTransport;
    private String received;
    private int rport;
    private List<Contact> contacts;
    private boolean wildcard;
    private long expires;
    private long minExpires;
    private List<Challenge> challenges;
    private String credentialsHeader;
    private String username;
    private String credentialsRealm;
    private String credentialsAlgorithm;
    private String userAgent;
    private TransactionKey transactionKey;

    private MessageFacts(boolean request, String method, int status, String reason, Headers headers) {
        this(request, method, status, reason, headers.first(HeaderName.CALL_ID).orElse(""),
                headers.first(HeaderName.CSEQ).orElse(""), keep(headers));
    }

    /**
     * From the parts a scan of the bytes gives ({@link CanonicalScanner}): the Call-ID and CSeq values and the
     * {@link #KEPT} fields in message order (canonical names, only the top Via), as the parser would have them.
     */
    MessageFacts(boolean request, String method, int status, String reason, String callId, String cseqText,
                 List<io.sipreg.message.HeaderField> kept) {
        this.request = request;
        this.status = status;
        this.reason = reason;
        this.kept = kept;
        this.callId = callId;
        long number = -1;
        String cseqName = "";
        int sp = cseqText.indexOf(' ');
        if (sp > 0) {
            number = number(cseqText.substring(0, sp));
            cseqName = cseqText.substring(sp + 1).strip();
        }
        if (number < 0 && !cseqText.isEmpty()) {
            try {
                var c = io.sipreg.message.CSeq.parse(cseqText);
                number = c.sequence();
                cseqName = c.method();
            } catch (RuntimeException e) {
                cseqName = "";      // unreadable; the parser reported it
            }
        }
        this.cseq = number;
        this.cseqMethod = cseqName;
        this.method = request && !method.isEmpty() ? method : cseqName;
        String[] via = scanVia(first(HeaderName.VIA).orElse(""));
        this.viaHost = via[0];
        this.viaPort = via[1].isEmpty() ? -1 : (int) number(via[1]);
        this.branch = via[2];
    }

    /**
     * Every part already read, by the {@link CanonicalScanner} from the bytes: the same values the header fields
     * give, with nothing left to read later.
     */
    MessageFacts(boolean request, String method, int status, String reason, String callId, long cseq,
                 String cseqMethod, String viaHost, int viaPort, String branch, String aor, String viaTransport,
                 String received, int rport, List<Contact> contacts, boolean wildcard, long expires, long minExpires,
                 List<Challenge> challenges, String credentialsHeader, String username, String credentialsRealm,
                 String credentialsAlgorithm, String userAgent) {
        this.request = request;
        this.status = status;
        this.reason = reason;
        this.callId = callId;
        this.cseq = cseq;
        this.cseqMethod = cseqMethod;
        this.method = request && !method.isEmpty() ? method : cseqMethod;
        this.viaHost = viaHost;
        this.viaPort = viaPort;
        this.branch = branch;
        this.aor = aor;
        this.viaTransport = viaTransport;
        this.received = received;
        this.rport = rport;
        this.contacts = contacts;
        this.wildcard = wildcard;
        this.expires = expires;
        this.minExpires = minExpires;
        this.challenges = challenges;
        this.credentialsHeader = credentialsHeader;
        this.username = username;
        this.credentialsRealm = credentialsRealm;
        this.credentialsAlgorithm = credentialsAlgorithm;
        this.userAgent = userAgent;
    }

    /** The facts of a message that failed to parse, from the headers that could still be read. */
    static MessageFacts ofPartial(boolean request, String method, Headers headers) {
        return new MessageFacts(request, method, 0, "", headers);
    }

    static MessageFacts of(SipMessage message) {
        if (message instanceof SipRequest r) {
            return new MessageFacts(true, r.method(), 0, "", r.headers());
        }
        var response = (SipResponse) message;
        return new MessageFacts(false, "", response.status(), response.reason(), response.headers());
    }

    public boolean request() {
        return request;
    }

    public String method() {
        return method;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    public String callId() {
        return callId;
    }

    public long cseq() {
        return cseq;
    }

    public String cseqMethod() {
        return cseqMethod;
    }

    public String viaHost() {
        return viaHost;
    }

    public int viaPort() {
        return viaPort;
    }

    public String branch() {
        return branch;
    }

    public String aor() {
        if (aor == null) {
            aor = first(HeaderName.TO).map(MessageFacts::addressOfRecord).orElse("");
        }
        return aor;
    }

    public String viaTransport() {
        readVia();
        return viaTransport;
    }

    public String received() {
        readVia();
        return received;
    }

    public int rport() {
        readVia();
        return rport;
    }

    public List<Contact> contacts() {
        readContacts();
        return contacts;
    }

    public boolean wildcard() {
        readContacts();
        return wildcard;
    }

    public long expires() {
        readContacts();
        return expires;
    }

    public long minExpires() {
        readContacts();
        return minExpires;
    }

    public List<Challenge> challenges() {
        if (challenges == null) {
            challenges = readChallenges();
        }
        return challenges;
    }

    public String credentialsHeader() {
        if (credentialsHeader == null) {
            credentialsHeader = first(HeaderName.AUTHORIZATION).isPresent() ? HeaderName.AUTHORIZATION
                    : first(HeaderName.PROXY_AUTHORIZATION).isPresent() ? HeaderName.PROXY_AUTHORIZATION : "";
        }
        return credentialsHeader;
    }

    public String username() {
        readCredentials();
        return username;
    }

    public String credentialsRealm() {
        readCredentials();
        return credentialsRealm;
    }

    public String credentialsAlgorithm() {
        readCredentials();
        return credentialsAlgorithm;
    }

    public String userAgent() {
        if (userAgent == null) {
            userAgent = first(request ? HeaderName.USER_AGENT : HeaderName.SERVER).orElse("");
        }
        return userAgent;
    }

    /** The transaction key ({@link TransactionKey#of}), made once. */
    TransactionKey transactionKey() {
        if (transactionKey == null) {
            transactionKey = TransactionKey.of(this);
        }
        return transactionKey;
    }

    /**
     * The facts of a message the capture cut short, with its identity completed where the cut took it away:
     * {@code callIdStandIn} for a Call-ID that was not kept, and a request cut before its CSeq is taken to be of
     * its own method (so that its transaction key names it).
     */
    MessageFacts cutShort(String callIdStandIn) {
        resolve();
        return new MessageFacts(request, method, status, reason, callId.isEmpty() ? callIdStandIn : callId, cseq,
                cseqMethod.isEmpty() && request ? method : cseqMethod, viaHost, viaPort, branch, aor, viaTransport,
                received, rport, contacts, wildcard, expires, minExpires, challenges, credentialsHeader, username,
                credentialsRealm, credentialsAlgorithm, userAgent).resolve();
    }

    /**
     * Reads every part now, on the calling thread, so that the thread grouping and diagnosing the messages only
     * reads fields; the header values are dropped afterwards. Not to be called while another thread reads.
     */
    MessageFacts resolve() {
        aor();
        readVia();
        readContacts();
        challenges();
        credentialsHeader();
        readCredentials();
        userAgent();
        transactionKey();
        callId.hashCode();
        kept = null;
        return this;
    }

    /**
     * The top Via's sent-by host, port and branch from a plain scan of {@code SIP/2.0/UDP host:port;params}; the
     * full grammar is left to {@link Via#parse} when the scan does not recognise the value.
     */
    private static String[] scanVia(String value) {
        int comma = value.indexOf(',');
        String v = comma < 0 ? value : value.substring(0, comma);
        int sp = v.indexOf(' ');
        int semi = v.indexOf(';');
        if (sp > 0 && (semi < 0 || sp < semi) && v.regionMatches(true, 0, "SIP/2.0/", 0, 8)) {
            int end = semi < 0 ? v.length() : semi;
            String sentBy = v.substring(sp + 1, end).strip();
            String host = sentBy;
            String port = "";
            int close = sentBy.lastIndexOf(']');
            int colon = sentBy.lastIndexOf(':');
            if (colon > close && (close >= 0 || sentBy.indexOf(':') == colon)) {
                host = sentBy.substring(0, colon);
                port = sentBy.substring(colon + 1);
            }
            String branch = "";
            int b = semi < 0 ? -1 : indexOfIgnoreCase(v, ";branch=", semi);
            if (b >= 0) {
                int from = b + 8;
                int to = from;
                while (to < v.length() && v.charAt(to) != ';' && v.charAt(to) != ' ') {
                    to++;
                }
                branch = v.substring(from, to);
            }
            if (!host.isEmpty() && !host.contains(" ") && (port.isEmpty() || number(port) >= 0)) {
                return new String[] {host, port, branch};
            }
        }
        try {
            Via via = Via.parse(value);
            return new String[] {via.host(), via.port() < 0 ? "" : Integer.toString(via.port()),
                    via.branch().orElse("")};
        } catch (RuntimeException e) {
            return new String[] {"", "", ""};
        }
    }

    private static int indexOfIgnoreCase(String s, String needle, int from) {
        for (int i = from; i + needle.length() <= s.length(); i++) {
            if (s.regionMatches(true, i, needle, 0, needle.length())) {
                return i;
            }
        }
        return -1;
    }

    private void readVia() {
        if (viaTransport == null) {
            String text = first(HeaderName.VIA).orElse("");
            String transport = "";
            int space = text.indexOf(' ');
            if (text.regionMatches(true, 0, "SIP/2.0/", 0, 8) && space > 8) {
                transport = text.substring(8, space).toUpperCase(java.util.Locale.ROOT);
            }
            String received = viaParam(text, "received");
            String rport = viaParam(text, "rport");
            this.received = nonNull(received);
            this.rport = rport == null ? -2 : rport.isEmpty() ? -1 : (int) number(rport);
            this.viaTransport = transport;
        }
    }

    private void readContacts() {
        if (contacts == null) {
            var list = new ArrayList<Contact>(1);
            boolean wildcard = false;
            for (String value : all(HeaderName.CONTACT)) {
                if (value.equals("*")) {
                    wildcard = true;
                } else {
                    list.add(contact(value));
                }
            }
            this.wildcard = wildcard;
            this.expires = number(first(HeaderName.EXPIRES).orElse(""));
            this.minExpires = number(first(HeaderName.MIN_EXPIRES).orElse(""));
            this.contacts = List.copyOf(list);
        }
    }

    private List<Challenge> readChallenges() {
        List<Challenge> list = new ArrayList<>(1);
        for (String name : new String[] {HeaderName.WWW_AUTHENTICATE, HeaderName.PROXY_AUTHENTICATE}) {
            for (String value : all(name)) {
                String algorithm = authParam(value, "algorithm");
                list.add(new Challenge(name, nonNull(authParam(value, "realm")),
                        algorithm == null ? "MD5" : algorithm.toUpperCase(java.util.Locale.ROOT),
                        "true".equalsIgnoreCase(authParam(value, "stale"))));
            }
        }
        return List.copyOf(list);
    }

    private void readCredentials() {
        if (username == null) {
            String header = credentialsHeader();
            String value = header.isEmpty() ? "" : first(header).orElse("");
            String algorithm = authParam(value, "algorithm");
            credentialsRealm = header.isEmpty() ? "" : nonNull(authParam(value, "realm"));
            credentialsAlgorithm = header.isEmpty() ? "" : algorithm == null ? "MD5"
                    : algorithm.toUpperCase(java.util.Locale.ROOT);
            username = header.isEmpty() ? "" : nonNull(authParam(value, "username"));
        }
    }

    private static final java.util.Set<String> KEPT = java.util.Set.of(HeaderName.TO, HeaderName.VIA,
            HeaderName.CONTACT, HeaderName.EXPIRES, HeaderName.MIN_EXPIRES, HeaderName.WWW_AUTHENTICATE,
            HeaderName.PROXY_AUTHENTICATE, HeaderName.AUTHORIZATION, HeaderName.PROXY_AUTHORIZATION,
            HeaderName.USER_AGENT, HeaderName.SERVER);

    private static List<io.sipreg.message.HeaderField> keep(Headers all) {
        var fields = new ArrayList<io.sipreg.message.HeaderField>(6);
        boolean via = false;
        for (var f : all.fields()) {
            if (KEPT.contains(f.name()) && !(via && f.name().equals(HeaderName.VIA))) {
                via |= f.name().equals(HeaderName.VIA);
                fields.add(f);
            }
        }
        return fields;
    }

    /** The first kept value of a header (names are canonical on both sides). */
    private java.util.Optional<String> first(String name) {
        for (var f : kept) {
            if (f.name().equals(name)) {
                return java.util.Optional.of(f.value());
            }
        }
        return java.util.Optional.empty();
    }

    private List<String> all(String name) {
        var values = new ArrayList<String>(1);
        for (var f : kept) {
            if (f.name().equals(name)) {
                values.add(f.value());
            }
        }
        return values;
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    /** A Via header parameter's value ("" when it has none), or null when absent. */
    private static String viaParam(String via, String name) {
        int i = via.indexOf(';');
        while (i >= 0 && i < via.length()) {
            int start = i + 1;
            int next = via.indexOf(';', start);
            int end = next < 0 ? via.length() : next;
            String param = via.substring(start, end).strip();
            int eq = param.indexOf('=');
            String key = eq < 0 ? param : param.substring(0, eq).strip();
            if (key.equalsIgnoreCase(name)) {
                return eq < 0 ? "" : param.substring(eq + 1).strip();
            }
            i = next;
        }
        return null;
    }

    /** One Contact value: {@code "Name" <uri>;params} or {@code uri;params} (params then belong to the header). */
    private static Contact contact(String value) {
        String uri;
        String params;
        int lt = value.indexOf('<');
        int gt = lt < 0 ? -1 : value.indexOf('>', lt);
        if (lt >= 0 && gt > lt) {
            uri = value.substring(lt + 1, gt);
            params = value.substring(gt + 1);
        } else {
            int semi = value.indexOf(';');
            uri = semi < 0 ? value.strip() : value.substring(0, semi).strip();
            params = semi < 0 ? "" : value.substring(semi);
        }
        String expires = viaParam(params, "expires");
        // host and port: after "scheme:" and "user@", before ";", "?" or the end
        int colon = uri.indexOf(':');
        int at = uri.indexOf('@');
        int from = at >= 0 ? at + 1 : colon + 1;
        int to = from;
        if (to < uri.length() && uri.charAt(to) == '[') {
            to = Math.max(uri.indexOf(']', to) + 1, to + 1);
        }
        while (to < uri.length() && uri.charAt(to) != ':' && uri.charAt(to) != ';' && uri.charAt(to) != '?') {
            to++;
        }
        String host = uri.substring(Math.min(from, to), to);
        int port = -1;
        if (to < uri.length() && uri.charAt(to) == ':') {
            int p = to + 1;
            while (p < uri.length() && Character.isDigit(uri.charAt(p))) {
                p++;
            }
            port = (int) number(uri.substring(to + 1, p));
        }
        return new Contact(uri, host, port, expires == null ? -1 : number(expires));
    }

    /**
     * One auth-param of a challenge or credentials (RFC 3261 §25.1, RFC 7616 §3.3): names case-insensitive,
     * values quoted or tokens, separated by commas outside quotes. Null when absent.
     */
    static String authParam(String value, String name) {
        int i = value.indexOf(' ');     // after the scheme ("Digest")
        int n = value.length();
        while (i >= 0 && i < n) {
            while (i < n && (value.charAt(i) == ' ' || value.charAt(i) == ',' || value.charAt(i) == '\t')) {
                i++;
            }
            int keyStart = i;
            while (i < n && value.charAt(i) != '=' && value.charAt(i) != ',') {
                i++;
            }
            String key = value.substring(keyStart, i).strip();
            String val = "";
            if (i < n && value.charAt(i) == '=') {
                i++;
                while (i < n && value.charAt(i) == ' ') {
                    i++;
                }
                if (i < n && value.charAt(i) == '"') {
                    int close = value.indexOf('"', i + 1);
                    int escape = value.indexOf('\\', i + 1);
                    if (close > 0 && (escape < 0 || escape > close)) {
                        val = value.substring(i + 1, close);     // the usual case: no quoted-pair
                        i = close + 1;
                    } else {
                        var sb = new StringBuilder();
                        i++;
                        while (i < n && value.charAt(i) != '"') {
                            if (value.charAt(i) == '\\' && i + 1 < n) {
                                i++;
                            }
                            sb.append(value.charAt(i++));
                        }
                        i++;
                        val = sb.toString();
                    }
                } else {
                    int vs = i;
                    while (i < n && value.charAt(i) != ',') {
                        i++;
                    }
                    val = value.substring(vs, i).strip();
                }
            }
            if (key.equalsIgnoreCase(name)) {
                return val;
            }
            if (key.isEmpty() && i < n && value.charAt(i) != ',') {
                i++;
            }
        }
        return null;
    }

    /** The expiry the request asked for: the first Contact's expires parameter, else the Expires header. */
    public long requestedExpires() {
        List<Contact> c = contacts();
        if (!c.isEmpty() && c.get(0).expires() >= 0) {
            return c.get(0).expires();
        }
        return expires();
    }

    public boolean hasCredentials() {
        return !credentialsHeader().isEmpty();
    }

    /** The first challenge, if the message has one. */
    public java.util.Optional<Challenge> challenge() {
        List<Challenge> c = challenges();
        return c.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(c.get(0));
    }

    /** {@code 401 Unauthorized} or {@code REGISTER}. */
    public String label() {
        return request ? method : status + (reason.isEmpty() ? "" : " " + reason);
    }

    /**
     * {@code sip:alice@example.com} from a To value (RFC 3261 §10.3 step 5: scheme, user and host, host in lower
     * case, no port or parameters); the grammar of sipreg-message for anything unusual, the raw value if even
     * that fails.
     */
    static String addressOfRecord(String to) {
        int lt = to.indexOf('<');
        int gt = lt < 0 ? -1 : to.indexOf('>', lt);
        String uri = lt >= 0 && gt > lt ? to.substring(lt + 1, gt) : to.split(";", 2)[0].strip();
        int colon = uri.indexOf(':');
        int at = uri.indexOf('@');
        boolean plain = colon > 0 && at > colon && uri.indexOf('%') < 0 && uri.indexOf('[') < 0
                && uri.lastIndexOf(':', at) == colon;        // no password in the userinfo
        String scheme = colon > 0 ? uri.substring(0, colon).toLowerCase(java.util.Locale.ROOT) : "";
        if (plain && (scheme.equals("sip") || scheme.equals("sips"))) {
            int end = at + 1;
            while (end < uri.length() && uri.charAt(end) != ':' && uri.charAt(end) != ';' && uri.charAt(end) != '?') {
                end++;
            }
            return scheme + ':' + uri.substring(colon + 1, at) + '@'
                    + uri.substring(at + 1, end).toLowerCase(java.util.Locale.ROOT);
        }
        try {
            return NameAddress.parse(to, Violation.BAD_TO).uri().toAddressOfRecord();
        } catch (RuntimeException e) {
            return to;
        }
    }

    private static long number(String text) {
        if (text.isEmpty() || text.length() > 10) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
