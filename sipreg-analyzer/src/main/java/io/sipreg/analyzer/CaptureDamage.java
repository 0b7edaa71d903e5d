package io.sipreg.analyzer;

/**
 * A place where the capture file is broken: the byte offset in the file and what was wrong there. The analyzer
 * reports it and analyzes everything before it (and after it, where the format lets it find the next record).
 */
public record CaptureDamage(long offset, String what) {
    @Override
    public String toString() {
        return "at byte " + offset + ": " + what;
    }
}
