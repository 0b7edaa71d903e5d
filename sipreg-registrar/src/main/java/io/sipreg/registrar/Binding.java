package io.sipreg.registrar;

import java.time.Instant;
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
 */
public record Binding(String aor, String contactUri, String contact, long expiresAt, int q, String callId,
                      long cseq, String source, String transport, String localSocket, long connectionId,
                      boolean nat, String userAgent, String instanceId, int regId, List<String> path, long registeredAt,
                      long lastUpdated) {

    /** The q-value of a Contact without a {@code q} parameter. Such a binding sorts as q=1.0 (RFC 3261 §20.10). */
    public static final int Q_ABSENT = -1;

    /** Highest q first; among equals the most recently refreshed first, then by URI so the order is stable. */
    static final Comparator<Binding> PREFERENCE = Comparator.comparingInt(Binding::effectiveQ).reversed()
            .thenComparing(Comparator.comparingLong(Binding::lastUpdated).reversed())
            .thenComparing(Binding::contactUri);

    public Binding {
        Objects.requireNonNull(aor, "aor");
        Objects.requireNonNull(contactUri, "contactUri");
        Objects.requireNonNull(contact, "contact");
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(localSocket, "localSocket");
        Objects.requireNonNull(userAgent, "userAgent");
        Objects.requireNonNull(instanceId, "instanceId");
        path = List.copyOf(path);
        if (q != Q_ABSENT && (q < 0 || q > 1000)) {
            throw new IllegalArgumentException("q out of range: " + q);
        }
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
        return aor.equals(other.aor) && contactUri.equals(other.contactUri);
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
