package io.sipreg.message;

import java.util.Objects;
import java.util.Optional;

/**
 * A name-addr or addr-spec with its header parameters (RFC 3261 §20.10, §20.20, §20.39): the value of a From,
 * To or Contact (other than {@code *}). {@code displayName} is empty when absent and kept as written (quoted
 * or token form). Parameters after an addr-spec without angle brackets belong to the header, not the URI
 * (§20.10).
 */
public record NameAddress(String displayName, SipUri uri, Parameters params) {
    public NameAddress {
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(params, "params");
    }

    /** Parses one name-addr/addr-spec with parameters; {@code violation} names the header on failure. */
    public static NameAddress parse(String text, Violation violation) {
        return HeaderGrammar.parseNameAddress(text, violation);
    }

    public Optional<String> tag() {
        return params.get("tag");
    }

    public NameAddress withParams(Parameters newParams) {
        return new NameAddress(displayName, uri, newParams);
    }

    /** Always written in name-addr form, {@code "Name" <uri>;params}. */
    @Override
    public String toString() {
        return HeaderGrammar.formatNameAddress(this);
    }
}
