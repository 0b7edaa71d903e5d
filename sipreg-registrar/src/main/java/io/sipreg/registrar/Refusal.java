package io.sipreg.registrar;

import java.util.Locale;
import java.util.Optional;

/** What a refused request gets: an answer (403 for a block, 503 for the rate limit) or nothing at all. */
public enum Refusal {
    /** Answered: a scanner learns nothing it would not learn from a wrong password or a busy server. */
    ANSWER,
    /** Dropped without an answer: costs the attacker a timeout and us nothing, but a real device retransmits. */
    DROP;

    /** {@code drop}, or {@code answerToken} ("403", "503") for {@link #ANSWER}. */
    public static Optional<Refusal> parse(String text, String answerToken) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("drop")) {
            return Optional.of(DROP);
        }
        return t.equals(answerToken) ? Optional.of(ANSWER) : Optional.empty();
    }
}
