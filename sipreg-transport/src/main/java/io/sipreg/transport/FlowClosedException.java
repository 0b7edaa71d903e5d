package io.sipreg.transport;

import java.io.IOException;

/**
 * The flow a message should go out on is gone: its TCP connection closed and no other connection to that remote
 * is open on that listener. Opening a new connection is not done yet (RFC 3261 §18.2.2 would try one).
 */
public final class FlowClosedException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Flow flow;

    public FlowClosedException(Flow flow, String message) {
        super(flow + ": " + message);
        this.flow = flow;
    }

    public Flow flow() {
        return flow;
    }
}
