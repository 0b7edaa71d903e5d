package io.sipreg.registrar;

import io.sipreg.message.SipParseException;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.SipUri;
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
     * Step 7: for each contact, find the existing binding (§19.1.4 URI comparison). A different Call-ID means the
     * device restarted, so its binding is replaced; the same Call-ID needs a higher CSeq. Expires 0 removes.
     * Step 8: with no contacts at all this changes nothing and just lists the bindings (a fetch, §10.2.3).
     */
    private BindingChange<SipResponse> applyContacts(List<Binding> current) {
        var put = new ArrayList<Binding>(contacts.size());
        var remove = new ArrayList<Binding>(1);
        var result = new ArrayList<Binding>(current);
        for (RequestedContact contact : contacts) {
            Binding existing = find(current, contact);
            if (existing != null && isOutOfOrder(existing)) {
                return BindingChange.none(responses.refuse(request, RegisterRejection.OUT_OF_ORDER_CSEQ));
            }
            result.removeIf(b -> matches(b, contact));
            put.removeIf(b -> matches(b, contact));
            if (contact.expires() == 0) {
                if (existing != null && !remove.contains(existing)) {
                    remove.add(existing);
                }
                continue;
            }
            Binding binding = binding(contact, existing);
            put.add(binding);
            result.add(binding);
            if (existing != null && !existing.contactUri().equals(binding.contactUri())) {
                // Equivalent URI written differently: the stored key changes, so the old row goes.
                remove.add(existing);
            }
        }
        result.sort(Binding.PREFERENCE);
        return new BindingChange<>(put, remove, responses.registered(request, result, nowMillis));
    }

    /** Step 7: "If the value is higher than that of the existing binding, it MUST update ... If not, ... aborted". */
    private boolean isOutOfOrder(Binding existing) {
        return existing.callId().equals(callId) && cseq <= existing.cseq();
    }

    private Binding binding(RequestedContact contact, Binding existing) {
        boolean sameRegistration = existing != null && existing.callId().equals(callId);
        return new Binding(aor, contact.uriText(), contact.contact(), nowMillis + contact.expires() * 1000,
                contact.q(), callId, cseq, origin.source(), origin.transport(), origin.localSocket(),
                origin.connectionId(), userAgent, contact.instanceId(), contact.regId(), List.of(),
                sameRegistration ? existing.registeredAt() : nowMillis, nowMillis);
    }

    private static Binding find(List<Binding> current, RequestedContact contact) {
        for (Binding b : current) {
            if (matches(b, contact)) {
                return b;
            }
        }
        return null;
    }

    /** Same text is the common case and needs no parsing; otherwise compare as URIs (RFC 3261 §19.1.4). */
    private static boolean matches(Binding binding, RequestedContact contact) {
        if (binding.contactUri().equals(contact.uriText())) {
            return true;
        }
        try {
            return SipUri.parse(binding.contactUri()).equivalentTo(contact.uri());
        } catch (SipParseException e) {
            return false;
        }
    }
}
