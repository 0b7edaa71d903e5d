package io.sipreg.registrar;

import java.util.Objects;

/**
 * One REGISTER and how the registrar answered it, as the admin API lists it per address-of-record.
 *
 * @param atMillis  epoch milliseconds of the answer
 * @param aor       the address-of-record of the To header ({@code sip:alice@example.com}), or "" when unreadable
 * @param callId    the Call-ID
 * @param transport UDP, TCP or TLS
 * @param source    where the REGISTER came from, {@code ip:port}
 * @param status    the status code sent
 * @param reason    its reason phrase, which names the cause ({@code Interval Too Brief}, {@code Forbidden})
 * @param outcome   the outcome in an operator's words
 * @param userAgent the User-Agent header, or ""
 */
public record RegisterAttempt(long atMillis, String aor, String callId, String transport, String source, int status,
                              String reason, RegisterOutcome outcome, String userAgent) {
    public RegisterAttempt {
        Objects.requireNonNull(aor, "aor");
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(userAgent, "userAgent");
    }
}
