package io.sipreg.registrar;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One binding of an address-of-record to a contact address (RFC 3261 §10.3), with what the registrar must remember
 * about the REGISTER that made it: the Call-ID and CSeq for ordering (§10.3 step 7), and the flow it arrived on so
 * that a proxy can reach the device through the same NAT pinhole and connection (RFC 5626 §5.3, cf. the socket and
 * received fields of Kamailio's {@code struct ucontact}).
 *
 * @param aor          the address-of-record key, {@link io.sipreg.message.SipUri#toAddressOfRecord()} form
 * @param contactUri   the contact URI; with {@code aor} the identity of the binding
 * @param contact      the Contact header value as the 200 lists it: name-addr and header parameters (q, +sip.instance,
 *                     reg-id, ...) except {@code expires}, which is written fresh on every response
 * @param expiresAt    epoch milliseconds at which the binding ceases to exist
 * @param q            the q-value in thousandths (0..1000), or {@link #Q_ABSENT} when the Contact had none
 * @param callId       Call-ID of the REGISTER that last wrote the binding
 * @param cseq         its CSeq sequence number
 * @param source       where the REGISTER came from, {@code ip:port} ({@code [v6]:port}), the received/rport address
 * @param transport    UDP, TCP or TLS
 * @param localSocket  the listener it arrived on, {@code ip:port}
 * @param connectionId the transport's connection id for TCP/TLS flows (0 for UDP)
 * @param nat          the device is behind NAT: the REGISTER's Via or Contact named another address than the one it
 *                     came from, or a private one ({@link NatDetection}); it is reached only through the flow
 * @param userAgent    the User-Agent header, or "" when absent
 * @param instanceId   the {@code +sip.instance} parameter without its quotes (RFC 5626 §4.1), or ""
 * @param regId        the {@code reg-id} parameter (RFC 5626 §4.2), or 0 when absent
 * @param path         Path header values (RFC 3327); empty, since Path is not supported yet
 * @param registeredAt epoch milliseconds of the first REGISTER of this Call-ID for this contact
 * @param lastUpdated  epoch milliseconds of the last REGISTER that refreshed it
 *
 * <p>A registrar holds every binding in memory (so a REGISTER never waits for the disk), so a binding is kept
 * compact: the per-device text (AOR, contact URI, Contact value, Call-ID, source) lives in one array, the
 * Contact value only when it is more than the URI in angle brackets, and the text many bindings share
 * (transport, listener, User-Agent) is canonical. Accessors rebuild the strings on demand. Immutable; equal when
 * every component is equal, like a record.
 */
public final class Binding {

    /** The q-value of a Contact without a {@code q} parameter. Such a binding sorts as q=1.0 (RFC 3261 §20.10). */
    public static final int Q_ABSENT = -1;

    /** Highest q first; among equals the most recently refreshed first, then by URI so the order is stable. */
    static final Comparator<Binding> PREFERENCE = Comparator.comparingInt(Binding::effectiveQ).reversed()
            .thenComparing(Comparator.comparingLong(Binding::lastUpdated).reversed())
            .thenComparing(Binding::contactUri);

    // The packed text: aor, contactUri, contact (absent when it is "<" + contactUri + ">"), callId, source, each
    // ending where the next begins. One byte per char when every char fits (the usual case), else two.
    private static final int AOR = 0;
    private static final int CONTACT_URI = 1;
    private static final int CONTACT = 2;
    private static final int CALL_ID = 3;
    private static final int SOURCE = 4;
    private static final int FIELDS = 5;

    private final byte[] text;
    private final boolean wide;
    /** Where each packed field ends (chars); five fields rather than an array, which would cost a header more. */
    private final char aorEnd;
    private final char contactUriEnd;
    private final char contactEnd;
    private final char callIdEnd;
    private final char sourceEnd;
    private final long expiresAt;
    private final int q;
    private final long cseq;
    private final String transport;
    private final String localSocket;
    private final long connectionId;
    private final boolean nat;
    private final String userAgent;
    private final String instanceId;
    private final int regId;
    private final List<String> path;
    private final long registeredAt;
    private final long lastUpdated;

    public Binding(String aor, String contactUri, String contact, long expiresAt, int q, String callId,
                   long cseq, String source, String transport, String localSocket, long connectionId,
                   boolean nat, String userAgent, String instanceId, int regId, List<String> path, long registeredAt,
                   long lastUpdated) {
        Objects.requireNonNull(aor, "aor");
        Objects.requireNonNull(contactUri, "contactUri");
        Objects.requireNonNull(contact, "contact");
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(localSocket, "localSocket");
        Objects.requireNonNull(userAgent, "userAgent");
        Objects.requireNonNull(instanceId, "instanceId");
        if (q != Q_ABSENT && (q < 0 || q > 1000)) {
            throw new IllegalArgumentException("q out of range: " + q);
        }
        boolean bracketed = contact.length() == contactUri.length() + 2 && contact.charAt(0) == '<'
                && contact.endsWith(">") && contact.regionMatches(1, contactUri, 0, contactUri.length());
        String[] fields = {aor, contactUri, bracketed ? "" : contact, callId, source};
        int total = 0;
        boolean anyWide = false;
        for (String f : fields) {
            total += f.length();
            anyWide |= !fitsOneByte(f);
        }
        if (total > Character.MAX_VALUE) {
            throw new IllegalArgumentException("binding text of " + total + " chars exceeds " + (int) Character.MAX_VALUE);
        }
        this.wide = anyWide;
        this.text = new byte[anyWide ? total * 2 : total];
        char[] ends = new char[FIELDS];
        int at = 0;
        for (int i = 0; i < FIELDS; i++) {
            String f = fields[i];
            for (int c = 0; c < f.length(); c++, at++) {
                char ch = f.charAt(c);
                if (anyWide) {
                    text[2 * at] = (byte) (ch >> 8);
                    text[2 * at + 1] = (byte) ch;
                } else {
                    text[at] = (byte) ch;
                }
            }
            ends[i] = (char) at;
        }
        this.aorEnd = ends[AOR];
        this.contactUriEnd = ends[CONTACT_URI];
        this.contactEnd = ends[CONTACT];
        this.callIdEnd = ends[CALL_ID];
        this.sourceEnd = ends[SOURCE];
        this.expiresAt = expiresAt;
        this.q = q;
        this.cseq = cseq;
        this.transport = canonical(transport);
        this.localSocket = canonical(localSocket);
        this.connectionId = connectionId;
        this.nat = nat;
        this.userAgent = canonical(userAgent);
        this.instanceId = instanceId.isEmpty() ? "" : instanceId;
        this.regId = regId;
        this.path = path.isEmpty() ? List.of() : List.copyOf(path);
        this.registeredAt = registeredAt;
        this.lastUpdated = lastUpdated;
    }

    /** A binding read back from its packed form ({@link #unpack}); the text is already packed. */
    private Binding(byte[] text, boolean wide, char aorEnd, char contactUriEnd, char contactEnd, char callIdEnd,
                    char sourceEnd, long expiresAt, int q, long cseq, String transport, String localSocket,
                    long connectionId, boolean nat, String userAgent, String instanceId, int regId, List<String> path,
                    long registeredAt, long lastUpdated) {
        this.text = text;
        this.wide = wide;
        this.aorEnd = aorEnd;
        this.contactUriEnd = contactUriEnd;
        this.contactEnd = contactEnd;
        this.callIdEnd = callIdEnd;
        this.sourceEnd = sourceEnd;
        this.expiresAt = expiresAt;
        this.q = q;
        this.cseq = cseq;
        this.transport = transport;
        this.localSocket = localSocket;
        this.connectionId = connectionId;
        this.nat = nat;
        this.userAgent = userAgent;
        this.instanceId = instanceId;
        this.regId = regId;
        this.path = path;
        this.registeredAt = registeredAt;
        this.lastUpdated = lastUpdated;
    }

    // The packed form ({@link PackedBindings}): the entry's length, flags and expiry first, so that a pass over many
    // entries reads them without decoding the rest; then the scalars, the shared strings by number, the text as it
    // is held here, the instance id and the Path.
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle CHARS = MethodHandles.byteArrayViewVarHandle(char[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int WIDE = 1;
    private static final int NAT = 2;
    static final int PACKED_FLAGS = 4;
    static final int PACKED_EXPIRES_AT = 5;
    private static final int PACKED_ENDS = 13;
    private static final int PACKED_SCALARS = PACKED_ENDS + 2 * FIELDS;
    private static final int PACKED_TEXT = PACKED_SCALARS + 4 + 8 + 8 + 4 + 8 + 8 + 4 * 3;

    /** Bytes {@link #pack} writes. */
    int packedLength() {
        int length = PACKED_TEXT + text.length + packedLength(instanceId) + 4;
        for (String hop : path) {
            length += packedLength(hop);
        }
        return length;
    }

    /** Writes this binding at {@code at}, its shared strings numbered by {@code strings}; returns the end. */
    int pack(byte[] b, int at, StringTable strings) {
        b[at + PACKED_FLAGS] = (byte) ((wide ? WIDE : 0) | (nat ? NAT : 0));
        LONGS.set(b, at + PACKED_EXPIRES_AT, expiresAt);
        int i = at + PACKED_ENDS;
        for (char end : new char[] {aorEnd, contactUriEnd, contactEnd, callIdEnd, sourceEnd}) {
            CHARS.set(b, i, end);
            i += 2;
        }
        INTS.set(b, i, q);
        LONGS.set(b, i + 4, cseq);
        LONGS.set(b, i + 12, connectionId);
        INTS.set(b, i + 20, regId);
        LONGS.set(b, i + 24, registeredAt);
        LONGS.set(b, i + 32, lastUpdated);
        INTS.set(b, i + 40, strings.number(transport));
        INTS.set(b, i + 44, strings.number(localSocket));
        INTS.set(b, i + 48, strings.number(userAgent));
        i = at + PACKED_TEXT;
        System.arraycopy(text, 0, b, i, text.length);
        i = packString(b, i + text.length, instanceId);
        INTS.set(b, i, path.size());
        i += 4;
        for (String hop : path) {
            i = packString(b, i, hop);
        }
        INTS.set(b, at, i - at);
        return i;
    }

    /** The binding packed at {@code at}. */
    static Binding unpack(byte[] b, int at, StringTable strings) {
        boolean wide = (b[at + PACKED_FLAGS] & WIDE) != 0;
        int i = at + PACKED_ENDS;
        char[] ends = new char[FIELDS];
        for (int f = 0; f < FIELDS; f++, i += 2) {
            ends[f] = (char) CHARS.get(b, i);
        }
        int textLength = wide ? 2 * ends[SOURCE] : ends[SOURCE];
        int t = at + PACKED_TEXT;
        byte[] text = Arrays.copyOfRange(b, t, t + textLength);
        t += textLength;
        String instanceId = unpackString(b, t);
        t += packedLength(instanceId);
        int hops = (int) INTS.get(b, t);
        t += 4;
        List<String> path = List.of();
        if (hops > 0) {
            var hopList = new java.util.ArrayList<String>(hops);
            for (int h = 0; h < hops; h++) {
                String hop = unpackString(b, t);
                t += packedLength(hop);
                hopList.add(hop);
            }
            path = List.copyOf(hopList);
        }
        return new Binding(text, wide, ends[AOR], ends[CONTACT_URI], ends[CONTACT], ends[CALL_ID], ends[SOURCE],
                (long) LONGS.get(b, at + PACKED_EXPIRES_AT), (int) INTS.get(b, i), (long) LONGS.get(b, i + 4),
                strings.text((int) INTS.get(b, i + 40)), strings.text((int) INTS.get(b, i + 44)),
                (long) LONGS.get(b, i + 12), (b[at + PACKED_FLAGS] & NAT) != 0, strings.text((int) INTS.get(b, i + 48)),
                instanceId, (int) INTS.get(b, i + 20), path, (long) LONGS.get(b, i + 24), (long) LONGS.get(b, i + 32));
    }

    /** Length of the packed binding at {@code at}. */
    static int packedLength(byte[] b, int at) {
        return (int) INTS.get(b, at);
    }

    static long packedExpiresAt(byte[] b, int at) {
        return (long) LONGS.get(b, at + PACKED_EXPIRES_AT);
    }

    static boolean packedNat(byte[] b, int at) {
        return (b[at + PACKED_FLAGS] & NAT) != 0;
    }

    /** True when the binding packed at {@code at} belongs to {@code aor}. */
    static boolean packedHasAor(byte[] b, int at, String aor) {
        int length = (char) CHARS.get(b, at + PACKED_ENDS);
        if (length != aor.length()) {
            return false;
        }
        boolean wide = (b[at + PACKED_FLAGS] & WIDE) != 0;
        for (int i = 0; i < length; i++) {
            if (textChar(b, at + PACKED_TEXT, i, wide) != aor.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The AOR of the binding packed at {@code at}, read without the rest of it. */
    static String packedAor(byte[] b, int at) {
        int length = (char) CHARS.get(b, at + PACKED_ENDS);
        boolean wide = (b[at + PACKED_FLAGS] & WIDE) != 0;
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = textChar(b, at + PACKED_TEXT, i, wide);
        }
        return new String(chars);
    }

    /** Char {@code index} of text packed at {@code base}: one byte a char, or two, high byte first, when wide. */
    private static char textChar(byte[] b, int base, int index, boolean wide) {
        return wide ? (char) ((b[base + 2 * index] & 0xFF) << 8 | (b[base + 2 * index + 1] & 0xFF))
                : (char) (b[base + index] & 0xFF);
    }

    private static int packedLength(String s) {
        return 4 + (fitsOneByte(s) ? s.length() : 2 * s.length());
    }

    /** A string as its length (the high bit set when two bytes a char) and its chars. */
    private static int packString(byte[] b, int at, String s) {
        boolean narrow = fitsOneByte(s);
        INTS.set(b, at, narrow ? s.length() : s.length() | Integer.MIN_VALUE);
        at += 4;
        for (int i = 0; i < s.length(); i++) {
            if (narrow) {
                b[at++] = (byte) s.charAt(i);
            } else {
                CHARS.set(b, at, s.charAt(i));
                at += 2;
            }
        }
        return at;
    }

    private static String unpackString(byte[] b, int at) {
        int header = (int) INTS.get(b, at);
        int length = header & Integer.MAX_VALUE;
        if (length == 0) {
            return "";
        }
        if (header >= 0) {
            return new String(b, at + 4, length, StandardCharsets.ISO_8859_1);
        }
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = (char) CHARS.get(b, at + 4 + 2 * i);
        }
        return new String(chars);
    }

    private static boolean fitsOneByte(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    /** Text that thousands of bindings share (a listener, a phone model's User-Agent) is held once. */
    private static String canonical(String s) {
        return switch (s) {
            case "" -> "";
            case "UDP" -> "UDP";
            case "TCP" -> "TCP";
            case "TLS" -> "TLS";
            default -> s.intern();
        };
    }

    private int start(int field) {
        return field == AOR ? 0 : end(field - 1);
    }

    private int end(int field) {
        return switch (field) {
            case AOR -> aorEnd;
            case CONTACT_URI -> contactUriEnd;
            case CONTACT -> contactEnd;
            case CALL_ID -> callIdEnd;
            default -> sourceEnd;
        };
    }

    private String field(int field) {
        int from = start(field);
        int to = end(field);
        if (!wide) {
            return new String(text, from, to - from, StandardCharsets.ISO_8859_1);
        }
        char[] chars = new char[to - from];
        for (int i = 0; i < chars.length; i++) {
            int at = 2 * (from + i);
            chars[i] = (char) ((text[at] & 0xFF) << 8 | (text[at + 1] & 0xFF));
        }
        return new String(chars);
    }

    /** True when the packed field equals {@code s}, without building a string. */
    private boolean fieldEquals(int field, String s) {
        int from = start(field);
        int length = end(field) - from;
        if (length != s.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (textChar(text, 0, from + i, wide) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    public String aor() {
        return field(AOR);
    }

    public String contactUri() {
        return field(CONTACT_URI);
    }

    public String contact() {
        return contactEnd == contactUriEnd ? "<" + contactUri() + ">" : field(CONTACT);
    }

    public long expiresAt() {
        return expiresAt;
    }

    public int q() {
        return q;
    }

    public String callId() {
        return field(CALL_ID);
    }

    public long cseq() {
        return cseq;
    }

    public String source() {
        return field(SOURCE);
    }

    public String transport() {
        return transport;
    }

    public String localSocket() {
        return localSocket;
    }

    public long connectionId() {
        return connectionId;
    }

    public boolean nat() {
        return nat;
    }

    public String userAgent() {
        return userAgent;
    }

    public String instanceId() {
        return instanceId;
    }

    public int regId() {
        return regId;
    }

    public List<String> path() {
        return path;
    }

    public long registeredAt() {
        return registeredAt;
    }

    public long lastUpdated() {
        return lastUpdated;
    }

    /** True when this binding belongs to {@code aor}. */
    boolean hasAor(String aor) {
        return fieldEquals(AOR, aor);
    }

    /** True when this binding's contact URI is {@code uri}. */
    boolean hasContactUri(String uri) {
        return fieldEquals(CONTACT_URI, uri);
    }

    /** True when this binding was last written by a REGISTER with {@code callId}. */
    boolean hasCallId(String callId) {
        return fieldEquals(CALL_ID, callId);
    }

    /**
     * Seconds until the binding expires, rounded up so that a live binding never reports 0; 0 once it has expired.
     * This is what the 200 OK writes in each Contact's {@code expires} (RFC 3261 §10.3 step 8).
     */
    public long remainingSeconds(Instant now) {
        return remainingSeconds(now.toEpochMilli());
    }

    long remainingSeconds(long nowMillis) {
        long millis = expiresAt - nowMillis;
        return millis <= 0 ? 0 : (millis + 999) / 1000;
    }

    public boolean isExpired(Instant now) {
        return isExpiredAt(now.toEpochMilli());
    }

    boolean isExpiredAt(long nowMillis) {
        return expiresAt <= nowMillis;
    }

    /** True when the Contact carried a q parameter. */
    public boolean hasQ() {
        return q != Q_ABSENT;
    }

    /** The q-value used for ordering: 1000 when absent. */
    public int effectiveQ() {
        return q == Q_ABSENT ? 1000 : q;
    }

    /** The q-value as a qvalue token ("0.5", "1"), or "" when the Contact had none. */
    public String qText() {
        return q == Q_ABSENT ? "" : formatQ(q);
    }

    /**
     * RFC 5626 §6: a registration with {@code +sip.instance} and {@code reg-id} is identified by them, not by its
     * contact URI, and is tied to the flow it came over.
     */
    public boolean isOutbound() {
        return regId > 0 && !instanceId.isEmpty();
    }

    /** True when both name the same binding: same AOR and the same contact URI text. */
    boolean sameKey(Binding other) {
        return sameRange(other, AOR) && sameRange(other, CONTACT_URI);
    }

    private boolean sameRange(Binding other, int field) {
        if (wide != other.wide) {
            return field(field).equals(other.field(field));
        }
        int width = wide ? 2 : 1;
        return Arrays.equals(text, start(field) * width, end(field) * width,
                other.text, other.start(field) * width, other.end(field) * width);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Binding b)) {
            return false;
        }
        // The packing is a function of the text (wide only when some char needs it), so equal text packs equally.
        return wide == b.wide && Arrays.equals(text, b.text) && aorEnd == b.aorEnd && contactUriEnd == b.contactUriEnd
                && contactEnd == b.contactEnd && callIdEnd == b.callIdEnd && sameScalars(b);
    }

    private boolean sameScalars(Binding b) {
        return expiresAt == b.expiresAt && q == b.q && cseq == b.cseq && connectionId == b.connectionId
                && nat == b.nat && regId == b.regId && registeredAt == b.registeredAt && lastUpdated == b.lastUpdated
                && transport.equals(b.transport) && localSocket.equals(b.localSocket) && userAgent.equals(b.userAgent)
                && instanceId.equals(b.instanceId) && path.equals(b.path);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(text) + Long.hashCode(expiresAt) * 17 + Long.hashCode(cseq);
    }

    @Override
    public String toString() {
        return "Binding[aor=" + aor() + ", contactUri=" + contactUri() + ", contact=" + contact() + ", expiresAt="
                + expiresAt + ", q=" + q + ", callId=" + callId() + ", cseq=" + cseq + ", source=" + source()
                + ", transport=" + transport + ", localSocket=" + localSocket + ", connectionId=" + connectionId
                + ", nat=" + nat + ", userAgent=" + userAgent + ", instanceId=" + instanceId + ", regId=" + regId
                + ", path=" + path + ", registeredAt=" + registeredAt + ", lastUpdated=" + lastUpdated + "]";
    }

    static String formatQ(int thousandths) {
        if (thousandths == 1000) {
            return "1";
        }
        if (thousandths == 0) {
            return "0";
        }
        String digits = String.format(java.util.Locale.ROOT, "%03d", thousandths);
        int end = digits.length();
        while (end > 1 && digits.charAt(end - 1) == '0') {
            end--;
        }
        return "0." + digits.substring(0, end);
    }
}
