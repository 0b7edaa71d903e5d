package io.sipreg.message;

import java.util.List;
import java.util.Optional;

/** What the parser made of some bytes: a message, or a failure with whatever could still be read. */
public sealed interface ParseResult {

    /** A message; in lenient mode, with the violations that were tolerated (empty in strict mode). */
    record Parsed(SipMessage message, List<SipParseException> tolerated) implements ParseResult {
        public Parsed {
            tolerated = List.copyOf(tolerated);
        }
    }

    /**
     * A message that could not be accepted. {@code partialHeaders} holds the header fields read before (and,
     * where possible, after) the defect, so a server can still answer 400 when Via, From, To, Call-ID and CSeq
     * are there (RFC 3261 §8.2.6.2). {@code method} is the request method when the start line was a request.
     */
    record Failed(SipParseException error, boolean isRequest, Optional<String> method, Headers partialHeaders)
            implements ParseResult {
    }
}
