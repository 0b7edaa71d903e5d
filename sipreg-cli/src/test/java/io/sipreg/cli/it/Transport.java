package io.sipreg.cli.it;

import java.util.Locale;

/** The SIP transports the integration tests run over. */
enum Transport {
    UDP("u1"),
    TCP("t1");

    private final String sippMode;

    Transport(String sippMode) {
        this.sippMode = sippMode;
    }

    /** SIPp's {@code -t} value: one socket for all calls. */
    String sippMode() {
        return sippMode;
    }

    /** The {@code transport=} URI parameter value, RFC 3261 §19.1.1. */
    String uriParameter() {
        return name().toLowerCase(Locale.ROOT);
    }
}
