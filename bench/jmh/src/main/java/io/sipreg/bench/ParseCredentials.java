package io.sipreg.bench;

import io.sipreg.message.digest.DigestCredentials;
import java.util.HashMap;
import java.util.Map;
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
 * {@code DigestCredentials.parse} of the Authorization value of baresip and of SIPp. The baseline splits the same
 * value at commas and equals signs into a HashMap and strips quotes, without any of the grammar's checks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ParseCredentials {
    @Param({"baresip", "sipp"})
    public String client;

    private String value;

    @Setup
    public void setUp() {
        value = Messages.headerValue(Messages.named(client), "Authorization");
        DigestCredentials.parse(value);
    }

    @Benchmark
    public DigestCredentials parse() {
        return DigestCredentials.parse(value);
    }

    @Benchmark
    public Map<String, String> baselineSplit() {
        String[] params = value.substring("Digest ".length()).split(",");
        var map = new HashMap<String, String>(16);
        for (String param : params) {
            String[] nameValue = param.split("=", 2);
            String v = nameValue[1].trim();
            if (v.startsWith("\"")) {
                v = v.substring(1, v.length() - 1);
            }
            map.put(nameValue[0].trim().toLowerCase(java.util.Locale.ROOT), v);
        }
        return map;
    }
}
