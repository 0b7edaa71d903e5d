package io.sipreg.analyzer;

import java.util.Locale;

/** How much a finding matters: {@code error} stops registration, {@code warning} may, {@code info} is news. */
public enum Severity {
    INFO, WARNING, ERROR;

    public String lowerCase() {
        return name().toLowerCase(Locale.ROOT);
    }
}
