package io.sipreg.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.HeaderName;
import io.sipreg.message.SipResponse;
import org.junit.jupiter.api.Test;

class ToTagTest {

    @Test // RFC 3261 §8.2.6.2
    void appendsATagKeepingTheToText() {
        SipResponse response = SipResponse.to(SipText.register("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK1"), 500, "x");
        String to = ToTag.ensure(response).headers().first(HeaderName.TO).orElseThrow();
        assertThat(to).matches("Bob <sip:bob@example\\.com>;tag=[0-9a-f]{16}");
    }

    @Test
    void keepsAnExistingTag() {
        assertThat(ToTag.hasTag("<sip:bob@example.com>;tag=abc")).isTrue();
        assertThat(ToTag.hasTag("sip:bob@example.com ; TAG=abc")).isTrue();
        assertThat(ToTag.hasTag("<sip:bob@example.com;tag=uriparam>")).isFalse();
        assertThat(ToTag.hasTag("Bob <sip:bob@example.com>")).isFalse();
    }
}
