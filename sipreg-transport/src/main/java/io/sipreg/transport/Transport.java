package io.sipreg.transport;

import java.util.Locale;

/** The transport protocols of RFC 3261 §18; TLS is TCP under TLS (§26.2). */
public enum Transport {
    UDP,
    TCP,
    TLS;

    /** Connection-oriented transports carry messages in a byte stream and need framing (RFC 3261 §18.3). */
    public boolean isStream() {
        return this != UDP;
    }

    /** The lower-case token used in listen specs and flow strings ({@code udp}, {@code tcp}, {@code tls}). */
    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }
}
