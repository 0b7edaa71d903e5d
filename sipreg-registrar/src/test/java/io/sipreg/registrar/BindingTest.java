package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BindingTest {
    static Binding binding(String contact, long expiresAt, int q) {
        return new Binding("sip:alice@example.com", contact, "<" + contact + ">", expiresAt, q, "c@h", 1,
                "198.51.100.7:40211", "UDP", "192.0.2.1:5060", 0, false, "", "", 0, List.of(), 0, 0);
    }

    @Test // RFC 3261 §10.3 step 8: rounded up, so a live binding never shows 0
    void remainingSecondsRoundUpAndStopAtZero() {
        Binding b = binding("sip:a@h", 10_500, Binding.Q_ABSENT);

        assertThat(b.remainingSeconds(Instant.ofEpochMilli(0))).isEqualTo(11);
        assertThat(b.remainingSeconds(Instant.ofEpochMilli(10_499))).isEqualTo(1);
        assertThat(b.remainingSeconds(Instant.ofEpochMilli(10_500))).isZero();
        assertThat(b.isExpired(Instant.ofEpochMilli(10_500))).isTrue();
        assertThat(b.remainingSeconds(Instant.ofEpochMilli(99_999))).isZero();
    }

    @Test // RFC 3261 §20.10: a Contact without q ranks as 1.0
    void qTextAndOrdering() {
        assertThat(binding("sip:a@h", 0, 500).qText()).isEqualTo("0.5");
        assertThat(binding("sip:a@h", 0, 1000).qText()).isEqualTo("1");
        assertThat(binding("sip:a@h", 0, 75).qText()).isEqualTo("0.075");
        assertThat(binding("sip:a@h", 0, 0).qText()).isEqualTo("0");
        assertThat(binding("sip:a@h", 0, Binding.Q_ABSENT).qText()).isEmpty();
        assertThat(binding("sip:a@h", 0, Binding.Q_ABSENT).effectiveQ()).isEqualTo(1000);
    }

    @Test // RFC 3261 §25.1 qvalue
    void qValuesParseToThousandths() {
        assertThat(Registrar.qValue("1")).isEqualTo(1000);
        assertThat(Registrar.qValue("1.000")).isEqualTo(1000);
        assertThat(Registrar.qValue("0.5")).isEqualTo(500);
        assertThat(Registrar.qValue("0.123")).isEqualTo(123);
        assertThat(Registrar.qValue("0")).isZero();
        assertThat(Registrar.qValue("1.5")).isEqualTo(Binding.Q_ABSENT);
        assertThat(Registrar.qValue("0.1234")).isEqualTo(Binding.Q_ABSENT);
    }
}
