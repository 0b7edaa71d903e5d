package io.sipreg.message;

/**
 * Bounds on what the parser accepts, so hostile input costs bounded memory and time.
 *
 * @param maxMessageBytes largest whole message (start line, headers and body)
 * @param maxHeaders most header fields (after splitting list-valued headers)
 * @param maxHeaderLineBytes longest header line after unfolding
 */
public record ParseLimits(int maxMessageBytes, int maxHeaders, int maxHeaderLineBytes) {
    /** 64 KiB is the UDP datagram ceiling (RFC 3261 §18.1.1 talks of 65,535); generous for REGISTER traffic. */
    public static final ParseLimits DEFAULT = new ParseLimits(65_535, 128, 8_192);

    public ParseLimits {
        if (maxMessageBytes <= 0 || maxHeaders <= 0 || maxHeaderLineBytes <= 0) {
            throw new IllegalArgumentException("parse limits must be positive");
        }
    }
}
