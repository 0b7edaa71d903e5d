package io.sipreg.transport;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records what the transport delivers; safe to read from the test thread while event loops write. */
class RecordingHandler implements InboundHandler {
    /** {@code thread}: the name of the thread that delivered it, an event loop's. */
    record Event(Object message, Flow flow, String thread) {
    }

    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final BlockingQueue<Flow> closed = new LinkedBlockingQueue<>();
    volatile RuntimeException failWith;

    @Override
    public void onRequest(SipRequest request, Flow flow) {
        record(request, flow);
    }

    @Override
    public void onResponse(SipResponse response, Flow flow) {
        record(response, flow);
    }

    @Override
    public void onMalformed(ParseResult.Failed failure, Flow flow) {
        record(failure, flow);
    }

    @Override
    public void onFlowClosed(Flow flow) {
        closed.add(flow);
    }

    private void record(Object message, Flow flow) {
        events.add(new Event(message, flow, Thread.currentThread().getName()));
        if (failWith != null) {
            throw failWith;
        }
    }

    /** The next event, waiting up to five seconds for it to arrive over a real socket. */
    Event next() throws InterruptedException {
        Event event = events.poll(5, TimeUnit.SECONDS);
        if (event == null) {
            throw new AssertionError("nothing delivered within 5 s");
        }
        return event;
    }

    <T> T next(Class<T> type) throws InterruptedException {
        Event event = next();
        if (!type.isInstance(event.message())) {
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + event.message());
        }
        return type.cast(event.message());
    }
}
