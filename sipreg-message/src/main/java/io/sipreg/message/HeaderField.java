package io.sipreg.message;

import java.util.Objects;

/** One header field: its canonical name (see {@link HeaderName#canonical}) and its value, trimmed and unfolded. */
public record HeaderField(String name, String value) {
    public HeaderField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
