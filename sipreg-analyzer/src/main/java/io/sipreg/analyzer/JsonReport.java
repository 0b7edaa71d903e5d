package io.sipreg.analyzer;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The machine-readable report, one JSON document per capture:
 * {@code {"file", "format", "registrations": [...], "keepalives": [...], "findings": [...], "packets",
 * "sipMessages", "summary", "damage"}}. It is written as the analysis streams: registrations go straight out,
 * keepalives and findings are spooled as text to temporary files until the registrations array is closed, so memory stays
 * flat for any number of conversations. With several files, the documents are the elements of one array.
 *
 * <p>Jackson's generator writes the frame of the document (pretty-printed); the registrations, keepalives and
 * findings, of which a large capture has hundreds of thousands, are written as bytes here ({@link JsonBytes}),
 * exactly as the generator would have written them.
 */
public final class JsonReport implements AnalysisListener, AutoCloseable {
    private static final JsonFactory FACTORY = new JsonFactory();
    /** Registrations are handed to the stream in pieces of about this size. */
    private static final int CHUNK = 1 << 16;

    // The pretty-printed layout of a registration inside the registrations array (Jackson's DefaultPrettyPrinter).
    private static final byte[] FIRST_REGISTRATION = bytes(" {\n    \"aor\" : ");
    private static final byte[] NEXT_REGISTRATION = bytes(", {\n    \"aor\" : ");
    private static final byte[] CALL_ID = bytes(",\n    \"callId\" : ");
    private static final byte[] OUTCOME = bytes(",\n    \"outcome\" : ");
    private static final byte[] CHALLENGE = bytes(",\n    \"challenge\" : ");
    private static final byte[] SETUP_MS = bytes(",\n    \"setupMs\" : ");
    private static final byte[] FRAMES = bytes(",\n    \"frames\" : [");
    private static final byte[] FINDINGS = bytes(",\n    \"findings\" : [");
    private static final byte[] END_REGISTRATION = bytes("\n  }");
    private static final byte[] NULL = bytes("null");
    private static final byte[] SPACE_LIST_END = bytes(" ]");
    private static final byte[] COMMA_SPACE = bytes(", ");
    // The compact layout of the spooled keepalives and findings, one per line.
    private static final byte[] SPOOL_SEPARATOR = bytes(",\n");
    private static final byte[] FROM = bytes("{\"from\":");
    private static final byte[] TO = bytes(",\"to\":");
    private static final byte[] COMPACT_OUTCOME = bytes(",\"outcome\":");
    private static final byte[] COMPACT_FRAMES = bytes(",\"frames\":[");
    private static final byte[] CODE = bytes("{\"code\":");
    private static final byte[] SEVERITY = bytes(",\"severity\":");
    private static final byte[] MESSAGE = bytes(",\"message\":");
    private static final byte[] AOR = bytes(",\"aor\":");
    private static final byte[] COMPACT_CALL_ID = bytes(",\"callId\":");

    private final OutputStream stream;
    private final JsonGenerator out;
    private final boolean array;
    private final JsonBytes registrations = new JsonBytes();
    private final JsonBytes text = new JsonBytes();
    private boolean firstRegistration;
    private OutputStream keepalives;
    private OutputStream findings;
    private boolean firstKeepalive;
    private boolean firstFinding;
    private Path keepaliveSpool;
    private Path findingSpool;

    /** {@code files} > 1 wraps the documents in an array. */
    public JsonReport(OutputStream stream, int files) {
        try {
            this.stream = stream;
            out = FACTORY.createGenerator(stream, JsonEncoding.UTF8);
            out.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            // flush() hands the generator's bytes to the stream, where the registrations are written in between.
            out.disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);
            out.useDefaultPrettyPrinter();
            array = files > 1;
            if (array) {
                out.writeStartArray();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void start(String file, String format) {
        try {
            out.writeStartObject();
            out.writeStringField("file", file);
            out.writeStringField("format", format);
            out.writeArrayFieldStart("registrations");
            out.flush();
            firstRegistration = true;
            keepaliveSpool = Files.createTempFile("sipreg-keepalives-", ".json");
            findingSpool = Files.createTempFile("sipreg-findings-", ".json");
            keepalives = spool(keepaliveSpool);
            findings = spool(findingSpool);
            firstKeepalive = true;
            firstFinding = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void conversation(Conversation c) {
        try {
            if (c.kind() == Conversation.Kind.REGISTRATION) {
                writeRegistration(c);
                if (registrations.size() >= CHUNK) {
                    registrations.writeTo(stream);
                    registrations.reset();
                }
            } else {
                writeKeepalive(c);
            }
            for (Finding f : c.findings()) {
                writeFinding(f, c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void finding(Finding f) {
        try {
            writeFinding(f, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The registrations so far go out; keepalives and findings wait in their spools for the end of the document. */
    @Override
    public void waiting() {
        try {
            registrations.writeTo(stream);
            registrations.reset();
            stream.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void end(Summary s) {
        try {
            registrations.writeTo(stream);
            registrations.reset();
            out.writeEndArray();
            out.writeArrayFieldStart("keepalives");
            copy(keepalives, keepaliveSpool);
            out.writeEndArray();
            out.writeArrayFieldStart("findings");
            copy(findings, findingSpool);
            out.writeEndArray();
            out.writeNumberField("packets", s.packets());
            out.writeNumberField("sipMessages", s.sipMessages());
            out.writeObjectFieldStart("summary");
            out.writeNumberField("bytes", s.bytes());
            out.writeNumberField("otherSipMessages", s.otherSipMessages());
            out.writeNumberField("durationMs", (s.lastNanos() - s.firstNanos()) / 1e6);
            writeCounts("outcomes", s.outcomes());
            writeCounts("findings", s.findings());
            out.writeObjectFieldStart("severities");
            for (Severity sev : Severity.values()) {
                out.writeNumberField(sev.lowerCase(), s.severities().getOrDefault(sev, 0L));
            }
            out.writeEndObject();
            out.writeNumberField("tcpRetransmittedSegments", s.tcpRetransmittedSegments());
            out.writeNumberField("tcpOutOfOrderSegments", s.tcpOutOfOrderSegments());
            out.writeNumberField("tcpGaps", s.tcpGaps());
            out.writeNumberField("ipDatagramsReassembled", s.fragmentsReassembled());
            out.writeArrayFieldStart("notes");
            for (String n : s.notes()) {
                out.writeString(n);
            }
            out.writeEndArray();
            out.writeEndObject();
            out.writeArrayFieldStart("damage");
            for (CaptureDamage d : s.damage()) {
                out.writeStartObject();
                out.writeNumberField("offset", d.offset());
                out.writeStringField("what", d.what());
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
            out.flush();
            stream.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends the array around several documents and flushes; the stream stays open. */
    @Override
    public void close() {
        try {
            if (array) {
                out.writeEndArray();
            }
            out.writeRaw('\n');
            out.close();
            stream.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends the spooled values, already separated by commas, to the open array: a plain copy of the bytes. */
    private void copy(OutputStream spool, Path file) throws IOException {
        spool.close();
        out.flush();
        try {
            Files.copy(file, stream);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static OutputStream spool(Path file) throws IOException {
        return new java.io.BufferedOutputStream(Files.newOutputStream(file), CHUNK);
    }

    private void writeCounts(String name, Map<String, Long> counts) throws IOException {
        out.writeObjectFieldStart(name);
        for (var e : new TreeMap<>(counts).entrySet()) {
            out.writeNumberField(e.getKey(), e.getValue());
        }
        out.writeEndObject();
    }

    /** {@code {"aor" : ..., "callId" : ..., ...}} in the array, pretty-printed at its depth. */
    private void writeRegistration(Conversation c) {
        JsonBytes b = registrations;
        b.raw(firstRegistration ? FIRST_REGISTRATION : NEXT_REGISTRATION).string(c.aor());
        firstRegistration = false;
        b.raw(CALL_ID).string(c.callId());
        b.raw(OUTCOME).string(c.outcome());
        b.raw(CHALLENGE);
        if (c.challenge() > 0) {
            b.number(c.challenge());
        } else {
            b.raw(NULL);
        }
        b.raw(SETUP_MS);
        if (c.setupMs() >= 0) {
            b.number(c.setupMs());
        } else {
            b.raw(NULL);
        }
        b.raw(FRAMES);
        List<LadderEvent> events = c.events();
        for (int i = 0; i < events.size(); i++) {
            b.raw(i == 0 ? SPACE : COMMA_SPACE).number(events.get(i).frame());
        }
        b.raw(SPACE_LIST_END);
        b.raw(FINDINGS);
        List<Finding> found = c.findings();
        for (int i = 0; i < found.size(); i++) {
            b.raw(i == 0 ? SPACE : COMMA_SPACE).string(found.get(i).code());
        }
        b.raw(SPACE_LIST_END);
        b.raw(END_REGISTRATION);
    }

    private void writeKeepalive(Conversation c) throws IOException {
        JsonBytes b = text;
        b.reset();
        if (!firstKeepalive) {
            b.raw(SPOOL_SEPARATOR);
        }
        firstKeepalive = false;
        LadderEvent first = c.events().get(0);
        b.raw(FROM).string(first.source().toString());
        b.raw(TO).string(first.destination().toString());
        b.raw(COMPACT_OUTCOME).string(c.outcome());
        b.raw(COMPACT_FRAMES);
        List<LadderEvent> events = c.events();
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                b.raw(',');
            }
            b.number(events.get(i).frame());
        }
        b.raw(']').raw('}');
        b.writeTo(keepalives);
    }

    private void writeFinding(Finding f, Conversation c) throws IOException {
        JsonBytes b = text;
        b.reset();
        if (!firstFinding) {
            b.raw(SPOOL_SEPARATOR);
        }
        firstFinding = false;
        b.raw(CODE).string(f.code());
        b.raw(SEVERITY).string(f.severity().lowerCase());
        b.raw(MESSAGE).string(f.message());
        b.raw(COMPACT_FRAMES);
        List<Long> frames = f.frames();
        for (int i = 0; i < frames.size(); i++) {
            if (i > 0) {
                b.raw(',');
            }
            b.number(frames.get(i));
        }
        b.raw(']');
        if (c != null && c.kind() == Conversation.Kind.REGISTRATION) {
            b.raw(AOR).string(c.aor());
            b.raw(COMPACT_CALL_ID).string(c.callId());
        }
        b.raw('}');
        b.writeTo(findings);
    }

    private static final byte[] SPACE = bytes(" ");

    private static byte[] bytes(String layout) {
        return layout.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
