package io.sipreg.analyzer;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParseException;
import io.sipreg.message.SipParser;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The SIP parsing stage: the bytes of each message found in the capture become a {@link CapturedMessage}.
 * Parsing is most of the work and each message parses on its own, so batches of messages are parsed on worker
 * threads while the reading thread goes on; results are handed on strictly in capture order, with the ICMP
 * events between them, and at most {@link #IN_FLIGHT} batches are pending, so memory stays bounded.
 */
final class MessageParsing implements AutoCloseable {
    private static final int BATCH = 512;
    private static final int IN_FLIGHT = 8;
    private static final byte[] NO_TEXT = new byte[0];

    /** Something found in the capture, in capture order, waiting for the parse stage. */
    private sealed interface Found permits Raw, Passed {
    }

    /** The bytes of one message; {@code framing} is the TCP framing error, if the message could not be cut. */
    private record Raw(long frame, long timeNanos, Endpoint source, Endpoint destination, Transport transport,
                       byte[] bytes, List<SipParseException> framing) implements Found {
    }

    private record Passed(IcmpUnreachable event) implements Found {
    }

    private final SipParser lenient = SipParser.lenient();
    private final SipParser strict = SipParser.strict();
    private final boolean keepText;
    private final Consumer<LadderEvent> out;
    private final ExecutorService workers;
    private final ArrayDeque<Future<List<LadderEvent>>> pending = new ArrayDeque<>();
    private List<Found> batch = new ArrayList<>(BATCH);

    /** {@code threads} 0 parses on the calling thread. */
    MessageParsing(boolean keepText, int threads, Consumer<LadderEvent> out) {
        this.keepText = keepText;
        this.out = out;
        this.workers = threads == 0 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "sipreg-analyze-parser");
            t.setDaemon(true);
            return t;
        });
    }

    /** Workers to use on this machine: one core is left to reading, grouping and reporting. */
    static int defaultThreads() {
        int cores = Runtime.getRuntime().availableProcessors();
        return cores <= 1 ? 0 : Math.min(cores - 1, 3);
    }

    void message(long frame, long timeNanos, Endpoint source, Endpoint destination, Transport transport, byte[] d,
                 int at, int len) {
        add(new Raw(frame, timeNanos, source, destination, transport, java.util.Arrays.copyOfRange(d, at, at + len),
                List.of()));
    }

    void unframeable(long frame, long timeNanos, Endpoint source, Endpoint destination, byte[] d, int at, int len,
                     SipParseException why) {
        add(new Raw(frame, timeNanos, source, destination, Transport.TCP,
                java.util.Arrays.copyOfRange(d, at, at + len), List.of(why)));
    }

    void unreachable(IcmpUnreachable event) {
        add(new Passed(event));
    }

    /** Hands on everything still pending, in order. */
    void flush() {
        submit();
        while (!pending.isEmpty()) {
            deliver(pending.poll());
        }
    }

    private void add(Found found) {
        batch.add(found);
        if (batch.size() == BATCH) {
            submit();
            while (pending.size() > IN_FLIGHT || (!pending.isEmpty() && pending.peek().isDone())) {
                deliver(pending.poll());
            }
        }
    }

    private void submit() {
        if (batch.isEmpty()) {
            return;
        }
        List<Found> work = batch;
        batch = new ArrayList<>(BATCH);
        if (workers == null) {
            parseAll(work).forEach(out);
        } else {
            pending.add(workers.submit(() -> parseAll(work)));
        }
    }

    private void deliver(Future<List<LadderEvent>> done) {
        try {
            done.get().forEach(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while parsing", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("parser failed", e.getCause());
        }
    }

    private List<LadderEvent> parseAll(List<Found> work) {
        var events = new ArrayList<LadderEvent>(work.size());
        for (Found f : work) {
            if (f instanceof Raw raw) {
                try {
                    events.add(parse(raw));
                } catch (RuntimeException e) {
                    // The parser reports bad input as ParseResult.Failed; anything else is a bug, and costs
                    // this one message only.
                    events.add(unreadable(raw, e));
                }
            } else {
                events.add(((Passed) f).event());
            }
        }
        return events;
    }

    private CapturedMessage parse(Raw m) {
        byte[] d = m.bytes();
        byte[] text = keepText ? d : NO_TEXT;
        ParseResult r = lenient.parse(d);
        if (!m.framing().isEmpty()) {
            var violations = new ArrayList<>(m.framing());
            MessageFacts facts;
            if (r instanceof ParseResult.Parsed p) {
                violations.addAll(p.tolerated());
                facts = MessageFacts.of(p.message());
            } else {
                var f = (ParseResult.Failed) r;
                facts = MessageFacts.ofPartial(f.isRequest(), f.method().orElse(""), f.partialHeaders());
            }
            return new CapturedMessage(m.frame(), m.timeNanos(), m.source(), m.destination(), m.transport(), false,
                    violations, true, facts, text);
        }
        if (r instanceof ParseResult.Parsed p) {
            // Strict when serving, lenient when analyzing: a message with violations is parsed once more the way
            // the server would, to tell what a server refuses from what it only frowns upon.
            boolean refused = !p.tolerated().isEmpty() && strict.parse(d) instanceof ParseResult.Failed;
            return new CapturedMessage(m.frame(), m.timeNanos(), m.source(), m.destination(), m.transport(), true,
                    p.tolerated(), refused, MessageFacts.of(p.message()), text);
        }
        var f = (ParseResult.Failed) r;
        return new CapturedMessage(m.frame(), m.timeNanos(), m.source(), m.destination(), m.transport(), false,
                List.of(f.error()), true, MessageFacts.ofPartial(f.isRequest(), f.method().orElse(""),
                f.partialHeaders()), text);
    }

    private CapturedMessage unreadable(Raw m, RuntimeException e) {
        var why = new SipParseException(io.sipreg.message.Violation.BAD_START_LINE, 0, "unreadable (" + e + ")");
        return new CapturedMessage(m.frame(), m.timeNanos(), m.source(), m.destination(), m.transport(), false,
                List.of(why), true, MessageFacts.ofPartial(true, "", io.sipreg.message.Headers.EMPTY),
                keepText ? m.bytes() : NO_TEXT);
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
