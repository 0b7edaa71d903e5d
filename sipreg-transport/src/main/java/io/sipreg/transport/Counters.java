package io.sipreg.transport;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/** The live counters behind {@link TransportCounters}; LongAdder because every event loop bumps them. */
final class Counters {
    final LongAdder messagesReceived = new LongAdder();
    final LongAdder malformed = new LongAdder();
    final LongAdder keepalives = new LongAdder();
    final LongAdder framingErrors = new LongAdder();
    final LongAdder internalErrors = new LongAdder();
    final LongAdder connectionsRejected = new LongAdder();
    final LongAdder idleClosed = new LongAdder();
    final LongAdder sendFailures = new LongAdder();
    final LongAdder partialTimeouts = new LongAdder();
    final LongAdder shed = new LongAdder();
    final LongAdder slowReadersClosed = new LongAdder();

    TransportCounters snapshot(IntSupplier openConnections) {
        return new TransportCounters(messagesReceived.sum(), malformed.sum(), keepalives.sum(), framingErrors.sum(),
                internalErrors.sum(), connectionsRejected.sum(), idleClosed.sum(), sendFailures.sum(),
                openConnections.getAsInt(), partialTimeouts.sum(), shed.sum(),
                slowReadersClosed.sum());
    }
}
