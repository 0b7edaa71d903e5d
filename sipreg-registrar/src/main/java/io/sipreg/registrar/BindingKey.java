package io.sipreg.registrar;

import java.util.Objects;

/** What names a stored binding: its address-of-record and contact URI, the store's primary key. */
record BindingKey(String aor, String contactUri) {
    BindingKey {
        Objects.requireNonNull(aor, "aor");
        Objects.requireNonNull(contactUri, "contactUri");
    }

    static BindingKey of(Binding binding) {
        return new BindingKey(binding.aor(), binding.contactUri());
    }
}
