package io.sipreg.client;

import io.sipreg.transport.TlsHandshakeException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The end of one registration exchange (REGISTER, maybe a challenge and a retry, a final response).
 *
 * @param outcome what it means
 * @param status the last final status, 0 when none came
 * @param reason that response's reason phrase, or what failed instead ("no response within 32 s")
 * @param challengeStatus 401 or 407 when the registrar challenged, 0 when it did not
 * @param grantedExpires the expiry the registrar granted our contact (§10.2.4), -1 when not registered
 * @param local where the REGISTER left from: the address in our Via and Contact
 * @param seenFrom the address the registrar saw, from the Via's received and rport (RFC 3581 §4), when it said
 * @param requestsSent REGISTER requests in the exchange, retransmissions not counted
 * @param elapsed from the first REGISTER to the end
 * @param outbound the registrar answered {@code Require: outbound} (RFC 5626 §4.2.1): the device keeps the flow
 *     alive with its own keepalives
 * @param flowTimerSeconds the registrar's Flow-Timer (RFC 5626 §4.4.1), 0 when it gave none
 */
public record RegistrationResult(RegistrationOutcome outcome, int status, String reason, int challengeStatus,
                                 int grantedExpires, InetSocketAddress local, Optional<InetSocketAddress> seenFrom,
                                 int requestsSent, Duration elapsed, boolean outbound, int flowTimerSeconds) {
    public RegistrationResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(seenFrom, "seenFrom");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** A result without RFC 5626 outbound, for failures and registrars that do not support it. */
    public RegistrationResult(RegistrationOutcome outcome, int status, String reason, int challengeStatus,
                              int grantedExpires, InetSocketAddress local, Optional<InetSocketAddress> seenFrom,
                              int requestsSent, Duration elapsed) {
        this(outcome, status, reason, challengeStatus, grantedExpires, local, seenFrom, requestsSent, elapsed, false,
                0);
    }

    /**
     * No REGISTER could be sent: the registrar's name did not resolve, or the flow to {@code target} could not be
     * opened (a refused TCP connection is the "nothing listens there" of RFC 3261 §18.4).
     *
     * @param target where the flow was to go; null when the failure came before there was one (DNS)
     */
    public static RegistrationResult flowNotOpened(Throwable cause, RegistrarTarget target, InetSocketAddress local) {
        RegistrationOutcome outcome;
        String reason;
        if (cause instanceof RegistrarNotFoundException) {
            outcome = RegistrationOutcome.DNS_FAILURE;
            reason = cause.getMessage();
        } else if (cause instanceof TlsHandshakeException tls) {
            outcome = tls.problem().isCertificate()
                    ? RegistrationOutcome.CERTIFICATE_REJECTED : RegistrationOutcome.TRANSPORT_ERROR;
            reason = tls.getMessage();
        } else if (cause instanceof java.net.ConnectException) {
            outcome = RegistrationOutcome.PORT_UNREACHABLE;
            reason = "connection refused by " + target;
        } else {
            outcome = RegistrationOutcome.TRANSPORT_ERROR;
            reason = "cannot reach " + target + ": "
                    + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName());
        }
        return new RegistrationResult(outcome, 0, reason, 0, -1, local, Optional.empty(), 0, Duration.ZERO);
    }

    /** True when the registrar saw another address than ours: a NAT sits between (the seed's public vs private). */
    public boolean behindNat() {
        return seenFrom.isPresent() && !seenFrom.get().equals(local);
    }

    /**
     * Whether trying again later can help (RFC 5626 §4.5 backs off and retries): not after 403 or a challenge
     * loop, which need the user to fix the credentials, nor after a 4xx that will not change by itself.
     */
    public boolean isRetryable() {
        return switch (outcome) {
            case NO_RESPONSE, PORT_UNREACHABLE, DNS_FAILURE, TRANSPORT_ERROR, INTERVAL_TOO_BRIEF -> true;
            case REJECTED -> status >= 500 || status == 408 || status == 480 || status == 0;
            default -> false;
        };
    }
}
