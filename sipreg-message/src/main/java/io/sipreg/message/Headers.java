package io.sipreg.message;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The header fields of a message, in order. Names are stored canonical (long form, RFC case); list-valued
 * headers hold one field per element. Lookups take any spelling of a name. Immutable.
 */
public final class Headers {
    public static final Headers EMPTY = new Headers(List.of());

    private final List<HeaderField> fields;

    private Headers(List<HeaderField> fields) {
        this.fields = fields;
    }

    public static Headers of(List<HeaderField> fields) {
        var canonical = new ArrayList<HeaderField>(fields.size());
        for (HeaderField f : fields) {
            canonical.add(new HeaderField(HeaderName.canonical(f.name()), f.value()));
        }
        return new Headers(Collections.unmodifiableList(canonical));
    }

    /** The parser's path: names are already canonical and the list is handed over, not copied. */
    static Headers ofCanonical(List<HeaderField> canonicalFields) {
        return canonicalFields.isEmpty() ? EMPTY : new Headers(Collections.unmodifiableList(canonicalFields));
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<HeaderField> fields() {
        return fields;
    }

    public int size() {
        return fields.size();
    }

    /** The first value of {@code name}, if present. */
    public Optional<String> first(String name) {
        String canonical = HeaderName.canonical(name);
        for (HeaderField f : fields) {
            if (f.name().equals(canonical)) {
                return Optional.of(f.value());
            }
        }
        return Optional.empty();
    }

    /** Every value of {@code name}, in order. */
    public List<String> all(String name) {
        String canonical = HeaderName.canonical(name);
        List<String> values = new ArrayList<>(2);
        for (HeaderField f : fields) {
            if (f.name().equals(canonical)) {
                values.add(f.value());
            }
        }
        return values;
    }

    public boolean contains(String name) {
        return first(name).isPresent();
    }

    /** A copy with {@code name: value} appended. */
    public Headers with(String name, String value) {
        var copy = new ArrayList<HeaderField>(fields.size() + 1);
        copy.addAll(fields);
        copy.add(new HeaderField(HeaderName.canonical(name), value));
        return new Headers(Collections.unmodifiableList(copy));
    }

    /** A copy without any field named {@code name}. */
    public Headers without(String name) {
        String canonical = HeaderName.canonical(name);
        var copy = new ArrayList<HeaderField>(fields.size());
        for (HeaderField f : fields) {
            if (!f.name().equals(canonical)) {
                copy.add(f);
            }
        }
        return new Headers(Collections.unmodifiableList(copy));
    }

    /**
     * A copy where the first field named {@code name} has {@code value} and any others of that name are gone;
     * appended if there was none.
     */
    public Headers replace(String name, String value) {
        String canonical = HeaderName.canonical(name);
        var copy = new ArrayList<HeaderField>(fields.size() + 1);
        boolean placed = false;
        for (HeaderField f : fields) {
            if (f.name().equals(canonical)) {
                if (!placed) {
                    copy.add(new HeaderField(canonical, value));
                    placed = true;
                }
            } else {
                copy.add(f);
            }
        }
        if (!placed) {
            copy.add(new HeaderField(canonical, value));
        }
        return new Headers(Collections.unmodifiableList(copy));
    }

    /** A copy where the first value of {@code name} is replaced (e.g. the top Via gaining received/rport). */
    public Headers replaceFirst(String name, String value) {
        String canonical = HeaderName.canonical(name);
        var copy = new ArrayList<HeaderField>(fields);
        for (int i = 0; i < copy.size(); i++) {
            if (copy.get(i).name().equals(canonical)) {
                copy.set(i, new HeaderField(canonical, value));
                return new Headers(Collections.unmodifiableList(copy));
            }
        }
        copy.add(new HeaderField(canonical, value));
        return new Headers(Collections.unmodifiableList(copy));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Headers other && fields.equals(other.fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    @Override
    public String toString() {
        return fields.toString();
    }

    /** Accumulates fields in order; not thread-safe. */
    public static final class Builder {
        private final List<HeaderField> fields = new ArrayList<>(12);

        private Builder() {
        }

        public Builder add(String name, String value) {
            fields.add(new HeaderField(HeaderName.canonical(name), value));
            return this;
        }

        public Builder addAll(Headers headers) {
            fields.addAll(headers.fields);
            return this;
        }

        public Headers build() {
            return new Headers(Collections.unmodifiableList(new ArrayList<>(fields)));
        }
    }
}
