package io.sipreg.message;

import java.util.Objects;
import java.util.Optional;

/**
 * A SIP or SIPS URI (RFC 3261 §19.1). {@code user} is empty when absent; {@code host} is a hostname, an IPv4
 * address, or an IPv6 reference in brackets ({@code [2001:db8::1]}); {@code port} is -1 when absent.
 * {@code userinfo} keeps the escaped form as written. Other schemes (tel:, etc.) parse with scheme set and the
 * rest kept in {@code host} verbatim so they can be written back.
 */
public record SipUri(String scheme, String user, String password, String host, int port, Parameters params,
                     String headers) {
    public SipUri {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(headers, "headers");
    }

    public static SipUri sip(String user, String host, int port) {
        return new SipUri("sip", user, "", host, port, Parameters.EMPTY, "");
    }

    /**
     * Parses a URI (no surrounding angle brackets). Throws {@link SipParseException} with {@link Violation#BAD_URI}.
     */
    public static SipUri parse(String text) {
        return UriGrammar.parseUri(text);
    }

    public boolean isSip() {
        return scheme.equalsIgnoreCase("sip") || scheme.equalsIgnoreCase("sips");
    }

    public Optional<Integer> portIfPresent() {
        return port < 0 ? Optional.empty() : Optional.of(port);
    }

    /** The value of {@code transport} (lower case), if present. */
    public Optional<String> transport() {
        return params.get("transport").map(t -> t.toLowerCase(java.util.Locale.ROOT));
    }

    public SipUri withParams(Parameters newParams) {
        return new SipUri(scheme, user, password, host, port, newParams, headers);
    }

    /**
     * The address-of-record form (RFC 3261 §10.3 step 5): scheme, user and host only, host and scheme in lower
     * case, no port, parameters or headers. Used as the key of the location service.
     */
    public String toAddressOfRecord() {
        return UriGrammar.addressOfRecord(this);
    }

    /**
     * URI equality per RFC 3261 §19.1.4 (case rules, parameters that must match when present on both sides).
     */
    public boolean equivalentTo(SipUri other) {
        return UriGrammar.uriEquivalent(this, other);
    }

    @Override
    public String toString() {
        return UriGrammar.formatUri(this);
    }
}
