package io.sipreg.client;

import java.util.Objects;

/**
 * A NAPTR record (RFC 3403 §4.1). For SIP (RFC 3263 §4.1) {@code flags} is {@code s}, {@code service} names the
 * transport ({@code SIP+D2U}), {@code regexp} is empty and {@code replacement} is the SRV name to query next.
 * Domain names have no trailing dot; the root is {@code "."}.
 */
public record NaptrRecord(int order, int preference, String flags, String service, String regexp,
        String replacement) {
    public NaptrRecord {
        Objects.requireNonNull(flags, "flags");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(regexp, "regexp");
        Objects.requireNonNull(replacement, "replacement");
    }
}
