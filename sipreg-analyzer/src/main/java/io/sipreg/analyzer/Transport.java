package io.sipreg.analyzer;

/** How a SIP message travelled (RFC 3261 §18). */
public enum Transport {
    UDP, TCP;

    public String lowerCase() {
        return this == UDP ? "udp" : "tcp";
    }
}
