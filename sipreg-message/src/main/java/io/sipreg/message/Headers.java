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
        return Optional.ofNullable(firstOrNull(name));
    }

    /** The first value of {@code name}, or null: {@link #first} without the Optional, for this package. */
    String firstOrNull(String name) {
        String canonical = HeaderName.canonical(name);
        List<HeaderField> fields = this.fields;
        for (int i = 0, n = fields.size(); i < n; i++) {
            HeaderField f = fields.get(i);
            if (f.name().equals(canonical)) {
                return f.value();
            }
        }
        return null;
    }

    /**
     * Every value of {@code name}, in order, as an unmodifiable list. Allocates nothing when the header is absent and
     * one small list otherwise.
     */
    public List<String> all(String name) {
        String canonical = HeaderName.canonical(name);
        List<HeaderField> fields = this.fields;
        int n = fields.size();
        int first = -1;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (fields.get(i).name().equals(canonical)) {
                if (count++ == 0) {
                    first = i;
                }
            }
        }
        if (count == 0) {
            return List.of();
        }
        if (count == 1) {
            return List.of(fields.get(first).value());
        }
        if (count == 2) {
            int second = first + 1;
            while (!fields.get(second).name().equals(canonical)) {
                second++;
            }
            return List.of(fields.get(first).value(), fields.get(second).value());
        }
        var values = new String[count];
        int k = 0;
        for (int i = first; k < count; i++) {
            HeaderField f = fields.get(i);
            if (f.name().equals(canonical)) {
                values[k++] = f.value();
            }
        }
        return List.of(values);
    }

    public boolean contains(String name) {
        return firstOrNull(name) != null;
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
        private ArrayList<HeaderField> fields = new ArrayList<>(12);
        /** The last {@link #build()} handed {@link #fields} to a Headers: copy it before changing it again. */
        private boolean shared;

        private Builder() {
        }

        public Builder add(String name, String value) {
            unshare();
            fields.add(new HeaderField(HeaderName.canonical(name), value));
            return this;
        }

        public Builder addAll(Headers headers) {
            unshare();
            fields.addAll(headers.fields);
            return this;
        }

        public Headers build() {
            // The list goes to the Headers as it is; a later add() works on a copy (one builder, many builds is rare).
            shared = true;
            return new Headers(Collections.unmodifiableList(fields));
        }

        private void unshare() {
            if (shared) {
                fields = new ArrayList<>(fields);
                shared = false;
            }
        }
    }
}
