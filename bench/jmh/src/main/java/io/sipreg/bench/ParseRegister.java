package io.sipreg.bench;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Strict parsing of an authenticated REGISTER, as the server does for every datagram: start line, header lines,
 * list splitting, and the typed checks of To, From, Call-ID, CSeq, Max-Forwards, Via, Contact and Expires.
 *
 * <p>{@code baselineSplitLines} does what the cheapest possible reader would: decode the bytes, split the lines
 * with {@code String.split} and each header at its colon. The ratio parse/baseline is what the grammar costs
 * beyond finding the lines.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ParseRegister {
    @Param({"baresip", "sipp"})
    public String client;

    private final SipParser parser = SipParser.strict();
    private byte[] bytes;

    @Setup
    public void setUp() {
        bytes = Messages.wire(Messages.named(client));
        if (!(parser.parse(bytes) instanceof ParseResult.Parsed)) {
            throw new IllegalStateException(client + " REGISTER does not parse: " + parser.parse(bytes));
        }
    }

    @Benchmark
    public ParseResult parse() {
        return parser.parse(bytes);
    }

    @Benchmark
    public List<String[]> baselineSplitLines() {
        String text = new String(bytes, StandardCharsets.UTF_8);
        String[] lines = text.split("\r\n");
        var fields = new ArrayList<String[]>(lines.length);
        for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
            String[] nameValue = lines[i].split(":", 2);
            nameValue[0] = nameValue[0].trim();
            nameValue[1] = nameValue[1].trim();
            fields.add(nameValue);
        }
        return fields;
    }
}
