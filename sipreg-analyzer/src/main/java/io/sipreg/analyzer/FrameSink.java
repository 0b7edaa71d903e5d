package io.sipreg.analyzer;

/** Where a capture reader delivers frames and the damage it finds, in file order. */
interface FrameSink {
    /**
     * One captured frame. {@code data[offset, offset+capturedLength)} is valid only during the call.
     *
     * @param linkType the LINKTYPE_ value of the frame's interface (tcpdump.org/linktypes.html)
     */
    void frame(int linkType, long timeNanos, byte[] data, int offset, int capturedLength, int originalLength);

    void damage(CaptureDamage damage);
}
