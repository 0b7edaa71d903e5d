package io.sipreg.transaction;

import io.sipreg.transport.Flow;

/**
 * Told when a TCP/TLS flow has closed: the seam for dropping what was tied to the connection, such as the bindings
 * of devices behind NAT, which cannot be reached any other way (RFC 5626 §5.3).
 */
@FunctionalInterface
public interface FlowClosedListener {
    /** Called on an event-loop thread; must not block. */
    void onFlowClosed(Flow flow);
}
