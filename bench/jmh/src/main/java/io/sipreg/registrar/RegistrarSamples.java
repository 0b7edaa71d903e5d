package io.sipreg.registrar;

import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.message.digest.DigestChallenge;
import java.time.Clock;
import java.util.List;

/**
 * The registrar's own {@link Responses} and {@link Binding}s, reached from the benchmarks (this class sits in the
 * registrar's package in the benchmark jar only), so WriteResponse serialises exactly what the server would send. The
 * one place that constructs a Binding, so a change to the record touches one line here.
 */
public final class RegistrarSamples {
    private final Responses responses = new Responses(Clock.systemUTC());
    private final List<String> challenges;
    private final List<Binding> bindings;

    /** A registrar for {@code realm} with one challenge (MD5, qop=auth) and {@code contact} bound for 600 s. */
    public RegistrarSamples(String realm, String aor, String contact, String contactUri) {
        String nonce = NonceService.withRandomSecret(java.time.Duration.ofMinutes(5), Clock.systemUTC()).issue(realm);
        challenges = List.of(new DigestChallenge(realm, nonce, "", DigestAlgorithm.MD5, "auth", false).toString());
        long now = System.currentTimeMillis();
        bindings = List.of(binding(aor, contactUri, contact, "ecca6ab2f3756877", now, 600));
    }

    /** A binding as a UDP REGISTER from 127.0.0.1:58117 to 127.0.0.1:5080 leaves it, made {@code now}. */
    public static Binding binding(String aor, String contactUri, String contact, String callId, long now,
                                  long expiresSeconds) {
        return new Binding(aor, contactUri, contact, now + expiresSeconds * 1000, Binding.Q_ABSENT, callId, 2382,
                "127.0.0.1:58117", "UDP", "127.0.0.1:5080", 0, false, "baresip v1.0.0 (x86_64/linux)", "", 0,
                List.of(), now, now);
    }

    /** 401 Unauthorized with WWW-Authenticate, as {@code Registrar} answers a REGISTER without credentials. */
    public SipResponse challenge(SipRequest request) {
        return responses.challenge(request, Challenge.WWW_401, challenges);
    }

    /** 200 OK listing the binding with its expires, Date and Server (RFC 3261 §10.3 step 8). */
    public SipResponse registered(SipRequest request) {
        return responses.registered(request, bindings, System.currentTimeMillis());
    }
}
