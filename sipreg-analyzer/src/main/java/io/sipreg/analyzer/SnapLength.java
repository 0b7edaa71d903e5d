package io.sipreg.analyzer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Frames the capture cut short: a capture with a snap length ({@code tcpdump -s 300}, {@code dumpcap -s}, the
 * 68 or 96 bytes older tcpdump kept by default) saves only the first bytes of each frame, so the SIP messages lose
 * their later headers. Said once for the file, so that the reader blames the capture, not the phone.
 */
final class SnapLength {
    private static final int FRAMES_NAMED = 3;

    private final List<Long> firstFrames = new ArrayList<>(FRAMES_NAMED);
    private long frames;
    private int longestKept;
    private int firstKept;
    private int firstOriginal;

    /** Frame {@code frame} was {@code originalLength} bytes on the wire, of which the capture kept {@code kept}. */
    void cut(long frame, int kept, int originalLength) {
        if (frames++ == 0) {
            firstKept = kept;
            firstOriginal = originalLength;
        }
        if (firstFrames.size() < FRAMES_NAMED) {
            firstFrames.add(frame);
        }
        longestKept = Math.max(longestKept, kept);
    }

    /**
     * {@code tcpHoles}: the TCP streams had bytes missing, which cut segments make; {@code callIdsCut}: SIP messages
     * cut before their Call-ID; {@code unmatched}: those cut before their top Via, which are left out.
     */
    void conclude(boolean tcpHoles, long callIdsCut, long unmatched, Consumer<Finding> out) {
        if (frames == 0) {
            return;
        }
        out.accept(new Finding("capture-truncated", Severity.WARNING, "The capture kept at most " + longestKept
                + " bytes of each frame (its snap length: tcpdump -s, dumpcap -s), and " + frames
                + (frames == 1 ? " frame was" : " frames were") + " longer (the first: frame " + firstFrames.get(0)
                + ", " + firstKept + " of " + firstOriginal + " bytes). Their SIP messages lack everything after that"
                + " point: the ladders show the headers that were kept, and nothing the capture cut away is called"
                + " malformed."
                + (unmatched > 0 ? " " + unmatched + " SIP " + (unmatched == 1 ? "message was" : "messages were")
                + " cut before the top Via, which tells a request's answers and retransmissions, and "
                + (unmatched == 1 ? "is" : "are") + " left out." : "")
                + (callIdsCut > unmatched
                        ? " Where the Call-ID was cut away, a phone's messages are grouped by its address." : "")
                + (tcpHoles ? " Over TCP, the cut segments leave holes in the streams." : "")
                + " Capture again without a limit (tcpdump -s 0) to see whole messages.", List.copyOf(firstFrames)));
    }
}
