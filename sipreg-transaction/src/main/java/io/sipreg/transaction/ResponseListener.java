package io.sipreg.transaction;

import io.sipreg.message.SipResponse;
import io.sipreg.transport.Flow;

/** Where incoming responses go: the seam for client transactions (OPTIONS keepalives, the registration client). */
@FunctionalInterface
public interface ResponseListener {
    /** Called on an event-loop thread; must not block. */
    void onResponse(SipResponse response, Flow flow);
}
