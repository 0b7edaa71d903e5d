package io.sipreg.analyzer;

import java.util.List;
import java.util.Map;

/**
 * Totals over one capture file.
 *
 * @param packets frames in the file
 * @param sipMessages SIP messages found (parsed or not), over UDP and TCP
 * @param outcomes registration attempts by outcome, keepalive series by theirs
 * @param findings findings by code
 * @param severities findings by severity
 */
public record Summary(String file, String format, long packets, long bytes, long sipMessages, long otherSipMessages,
                      long firstNanos, long lastNanos, Map<String, Long> outcomes, Map<String, Long> findings,
                      Map<Severity, Long> severities, List<CaptureDamage> damage, long tcpRetransmittedSegments,
                      long tcpOutOfOrderSegments, long tcpGaps, long fragmentsReassembled, long fragmentsIncomplete,
                      List<String> notes) {
    public Summary {
        outcomes = Map.copyOf(outcomes);
        findings = Map.copyOf(findings);
        severities = Map.copyOf(severities);
        damage = List.copyOf(damage);
        notes = List.copyOf(notes);
    }
}
