package io.sipreg.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipreg.registrar.Binding;
import java.time.Instant;

/** One binding as JSON: the fields of {@code sipreg bindings --json}, which the admin API lists too. */
public final class BindingJson {
    private BindingJson() {
    }

    /** Puts the binding's fields into {@code o} and returns it; {@code expires} is counted from {@code now}. */
    public static ObjectNode put(ObjectNode o, Binding b, Instant now) {
        o.put("aor", b.aor());
        o.put("contact", b.contactUri());
        o.put("expires", b.remainingSeconds(now));
        o.put("q", b.qText());
        o.put("callId", b.callId());
        o.put("cseq", b.cseq());
        o.put("transport", b.transport());
        o.put("source", b.source());
        // The address the REGISTER came from (RFC 3581 received/rport): where everything for the device goes.
        o.put("received", b.source());
        o.put("nat", b.nat());
        o.put("localSocket", b.localSocket());
        o.put("userAgent", b.userAgent());
        o.put("instance", b.instanceId());
        o.put("regId", b.regId());
        return o;
    }
}
