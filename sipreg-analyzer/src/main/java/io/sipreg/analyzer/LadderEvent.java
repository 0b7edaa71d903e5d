package io.sipreg.analyzer;

/** One arrow of a ladder: a SIP message, or an ICMP error drawn from the unreachable address back to the sender. */
public sealed interface LadderEvent permits CapturedMessage, IcmpUnreachable {
    long frame();

    long timeNanos();

    Endpoint source();

    Endpoint destination();
}
