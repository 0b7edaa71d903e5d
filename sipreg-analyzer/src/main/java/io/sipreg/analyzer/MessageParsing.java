package io.sipreg.analyzer;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParseException;
import io.sipreg.message.SipParser;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The SIP parsing stage: the bytes of each message found in the capture become a {@link CapturedMessage}.
 * Parsing is most of the work and each message parses on its own, so batches of messages are parsed on worker
 * threads while the reading thread goes on; results are handed on strictly in capture order, with the events found
 * between them (ICMP errors, findings about the file), so that everything downstream sees one order whatever the
 * number of threads.
 *
 * <p>A plainly written message, the bulk of any large capture, is read by the {@link CanonicalScanner} in one pass;
 * anything else by the full lenient parser, which reports each violation. Either way the facts are read in full
 * here ({@link MessageFacts#resolve()}), off the thread that groups and diagnoses.
 */
final class MessageParsing {
    private static final int BATCH = 512;
    private static final int IN_FLIGHT = 8;
    private static final byte[] NO_TEXT = new byte[0];
    /** The message bytes of a batch are copied into shared chunks of this size, not one array each. */
    private static final int CHUNK = 1 << 18;

    /** Something found in the capture, in capture order, waiting for the parse stage. */
    private sealed interface Found permits Raw, Passed {
    }

    /**
     * The bytes {@code bytes[at, at+length)} of one message; {@code framing} is the TCP framing error, if the
     * message could not be cut.
     */
    private record Raw(long frame, long timeNanos, Endpoint source, Endpoint destination, Transport transport,
                       byte[] bytes, int at, int length, List<SipParseException> framing, boolean fragmented,
                       boolean cut)
            implements Found {
    }

    /** An {@link IcmpUnreachable} or a {@link Finding}, handed on in its place. */
    private record Passed(Object event) implements Found {
    }

    private final SipParser lenient = SipParser.lenient();
    private final SipParser strict = SipParser.strict();
    /** Messages cut before their Call-ID (counted on the parsing threads). */
    private final LongAdder callIdsCut = new LongAdder();
    private final boolean keepText;
    private final boolean canonicalScan;
    private final OrderedStage<Found, Object> stage;
    private byte[] chunk = new byte[CHUNK];
    private int chunkUsed;

    /**
     * {@code workers} null parses on the calling thread; {@code canonicalScan} false sends every message to the full
     * parser. {@code out} receives {@link CapturedMessage}s and the passed events, in order.
     */
    MessageParsing(boolean keepText, ExecutorService workers, boolean canonicalScan, Consumer<Object> out) {
        this.keepText = keepText;
        this.canonicalScan = canonicalScan;
        this.stage = new OrderedStage<>(workers, BATCH, IN_FLIGHT, this::parse, out);
    }

    /**
     * {@code fragmented}: the datagram came in IP fragments, put back together; {@code cut}: the capture kept only
     * its first bytes.
     */
    void message(long frame, long timeNanos, Endpoint source, Endpoint destination, Transport transport, byte[] d,
                 int at, int len, boolean fragmented, boolean cut) {
        stage.add(copy(frame, timeNanos, source, destination, transport, d, at, len, List.of(), fragmented, cut));
    }

    void unframeable(long frame, long timeNanos, Endpoint source, Endpoint destination, byte[] d, int at, int len,
                     SipParseException why) {
        stage.add(copy(frame, timeNanos, source, destination, Transport.TCP, d, at, len, List.of(why), false, false));
    }

    void unreachable(IcmpUnreachable event) {
        stage.add(new Passed(event));
    }

    /** A finding about the file (damage, a frame that could not be decoded), in its place among the messages. */
    void finding(Finding finding) {
        stage.add(new Passed(finding));
    }

    /** Messages cut short before their Call-ID so far: the phone's address stood in for it. */
    long callIdsCut() {
        return callIdsCut.sum();
    }

    /** Hands on everything still pending, in order. */
    void flush() {
        stage.flush();
    }

    /** The capture's buffer is reused for the next frame: the bytes are copied, into the current chunk if they fit. */
    private Raw copy(long frame, long timeNanos, Endpoint source, Endpoint destination, Transport transport, byte[] d,
                     int at, int len, List<SipParseException> framing, boolean fragmented, boolean cut) {
        if (len > CHUNK / 4) {
            return new Raw(frame, timeNanos, source, destination, transport, Arrays.copyOfRange(d, at, at + len), 0,
                    len, framing, fragmented, cut);
        }
        if (chunkUsed + len > CHUNK) {
            // The old chunk stays reachable from the messages in it until they are parsed; it is never written again.
            chunk = new byte[CHUNK];
            chunkUsed = 0;
        }
        System.arraycopy(d, at, chunk, chunkUsed, len);
        var raw = new Raw(frame, timeNanos, source, destination, transport, chunk, chunkUsed, len, framing,
                fragmented, cut);
        chunkUsed += len;
        return raw;
    }

    private Object parse(Found f) {
        if (f instanceof Passed passed) {
            return passed.event();
        }
        var raw = (Raw) f;
        try {
            return parse(raw);
        } catch (RuntimeException e) {
            // The parser reports bad input as ParseResult.Failed; anything else is a bug, and costs this one message
            // only.
            return unreadable(raw, e);
        }
    }

    private CapturedMessage parse(Raw m) {
        byte[] d = m.bytes();
        int at = m.at();
        int len = m.length();
        byte[] text = keepText ? Arrays.copyOfRange(d, at, at + len) : NO_TEXT;
        if (m.cut()) {
            return parseCut(m, text);
        }
        if (canonicalScan && m.framing().isEmpty()) {
            MessageFacts facts = scan(d, at, len);
            if (facts != null) {
                return new CapturedMessage(m.frame(), m.timeNanos(), m.source(), m.destination(), m.transport(), true,
                        List.of(), false, facts.resolve(), text, m.fragmented(), false);
            }
        }
        ParseResult r = lenient.parse(d, at, len);
        if (!m.framing().isEmpty()) {
            var violations = new ArrayList<>(m.framing());
            MessageFacts facts;
            if (r instanceof ParseResult.Parsed p) {
                violations.addAll(p.tolerated());
                facts = MessageFacts.of(p.message());
            } else {
                var failed = (ParseResult.Failed) r;
                facts = MessageFacts.ofPartial(failed.isRequest(), failed.method().orElse(""), failed.partialHeaders());
            }
            return new CapturedMessage(m.frame(), m.timeNanos(), m.source(), m.destination(), m.transport(), false,
                    violations, true, facts.resolve(), text, m.fragmented(), false);
        }
        if (r instanceof ParseResult.Parsed p) {
            // Strict when serving, lenient when analyzing: a message with violations is parsed once more the way
            // the server would, to tell what a server refuses from what it only frowns upon.
            boolean refused = !p.tolerated().isEmpty() && strict.parse(d, at, len) instanceof ParseResult.Failed;
            return new CapturedMessage(m.frame(), m.timeNanos(), m.source(), m.destination(), m.transport(), true,
                    p.tolerated(), refused, MessageFacts.of(p.message()).resolve(), text, m.fragmented(), false);
        }
        var failed = (ParseResult.Failed) r;
        return new CapturedMessage(m.frame(), m.timeNanos(), m.source(), m.destination(), m.transport(), false,
                List.of(failed.error()), true, MessageFacts.ofPartial(failed.isRequest(), failed.method().orElse(""),
                failed.partialHeaders()).resolve(), text, m.fragmented(), false);
    }

    /**
     * A message the capture cut short: what it holds is read up to its last whole line, ended there as if the
     * headers ended, so that a header cut in the middle is not read as a wrong one. Its violations would all be the
     * capture's doing (headers missing, a body shorter than Content-Length), so none is reported.
     */
    private CapturedMessage parseCut(Raw m, byte[] text) {
        byte[] d = m.bytes();
        int lastLineEnd = m.at() + m.length() - 1;
        while (lastLineEnd > m.at() && !(d[lastLineEnd] == '\n' && d[lastLineEnd - 1] == '\r')) {
            lastLineEnd--;
        }
        int kept = Math.max(0, lastLineEnd + 1 - m.at());
        byte[] whole = Arrays.copyOf(Arrays.copyOfRange(d, m.at(), m.at() + kept), kept + 2);
        whole[kept] = '\r';
        whole[kept + 1] = '\n';
        MessageFacts facts;
        ParseResult r = lenient.parse(whole, 0, whole.length);
        if (r instanceof ParseResult.Parsed p) {
            facts = MessageFacts.of(p.message());
        } else {
            var failed = (ParseResult.Failed) r;
            facts = MessageFacts.ofPartial(failed.isRequest(), failed.method().orElse(""), failed.partialHeaders());
        }
        // Without a Call-ID, the phone's address groups its registrations: the request's source, the answer's
        // destination.
        String callIdStandIn = "(not captured; phone " + (facts.request() ? m.source() : m.destination()) + ")";
        if (facts.callId().isEmpty()) {
            callIdsCut.increment();
        }
        return new CapturedMessage(m.frame(), m.timeNanos(), m.source(), m.destination(), m.transport(), true,
                List.of(), false, facts.cutShort(callIdStandIn), text, m.fragmented(), true);
    }

    /** The scanner must never cost a message: should it fail on some input, the full parser takes the message. */
    private static MessageFacts scan(byte[] d, int at, int len) {
        try {
            return CanonicalScanner.scan(d, at, len);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private CapturedMessage unreadable(Raw m, RuntimeException e) {
        var why = new SipParseException(io.sipreg.message.Violation.BAD_START_LINE, 0, "unreadable (" + e + ")");
        return new CapturedMessage(m.frame(), m.timeNanos(), m.source(), m.destination(), m.transport(), false,
                List.of(why), true, MessageFacts.ofPartial(true, "", io.sipreg.message.Headers.EMPTY),
                keepText ? Arrays.copyOfRange(m.bytes(), m.at(), m.at() + m.length()) : NO_TEXT, m.fragmented(),
                m.cut());
    }
}
