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
 * The --json report as it was first written, every byte through Jackson's generator: the reference that
 * {@link JsonReport}, which writes the bulk of the document itself, must equal byte for byte.
 */
final class JsonReportReference implements AnalysisListener, AutoCloseable {
    private static final JsonFactory FACTORY = new JsonFactory();

    private final JsonGenerator out;
    private final boolean array;
    private JsonGenerator keepalives;
    private JsonGenerator findings;
    private Path keepaliveSpool;
    private Path findingSpool;

    /** {@code files} > 1 wraps the documents in an array. */
    JsonReportReference(OutputStream stream, int files) {
        try {
            out = FACTORY.createGenerator(stream, JsonEncoding.UTF8);
            out.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
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
            keepaliveSpool = Files.createTempFile("sipreg-keepalives-", ".json");
            findingSpool = Files.createTempFile("sipreg-findings-", ".json");
            keepalives = spool(keepaliveSpool);
            findings = spool(findingSpool);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void conversation(Conversation c) {
        try {
            if (c.kind() == Conversation.Kind.REGISTRATION) {
                writeRegistration(out, c);
            } else {
                writeKeepalive(keepalives, c);
            }
            for (Finding f : c.findings()) {
                writeFinding(findings, f, c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void finding(Finding f) {
        try {
            writeFinding(findings, f, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void end(Summary s) {
        try {
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends the spooled values, already separated by commas, to the open array: a plain copy of the text. */
    private void copy(JsonGenerator spool, Path file) throws IOException {
        spool.close();
        try (var in = Files.newBufferedReader(file, java.nio.charset.StandardCharsets.UTF_8)) {
            char[] chunk = new char[1 << 16];
            for (int n; (n = in.read(chunk)) > 0; ) {
                out.writeRaw(chunk, 0, n);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static JsonGenerator spool(Path file) throws IOException {
        JsonGenerator g = FACTORY.createGenerator(file.toFile(), JsonEncoding.UTF8);
        g.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString(",\n"));
        return g;
    }

    private void writeCounts(String name, Map<String, Long> counts) throws IOException {
        out.writeObjectFieldStart(name);
        for (var e : new TreeMap<>(counts).entrySet()) {
            out.writeNumberField(e.getKey(), e.getValue());
        }
        out.writeEndObject();
    }

    private static void writeRegistration(JsonGenerator g, Conversation c) throws IOException {
        g.writeStartObject();
        g.writeStringField("aor", c.aor());
        g.writeStringField("callId", c.callId());
        g.writeStringField("outcome", c.outcome());
        if (c.challenge() > 0) {
            g.writeNumberField("challenge", c.challenge());
        } else {
            g.writeNullField("challenge");
        }
        if (c.setupMs() >= 0) {
            g.writeNumberField("setupMs", c.setupMs());
        } else {
            g.writeNullField("setupMs");
        }
        writeFrames(g, c.frames());
        g.writeArrayFieldStart("findings");
        for (Finding f : c.findings()) {
            g.writeString(f.code());
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void writeKeepalive(JsonGenerator g, Conversation c) throws IOException {
        g.writeStartObject();
        LadderEvent first = c.events().get(0);
        g.writeStringField("from", first.source().toString());
        g.writeStringField("to", first.destination().toString());
        g.writeStringField("outcome", c.outcome());
        writeFrames(g, c.frames());
        g.writeEndObject();
    }

    private static void writeFinding(JsonGenerator g, Finding f, Conversation c) throws IOException {
        g.writeStartObject();
        g.writeStringField("code", f.code());
        g.writeStringField("severity", f.severity().lowerCase());
        g.writeStringField("message", f.message());
        writeFrames(g, f.frames());
        if (c != null && c.kind() == Conversation.Kind.REGISTRATION) {
            g.writeStringField("aor", c.aor());
            g.writeStringField("callId", c.callId());
        }
        g.writeEndObject();
    }

    private static void writeFrames(JsonGenerator g, List<Long> frames) throws IOException {
        g.writeArrayFieldStart("frames");
        for (long f : frames) {
            g.writeNumber(f);
        }
        g.writeEndArray();
    }
}
