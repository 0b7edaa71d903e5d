package io.sipreg.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.registrar.KeepaliveProbe;
import io.sipreg.registrar.RegisterAttempt;
import io.sipreg.registrar.RegisterOutcome;
import org.junit.jupiter.api.Test;

/** The per-AOR rings: bounded per AOR and in AORs, oldest first, keepalive failures beside REGISTERs. */
class AttemptHistoryTest {

    private static RegisterAttempt attempt(String aor, int status, RegisterOutcome outcome, long at) {
        return new RegisterAttempt(at, aor, "call-" + at, "UDP", "192.0.2.7:5060", status, "reason " + status, outcome,
                "Yealink T46U");
    }

    @Test
    void keepsTheLastEntriesOfAnAorOldestFirst() {
        var history = new AttemptHistory(3, 10);
        for (int i = 1; i <= 5; i++) {
            history.attempted(attempt("sip:alice@example.com", 401, RegisterOutcome.NO_CREDENTIALS, i));
        }

        assertThat(history.of("sip:alice@example.com")).extracting(AttemptHistory.Entry::atMillis)
                .containsExactly(3L, 4L, 5L);
        assertThat(history.of("sip:bob@example.com")).isEmpty();
    }

    @Test // a flood of REGISTERs for made-up users costs a fixed amount of memory
    void forgetsTheAorHeardOfLeastRecentlyBeyondTheBound() {
        var history = new AttemptHistory(5, 2);
        history.attempted(attempt("sip:a@example.com", 200, RegisterOutcome.REGISTERED, 1));
        history.attempted(attempt("sip:b@example.com", 200, RegisterOutcome.REGISTERED, 2));
        history.of("sip:a@example.com");
        history.attempted(attempt("sip:c@example.com", 403, RegisterOutcome.WRONG_PASSWORD, 3));

        assertThat(history.aors()).isEqualTo(2);
        assertThat(history.of("sip:b@example.com")).isEmpty();
        assertThat(history.of("sip:a@example.com")).hasSize(1);
        assertThat(history.of("sip:c@example.com")).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo("wrong-password");
            assertThat(e.status()).isEqualTo(403);
            assertThat(e.source()).isEqualTo("udp 192.0.2.7:5060");
            assertThat(e.userAgent()).isEqualTo("Yealink T46U");
        });
    }

    @Test
    void keepaliveFailuresJoinTheAorsHistory() {
        var history = new AttemptHistory();
        history.attempted(attempt("sip:alice@example.com", 200, RegisterOutcome.REGISTERED, 1));
        history.keepalive(new KeepaliveProbe(2, "sip:alice@example.com", "sip:alice@192.168.1.10:5060",
                "udp 203.0.113.5:40211", KeepaliveProbe.Kind.UNANSWERED, 1, "no answer"));
        history.keepalive(new KeepaliveProbe(3, "sip:alice@example.com", "sip:alice@192.168.1.10:5060", "",
                KeepaliveProbe.Kind.REMOVED, 3, "removed after 3 unanswered OPTIONS"));

        assertThat(history.of("sip:alice@example.com")).extracting(AttemptHistory.Entry::outcome)
                .containsExactly("registered", "keepalive-unanswered", "keepalive-removed");
        assertThat(history.of("sip:alice@example.com").get(1).reason())
                .isEqualTo("OPTIONS to sip:alice@192.168.1.10:5060 unanswered (1 in a row)");
    }

    @Test // the live feed sends what came after the last entry it sent
    void listsTheEntriesOfEveryAorAfterASequenceNumber() {
        var history = new AttemptHistory();
        history.attempted(attempt("sip:a@example.com", 401, RegisterOutcome.NO_CREDENTIALS, 1));
        history.attempted(attempt("sip:b@example.com", 200, RegisterOutcome.REGISTERED, 2));
        long seen = history.since(0).get(0).seq();
        history.attempted(attempt("sip:a@example.com", 200, RegisterOutcome.REGISTERED, 3));

        assertThat(history.since(seen)).extracting(AttemptHistory.Entry::atMillis).containsExactly(2L, 3L);
    }
}
