package io.sipreg.message;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One Via value (RFC 3261 §20.42): {@code SIP/2.0/UDP host:port;params}. {@code transport} is upper case;
 * {@code port} is -1 when absent; {@code host} keeps IPv6 brackets.
 */
public record Via(String transport, String host, int port, Parameters params) {
    public Via {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(params, "params");
    }

    /** Throws {@link SipParseException} with {@link Violation#BAD_VIA}. */
    public static Via parse(String text) {
        return HeaderGrammar.parseVia(text);
    }

    public Optional<String> branch() {
        return params.get("branch");
    }

    public Optional<String> received() {
        return params.get("received");
    }

    /** RFC 3581: present (possibly without a value) when the client asked for symmetric response routing. */
    public boolean hasRport() {
        return params.has("rport");
    }

    /** The rport value filled in by a server, if any. */
    public OptionalInt rport() {
        var value = params.get("rport");
        if (value.isEmpty() || value.get().isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(value.get()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** RFC 3261 §17.2.3: a branch starting with the magic cookie identifies the transaction by itself. */
    public boolean hasRfc3261Branch() {
        return branch().map(b -> b.startsWith("z9hG4bK")).orElse(false);
    }

    public Via withParams(Parameters newParams) {
        return new Via(transport, host, port, newParams);
    }

    @Override
    public String toString() {
        return HeaderGrammar.formatVia(this);
    }
}
