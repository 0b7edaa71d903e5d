package io.sipreg.analyzer;

import io.sipreg.message.SipParseException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SIP message found in the capture: the frame that carried it (for TCP, the segment that completed it), when,
 * between which addresses, and what the lenient parser made of it.
 *
 * @param parsed false when the message could not be read as SIP at all; {@code violations} then starts with why
 * @param violations every grammar rule the message breaks (tolerated ones when {@code parsed})
 * @param strictlyRejected true when sipreg's strict parser (the server's) would refuse the message
 * @param raw the message bytes as captured, kept only when a report needs them (the HTML report); else empty
 * @param fragmented the datagram came in IP fragments that the analyzer put back together
 * @param cut the capture kept only the first bytes of the datagram (its snap length): the headers after the last
 *            whole line are missing, which is no fault of the message, so it has no violations for them
 */
public record CapturedMessage(long frame, long timeNanos, Endpoint source, Endpoint destination, Transport transport,
                              boolean parsed, List<SipParseException> violations, boolean strictlyRejected,
                              MessageFacts facts, byte[] raw, boolean fragmented, boolean cut)
        implements LadderEvent {

    public String text() {
        return new String(raw, StandardCharsets.UTF_8);
    }

    public boolean isRequest() {
        return facts.request();
    }
}
