package io.sipreg.message;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Generic parameters ({@code ;name=value}, RFC 3261 §25.1 generic-param), in order. Names compare
 * case-insensitively; a parameter without a value (e.g. {@code ;lr}, {@code ;rport}) has an empty value and
 * {@link Param#hasValue()} false. Values are kept as written, quotes included.
 */
public final class Parameters {
    public static final Parameters EMPTY = new Parameters(List.of());

    /** One parameter. {@code value} is "" and {@code hasValue} false for a flag parameter. */
    public record Param(String name, String value, boolean hasValue) {
    }

    /**
     * Parameter names every REGISTER carries (RFC 3261 §20.42 Via, §20.10 Contact, §19.1.1 URI, RFC 3581, RFC 5626),
     * handed out instead of a copy when the wire spells them exactly so.
     */
    private static final String[] COMMON_NAMES = {"q", "lr", "ob", "tag", "user", "rport", "maddr", "branch",
        "reg-id", "expires", "received", "transport", "+sip.instance"};

    private final List<Param> params;

    private Parameters(List<Param> params) {
        this.params = params;
    }

    /** {@code text[from, to)} as a name: a constant when it is one of the common names, else a substring. */
    static String name(String text, int from, int to) {
        int length = to - from;
        for (String name : COMMON_NAMES) {
            if (name.length() == length && text.startsWith(name, from)) {
                return name;
            }
        }
        return text.substring(from, to);
    }

    public static Parameters of(List<Param> params) {
        return params.isEmpty() ? EMPTY : new Parameters(List.copyOf(params));
    }

    public List<Param> asList() {
        return params;
    }

    public boolean isEmpty() {
        return params.isEmpty();
    }

    public boolean has(String name) {
        return find(name).isPresent();
    }

    /** The value of {@code name} ("" for a flag), if the parameter is present. */
    public Optional<String> get(String name) {
        return find(name).map(Param::value);
    }

    public Optional<Param> find(String name) {
        for (Param p : params) {
            if (p.name().equalsIgnoreCase(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** A copy with {@code name=value} set (replacing any earlier value in place). */
    public Parameters with(String name, String value) {
        return set(new Param(name, value, true));
    }

    /** A copy with the flag parameter {@code name} present. */
    public Parameters withFlag(String name) {
        return set(new Param(name, "", false));
    }

    public Parameters without(String name) {
        var copy = new ArrayList<Param>(params.size());
        for (Param p : params) {
            if (!p.name().equalsIgnoreCase(name)) {
                copy.add(p);
            }
        }
        return new Parameters(Collections.unmodifiableList(copy));
    }

    private Parameters set(Param param) {
        var copy = new ArrayList<Param>(params.size() + 1);
        boolean replaced = false;
        for (Param p : params) {
            if (p.name().equalsIgnoreCase(param.name())) {
                if (!replaced) {
                    copy.add(param);
                    replaced = true;
                }
            } else {
                copy.add(p);
            }
        }
        if (!replaced) {
            copy.add(param);
        }
        return new Parameters(Collections.unmodifiableList(copy));
    }

    /** {@code ;a=1;b} as it goes on the wire, with a leading semicolon when not empty. */
    @Override
    public String toString() {
        var sb = new StringBuilder();
        for (Param p : params) {
            sb.append(';').append(p.name());
            if (p.hasValue()) {
                sb.append('=').append(p.value());
            }
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Parameters other) || other.params.size() != params.size()) {
            return false;
        }
        for (int i = 0; i < params.size(); i++) {
            Param a = params.get(i);
            Param b = other.params.get(i);
            if (!a.name().toLowerCase(Locale.ROOT).equals(b.name().toLowerCase(Locale.ROOT))
                    || !a.value().equals(b.value()) || a.hasValue() != b.hasValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (Param p : params) {
            h = 31 * h + p.name().toLowerCase(Locale.ROOT).hashCode();
            h = 31 * h + p.value().hashCode();
        }
        return h;
    }
}
