package io.sipreg.analyzer;

/** The input is not a capture at all (no such file, not pcap or pcapng): nothing can be analyzed. */
public final class UnusableCaptureException extends Exception {
    private static final long serialVersionUID = 1L;

    UnusableCaptureException(String message) {
        super(message, null, false, false);
    }
}
