package io.sipreg.analyzer;

import io.sipreg.message.SipParseException;
import io.sipreg.message.SipParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Analyzes one capture file in a single streaming pass: capture file, then frames (link layer, IP with fragment
 * reassembly, UDP/TCP with stream reassembly), then SIP messages (found by content, parsed leniently), then
 * conversations (grouped by the {@link MessageCorrelator}, then diagnosed), each handed to the listener as soon as
 * it is concluded. Memory depends on what is open at a time, not on the size of the file.
 *
 * <p>Parsing and diagnosing run on worker threads, in batches, while the calling thread reads, groups and reports;
 * each stage hands its results on in capture order, so the report is the same whatever the number of threads.
 */
public final class CaptureAnalyzer {
    /** Concluded groups waiting to be diagnosed, per batch. */
    private static final int DIAGNOSIS_BATCH = 256;
    private static final int DIAGNOSIS_IN_FLIGHT = 16;

    private final AnalyzerOptions options;
    private final int threads;
    private final boolean canonicalScan;

    public CaptureAnalyzer(AnalyzerOptions options) {
        this(options, defaultThreads());
    }

    /** {@code workerThreads} 0 does everything on the calling thread. */
    public CaptureAnalyzer(AnalyzerOptions options, int workerThreads) {
        this(options, workerThreads, true);
    }

    /** {@code canonicalScan} false parses every message with the full parser (the reference the scanner must match). */
    CaptureAnalyzer(AnalyzerOptions options, int workerThreads, boolean canonicalScan) {
        this.options = options;
        this.threads = workerThreads;
        this.canonicalScan = canonicalScan;
    }

    /**
     * Workers to use on this machine: one core is left to the calling thread, which reads, groups and writes the
     * report. More workers than that only add switching between threads (measured on two cores).
     */
    static int defaultThreads() {
        int cores = Runtime.getRuntime().availableProcessors();
        return cores <= 1 ? 0 : Math.min(cores - 1, 3);
    }

    /**
     * Reads {@code file} and reports to {@code listener}. Damage in the file is reported as findings, never
     * thrown; only a file that is not a capture at all is {@link UnusableCaptureException}.
     */
    public Summary analyze(Path file, AnalysisListener listener) throws UnusableCaptureException, IOException {
        try (CaptureReader reader = CaptureReader.open(file)) {
            return analyze(file.toString(), reader, listener, null);
        }
    }

    /**
     * Reads a capture from {@code in} as it arrives, such as {@code tcpdump -U -w -} through a pipe (or a
     * gzip-compressed one), and closes it.
     * Whenever the stream has nothing more yet, what has been concluded so far is reported and
     * {@link AnalysisListener#waiting} is called: a live capture is explained as it goes, each registration once a
     * later packet shows that its linger time has passed.
     */
    public Summary analyze(InputStream in, String name, AnalysisListener listener)
            throws UnusableCaptureException, IOException {
        var stream = new LiveStream(Gzip.decompressIfGzip(in));
        try (CaptureReader reader = CaptureReader.open(stream, name)) {
            return analyze(name, reader, listener, stream);
        }
    }

    /** {@code live} is the stream the reader reads, when it is one. */
    private Summary analyze(String name, CaptureReader reader, AnalysisListener listener, LiveStream live)
            throws IOException {
        ExecutorService workers = threads == 0 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "sipreg-analyze-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            var run = new Run(name, listener, workers);
            listener.start(name, reader.format());
            if (live != null) {
                live.beforeWaiting(run::catchUp);
            }
            reader.read(run);
            return run.finish(reader.format());
        } finally {
            if (workers != null) {
                workers.shutdownNow();
            }
        }
    }

    /** A TCP segment by its connection's direction and sequence number. */
    private record CutSegment(Endpoint source, Endpoint destination, int sequence) {
    }

    /** A group the correlator concluded, on its way to the diagnosis. */
    private record Concluded(MessageGroup group, long captureNow) {
    }

    /** The state of one pass over one file. */
    private final class Run implements FrameSink, PacketDecoder.Listener, TcpStreamReassembler.Sink,
            SipStreamFramer.Emitter {
        private final String file;
        private final AnalysisListener listener;
        private final SipParser parser = SipParser.lenient();
        private final MessageParsing parsing;
        private final NatTranslations nat = new NatTranslations();
        private final Diagnosis diagnosis = new Diagnosis(nat);
        /** Concluded groups and findings, in order: groups become conversations on a worker. */
        private final OrderedStage<Object, Object> reporting;
        private final PacketDecoder decoder = new PacketDecoder(this);
        private final TcpStreamReassembler tcp = new TcpStreamReassembler(() -> new SipStreamFramer(parser));
        private final TlsHandshakes tls = new TlsHandshakes();
        private final FlowKeepalives flowKeepalives = new FlowKeepalives();
        private final DnsLookups dns = new DnsLookups();
        private final MessageCorrelator correlator;
        private final Set<Integer> ports = options.ports();
        private final String filter = options.filter();
        private final List<CaptureDamage> damage = new ArrayList<>();
        private final Map<String, Long> outcomes = new HashMap<>();
        private final Map<String, Long> findingCodes = new HashMap<>();
        private final Map<Severity, Long> severities = new EnumMap<>(Severity.class);
        private final Set<Integer> unsupportedLinkTypes = new TreeSet<>();
        private long frame;
        private long bytes;
        private long timeNanos;
        /** The earliest and latest frame times: the same as the first and last unless the capture goes back. */
        private long earliestNanos = Long.MAX_VALUE;
        private long latestNanos = Long.MIN_VALUE;
        private long sipMessages;
        private long undecodableFrames;
        private final SnapLength snapLength = new SnapLength();
        private final DuplicateFrames duplicates = new DuplicateFrames(nat);
        private final ClockOrder clockOrder = new ClockOrder();
        /** TCP segments cut short that were read, so that TCP's retransmissions of them are not read again. */
        private final Map<CutSegment, Boolean> cutSegments = new java.util.LinkedHashMap<>(256, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<CutSegment, Boolean> eldest) {
                return size() > 4096;
            }
        };
        private TcpStreamReassembler.Direction direction;

        Run(String file, AnalysisListener listener, ExecutorService workers) {
            this.file = file;
            this.listener = listener;
            this.correlator = new MessageCorrelator(diagnosis, nat, this::concluded, this::strayFinding);
            this.parsing = new MessageParsing(options.keepMessageText(), workers, canonicalScan, this::parsed);
            this.reporting = new OrderedStage<>(workers, DIAGNOSIS_BATCH, DIAGNOSIS_IN_FLIGHT, this::diagnose,
                    this::reported);
        }

        // ---- frames ----

        @Override
        public void frame(int linkType, long time, byte[] data, int offset, int capturedLength, int originalLength) {
            frame++;
            bytes += capturedLength;
            clockOrder.frame(frame, time);
            if (capturedLength < originalLength) {
                snapLength.cut(frame, capturedLength, originalLength);
            }
            timeNanos = time;
            earliestNanos = Math.min(earliestNanos, time);
            latestNanos = Math.max(latestNanos, time);
            try {
                decoder.decode(linkType, time, data, offset, capturedLength);
            } catch (RuntimeException e) {
                // A decoder bug must cost one frame, not the analysis (bad input never escapes as an exception).
                undecodable(e);
            }
            if ((frame & 0xFFFF) == 0) {
                tcp.expire(time);
            }
        }

        @Override
        public void damage(CaptureDamage d) {
            damage.add(d);
            parsing.finding(new Finding("capture-damaged", Severity.ERROR, "The capture file is damaged at byte " + d.offset()
                    + ": " + d.what() + ". The " + frame + " frames before it were analyzed.", List.of()));
        }

        private void undecodable(RuntimeException e) {
            if (undecodableFrames++ == 0) {
                parsing.finding(new Finding("undecodable", Severity.WARNING, "Frame " + frame + " could not be decoded ("
                        + e + "); it and any others like it are skipped.", List.of(frame)));
            }
        }

        // ---- packets ----

        @Override
        public void udp(PacketDecoder.Addresses ip, int sourcePort, int destinationPort, byte[] d, int at, int len) {
            if (!ports.isEmpty() && !ports.contains(sourcePort) && !ports.contains(destinationPort)) {
                return;
            }
            if (!SipDetector.startsMessage(d, at, len)) {
                if (sourcePort == DnsLookups.PORT || destinationPort == DnsLookups.PORT) {
                    dns.udp(frame, timeNanos, ip.source(sourcePort), ip.destination(destinationPort), d, at, len);
                } else if (FlowKeepalives.candidate(d, at, len)) {
                    flowKeepalives.udp(frame, timeNanos, ip.source(sourcePort), ip.destination(destinationPort), d, at,
                            len);
                }
                return;
            }
            Endpoint source = ip.source(sourcePort);
            Endpoint destination = ip.destination(destinationPort);
            // What the capture cut short is not all of the datagram: two different ones may start alike.
            if (!decoder.cut() && duplicates.isCopy(frame, timeNanos, ip.identification(), source, destination, d, at,
                    len)) {
                return;
            }
            message(timeNanos, source, destination, Transport.UDP, d, at, len, decoder.reassembled(), decoder.cut());
        }

        @Override
        public void mirrored(PacketDecoder.Addresses ip, int sourcePort, int destinationPort, Transport transport,
                             long time, byte[] d, int at, int len) {
            if (!ports.isEmpty() && !ports.contains(sourcePort) && !ports.contains(destinationPort)) {
                return;
            }
            // The agent's clock says when the message passed it; the frame's only when the copy reached the
            // collector, after the agent's own delay.
            message(time >= 0 ? time : timeNanos, ip.source(sourcePort), ip.destination(destinationPort), transport, d,
                    at, len, false, decoder.cut());
        }

        @Override
        public void encapsulated(String description) {
            parsing.finding(new Finding("encapsulated", Severity.INFO, "Frame " + frame + " and those like it carry SIP"
                    + " inside " + description + ".", List.of(frame)));
        }

        @Override
        public void tcp(PacketDecoder.Addresses ip, int sourcePort, int destinationPort, int sequence, int flags,
                        byte[] d, int at, int len) {
            if (!ports.isEmpty() && !ports.contains(sourcePort) && !ports.contains(destinationPort)) {
                return;
            }
            if (len == 0 && (flags & (PacketDecoder.TCP_SYN | PacketDecoder.TCP_FIN | PacketDecoder.TCP_RST)) == 0) {
                return;     // a bare ACK
            }
            boolean looksLikeSip = len > 0 && SipDetector.startsMessage(d, at, len);
            if (decoder.cut() && len > 0) {
                // The rest of the segment is not in the file, so the stream cannot be put back together; a segment
                // that starts a message (most carry one whole) is read as far as it was kept, like a cut datagram.
                Endpoint source = ip.source(sourcePort);
                Endpoint destination = ip.destination(destinationPort);
                // A segment TCP sent again is not a SIP retransmission: each is read once.
                if (looksLikeSip && cutSegments.put(new CutSegment(source, destination, sequence), true) == null) {
                    message(timeNanos, source, destination, Transport.TCP, d, at, len, false, true);
                }
                return;
            }
            if (!looksLikeSip && len > 0 && len <= 4) {
                flowKeepalives.tcp(frame, timeNanos, ip.source(sourcePort), ip.destination(destinationPort), d, at,
                        len);
            }
            if (!looksLikeSip && len >= 5 && (d[at] == 0x16 || d[at] == 0x15)) {
                tls.segment(frame, ip.source(sourcePort), ip.destination(destinationPort), d, at, len,
                        parsing::finding);
            }
            tcp.segment(ip.source(sourcePort), ip.destination(destinationPort), sequence, flags, d, at, len,
                    looksLikeSip, timeNanos, this);
        }

        @Override
        public void unreachable(Endpoint reporter, String reason, boolean portUnreachable, Transport transport,
                                Endpoint quotedSource, Endpoint quotedDestination, byte[] quotedPayload) {
            if (!ports.isEmpty() && !ports.contains(quotedSource.port()) && !ports.contains(quotedDestination.port())) {
                return;
            }
            parsing.unreachable(new IcmpUnreachable(frame, timeNanos, reporter, reason, portUnreachable, transport,
                    quotedSource, quotedDestination, quotedPayload));
        }

        @Override
        public void unsupportedLinkType(int linkType) {
            if (unsupportedLinkTypes.add(linkType)) {
                parsing.finding(new Finding("unsupported-link-type", Severity.WARNING, "Frames with " + LinkType.name(linkType)
                        + " are skipped: the analyzer reads Ethernet (with VLAN tags), Linux cooked v1/v2, raw IP"
                        + " and BSD loopback. First one: frame " + frame + ".", List.of(frame)));
            }
        }

        // ---- TCP streams ----

        @Override
        public void bytes(TcpStreamReassembler.Direction dir, SipStreamFramer framer, byte[] d, int at, int len) {
            direction = dir;
            framer.append(d, at, len, this);
        }

        @Override
        public void closed(TcpStreamReassembler.Direction dir, int leftover) {
            // A connection closed inside a message: the rest never came. Nothing to parse.
        }

        @Override
        public void message(byte[] d, int at, int len) {
            message(timeNanos, direction.source(), direction.destination(), Transport.TCP, d, at, len, false, false);
        }

        @Override
        public void unframeable(byte[] d, int at, int len, SipParseException why) {
            sipMessages++;
            parsing.unframeable(frame, timeNanos, direction.source(), direction.destination(), d, at, len, why);
        }

        // ---- SIP ----

        /**
         * {@code fragmented}: the datagram came in IP fragments, put back together; {@code cut}: the capture kept only
         * its first bytes.
         */
        private void message(long time, Endpoint source, Endpoint destination, Transport transport, byte[] d, int at,
                             int len, boolean fragmented, boolean cut) {
            sipMessages++;
            parsing.message(frame, time, source, destination, transport, d, at, len, fragmented, cut);
        }

        private void parsed(Object e) {
            if (e instanceof CapturedMessage m) {
                correlator.message(m);
            } else if (e instanceof IcmpUnreachable u) {
                correlator.unreachable(u, parser);
            } else {
                reporting.add(e);       // a finding about the file, in its place
            }
        }

        // ---- results ----

        private void concluded(MessageGroup g, long captureNow) {
            reporting.add(new Concluded(g, captureNow));
        }

        /** On a worker: a concluded group becomes a conversation; findings pass as they are. */
        private Object diagnose(Object item) {
            if (item instanceof Concluded c) {
                try {
                    return c.group() instanceof RegistrationAttempt a ? diagnosis.registration(a, c.captureNow())
                            : diagnosis.keepalives((KeepaliveSeries) c.group(), c.captureNow());
                } catch (RuntimeException e) {
                    // A diagnosis bug must cost this one conversation, not the analysis: its ladder is still shown.
                    return undiagnosed(c.group(), e);
                }
            }
            return item;
        }

        private Conversation undiagnosed(MessageGroup g, RuntimeException e) {
            var finding = new Finding("undiagnosed", Severity.WARNING, "These messages could not be diagnosed (" + e
                    + "); the ladder shows them as captured.", List.of(g.events.get(0).frame()));
            return g instanceof RegistrationAttempt a
                    ? new Conversation(Conversation.Kind.REGISTRATION, a.aor, a.callId, "undiagnosed", 0, -1, g.events,
                            List.of(finding))
                    : new Conversation(Conversation.Kind.KEEPALIVE, "", "", "undiagnosed", 0, -1, g.events,
                            List.of(finding));
        }

        /** Back on the reading thread, in order. */
        private void reported(Object item) {
            if (item instanceof Conversation c) {
                conversation(c);
            } else {
                report((Finding) item);
            }
        }

        private void conversation(Conversation c) {
            if (!filter.isEmpty() && !c.matches(filter)) {
                return;
            }
            outcomes.merge(c.outcome(), 1L, Long::sum);
            for (Finding f : c.findings()) {
                count(f);
            }
            listener.conversation(c);
        }

        /** Findings outside any conversation concern no AOR or Call-ID, so a filter hides them. */
        private void strayFinding(Finding f) {
            if (filter.isEmpty()) {
                reporting.add(f);
            }
        }

        private void report(Finding f) {
            count(f);
            listener.finding(f);
        }

        private void count(Finding f) {
            findingCodes.merge(f.code(), 1L, Long::sum);
            severities.merge(f.severity(), 1L, Long::sum);
        }

        /** The input has nothing more for now: everything pending in the stages is handed on, in order. */
        void catchUp() {
            parsing.flush();
            reporting.flush();
            listener.waiting();
        }

        Summary finish(String format) {
            // The capture's span, from its earliest frame to its latest (0 to 0 without frames).
            long start = frame == 0 ? 0 : earliestNanos;
            long end = frame == 0 ? 0 : latestNanos;
            dns.conclude(end, parsing::finding);
            flowKeepalives.conclude(end, parsing::finding);
            duplicates.conclude(parsing::finding);
            clockOrder.conclude(parsing::finding);
            parsing.flush();
            snapLength.conclude(tcp.gaps() > 0, parsing.callIdsCut(), correlator.cutBeforeVia(), this::strayFinding);
            correlator.finish();
            reporting.flush();
            var notes = new ArrayList<String>();
            if (tcp.retransmittedSegments() + tcp.outOfOrderSegments() + tcp.gaps() > 0) {
                notes.add("TCP: " + tcp.retransmittedSegments() + " retransmitted and " + tcp.outOfOrderSegments()
                        + " out-of-order segments put back in order" + (tcp.gaps() > 0 ? "; " + tcp.gaps()
                        + " holes the capture never filled (bytes lost)" : ""));
            }
            if (decoder.fragments().reassembled() + decoder.fragments().incomplete() > 0) {
                notes.add("IP fragments: " + decoder.fragments().reassembled() + " datagrams reassembled"
                        + (decoder.fragments().incomplete() > 0 ? ", " + decoder.fragments().incomplete()
                        + " left incomplete" : ""));
            }
            String tlsNote = tls.note();
            if (tlsNote != null) {
                notes.add(tlsNote);
            }
            if (correlator.otherMessages() > 0) {
                notes.add(correlator.otherMessages() + " other SIP messages (not REGISTER or OPTIONS) were not diagnosed");
            }
            var summary = new Summary(file, format, frame, bytes, sipMessages, correlator.otherMessages(),
                    start, end, outcomes, findingCodes, severities, damage,
                    tcp.retransmittedSegments(), tcp.outOfOrderSegments(), tcp.gaps(),
                    decoder.fragments().reassembled(), decoder.fragments().incomplete(), notes);
            listener.end(summary);
            return summary;
        }
    }
}
