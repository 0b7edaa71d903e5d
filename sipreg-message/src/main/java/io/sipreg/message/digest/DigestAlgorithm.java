package io.sipreg.message.digest;

import java.util.Locale;
import java.util.Optional;

/** Digest hash algorithms (RFC 7616 §3.2, RFC 8760 for SIP). Absent {@code algorithm} means MD5. */
public enum DigestAlgorithm {
    MD5("MD5", "MD5"),
    SHA_256("SHA-256", "SHA-256");

    private static final DigestAlgorithm[] ALL = values();

    private final String wireName;
    private final String jcaName;

    DigestAlgorithm(String wireName, String jcaName) {
        this.wireName = wireName;
        this.jcaName = jcaName;
    }

    /** The token in {@code algorithm=...}. */
    public String wireName() {
        return wireName;
    }

    public String jcaName() {
        return jcaName;
    }

    public static Optional<DigestAlgorithm> fromWire(String token) {
        String t = token.toUpperCase(Locale.ROOT);
        for (DigestAlgorithm a : ALL) {
            if (a.wireName.equals(t)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
