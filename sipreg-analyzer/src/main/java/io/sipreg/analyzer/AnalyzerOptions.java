package io.sipreg.analyzer;

import java.util.Objects;
import java.util.Set;

/**
 * What to analyze.
 *
 * @param filter only conversations of this AOR or Call-ID ("" for all)
 * @param ports only packets from or to these ports (empty: any port, SIP is found by content)
 * @param keepMessageText keep each message's bytes for a report that shows them (costs memory per open group)
 */
public record AnalyzerOptions(String filter, Set<Integer> ports, boolean keepMessageText) {
    public static final AnalyzerOptions DEFAULT = new AnalyzerOptions("", Set.of(), false);

    public AnalyzerOptions {
        Objects.requireNonNull(filter, "filter");
        ports = Set.copyOf(ports);
    }
}
