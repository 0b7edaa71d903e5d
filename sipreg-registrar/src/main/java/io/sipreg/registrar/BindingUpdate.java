package io.sipreg.registrar;

import io.sipreg.message.SipParseException;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.SipUri;
import io.sipreg.message.Via;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 3261 §10.3 steps 7 and 8 as a pure function of the AOR's current bindings: which bindings to add, refresh
 * or remove, and the response. The {@link LocationStore} runs it with the AOR locked and persists the result before
 * the response goes out.
 */
final class BindingUpdate {
    private final SipRequest request;
    private final String aor;
    private final String callId;
    private final long cseq;
    private final boolean wildcard;
    private final List<RequestedContact> contacts;
    private final Origin origin;
    private final String userAgent;
    private final long nowMillis;
    private final Responses responses;
    private final Via topVia;
    private int maxContacts;
    private int maxContactsStatus = RegistrarConfig.DEFAULT_MAX_CONTACTS_STATUS;

    BindingUpdate(SipRequest request, String aor, String callId, long cseq, boolean wildcard,
                  List<RequestedContact> contacts, Origin origin, String userAgent, long nowMillis,
                  Responses responses) {
        this.request = request;
        this.aor = aor;
        this.callId = callId;
        this.cseq = cseq;
        this.wildcard = wildcard;
        this.contacts = contacts;
        this.origin = origin;
        this.userAgent = userAgent;
        this.nowMillis = nowMillis;
        this.responses = responses;
        this.topVia = request.topVia();
    }

    /** At most {@code max} bindings for the AOR (0: no limit), else {@code status}; see {@link #applyContacts}. */
    BindingUpdate limitedTo(int max, int status) {
        this.maxContacts = max;
        this.maxContactsStatus = status;
        return this;
    }

    /** RFC 5626 §6: some Contact is registered with outbound semantics, so the 200 says {@code Require: outbound}. */
    boolean usesOutbound() {
        for (RequestedContact contact : contacts) {
            if (contact.isOutbound()) {
                return true;
            }
        }
        return false;
    }

    BindingChange<SipResponse> decide(List<Binding> stored) {
        List<Binding> current = BindingIndex.unexpired(stored, nowMillis);
        return wildcard ? removeAll(current) : applyContacts(current);
    }

    /** Step 6/7 for {@code Contact: *}: remove every binding, unless one of them is newer than this request. */
    private BindingChange<SipResponse> removeAll(List<Binding> current) {
        for (Binding b : current) {
            if (isOutOfOrder(b)) {
                return BindingChange.none(responses.refuse(request, RegisterRejection.OUT_OF_ORDER_CSEQ));
            }
        }
        return new BindingChange<>(List.of(), current, responses.registered(request, List.of(), nowMillis));
    }

    /**
     * Step 7: for each contact, find the existing binding (§19.1.4 URI comparison; for RFC 5626 outbound, the same
     * instance and reg-id). A different Call-ID means the device restarted, so its binding is replaced; the same
     * Call-ID needs a higher CSeq. Expires 0 removes.
     * Step 8: with no contacts at all this changes nothing and just lists the bindings (a fetch, §10.2.3).
     */
    private BindingChange<SipResponse> applyContacts(List<Binding> current) {
        var put = new ArrayList<Binding>(contacts.size());
        var remove = new ArrayList<Binding>(1);
        var result = new ArrayList<Binding>(current);
        var added = new ArrayList<Binding>(1);
        for (RequestedContact contact : contacts) {
            List<Binding> existing = findAll(current, contact);
            for (Binding b : existing) {
                if (isOutOfOrder(b)) {
                    return BindingChange.none(responses.refuse(request, RegisterRejection.OUT_OF_ORDER_CSEQ));
                }
            }
            result.removeIf(b -> matches(b, contact));
            put.removeIf(b -> matches(b, contact));
            if (contact.expires() == 0) {
                for (Binding b : existing) {
                    if (!remove.contains(b)) {
                        remove.add(b);
                    }
                }
                continue;
            }
            Binding binding = binding(contact, existing.isEmpty() ? null : existing.get(0));
            put.add(binding);
            result.add(binding);
            if (existing.isEmpty()) {
                added.add(binding);
            }
            for (Binding b : existing) {
                if (!b.sameKey(binding) && !remove.contains(b)) {
                    // Equivalent URI written differently, or an outbound instance on a new flow with a new contact
                    // (RFC 5626 §6 replaces the old flow): the stored key changes, so the old row goes.
                    remove.add(b);
                }
            }
        }
        if (!added.isEmpty() && maxContacts > 0 && result.size() > maxContacts
                && !makeRoom(added, put, remove, result)) {
            return BindingChange.none(responses.answer(request, maxContactsStatus,
                    "Too many registered contacts (limit " + maxContacts + ")"));
        }
        result.sort(Binding.PREFERENCE);
        return new BindingChange<>(put, remove, responses.registered(request, result, nowMillis));
    }

    /**
     * The contact limit. RFC 3261 leaves the number of bindings to the registrar; ours must not let stale contacts
     * lock a user out. A new contact of a device that already has a binding replaces the oldest of that device's
     * bindings: the same Call-ID is the same boot cycle of a UA (§10.2.4), the same {@code +sip.instance} the same
     * device (RFC 5626 §4.1), so its old contact is one it no longer uses (a new port after a NAT rebinding, a new
     * IP). Expired bindings never count, and a binding behind NAT whose device stops answering keepalives is removed.
     * A new contact of a device we know nothing of is refused when the AOR is full; nothing changes then.
     *
     * @return true when the contacts now fit
     */
    private boolean makeRoom(List<Binding> added, List<Binding> put, List<Binding> remove, List<Binding> result) {
        for (Binding fresh : added) {
            if (result.size() <= maxContacts) {
                break;
            }
            Binding oldest = null;
            for (Binding b : result) {
                boolean sameDevice = b.callId().equals(fresh.callId())
                        || !b.instanceId().isEmpty() && b.instanceId().equals(fresh.instanceId());
                if (sameDevice && !put.contains(b) && (oldest == null || b.lastUpdated() < oldest.lastUpdated())) {
                    oldest = b;
                }
            }
            if (oldest != null) {
                result.remove(oldest);
                remove.add(oldest);
            }
        }
        return result.size() <= maxContacts;
    }

    /** Step 7: "If the value is higher than that of the existing binding, it MUST update ... If not, ... aborted". */
    private boolean isOutOfOrder(Binding existing) {
        return existing.hasCallId(callId) && cseq <= existing.cseq();
    }

    private Binding binding(RequestedContact contact, Binding existing) {
        boolean sameRegistration = existing != null && existing.hasCallId(callId);
        return new Binding(aor, contact.uriText(), contact.contact(), nowMillis + contact.expires() * 1000,
                contact.q(), callId, cseq, origin.source(), origin.transport(), origin.localSocket(),
                origin.connectionId(), nat(contact), userAgent, contact.instanceId(), contact.regId(), List.of(),
                sameRegistration ? existing.registeredAt() : nowMillis, nowMillis);
    }

    /** Whether the device is behind NAT, as this REGISTER shows it (see {@link NatDetection}). */
    private boolean nat(RequestedContact contact) {
        return NatDetection.isBehindNat(topVia, contact.uri(), origin.remote(), !origin.transport().equals("UDP"));
    }

    private static List<Binding> findAll(List<Binding> current, RequestedContact contact) {
        var found = new ArrayList<Binding>(1);
        for (Binding b : current) {
            if (matches(b, contact)) {
                found.add(b);
            }
        }
        return found;
    }

    /**
     * The same URI text is the same stored row, and the common case, needing no parsing. Otherwise an RFC 5626
     * outbound registration is the binding of its instance and reg-id, whatever its URI (§6); any other is compared
     * as URIs (RFC 3261 §19.1.4).
     */
    private static boolean matches(Binding binding, RequestedContact contact) {
        if (binding.hasContactUri(contact.uriText())) {
            return true;
        }
        if (contact.isOutbound()) {
            return binding.isOutbound() && binding.regId() == contact.regId()
                    && binding.instanceId().equals(contact.instanceId());
        }
        try {
            return SipUri.parse(binding.contactUri()).equivalentTo(contact.uri());
        } catch (SipParseException e) {
            return false;
        }
    }
}
