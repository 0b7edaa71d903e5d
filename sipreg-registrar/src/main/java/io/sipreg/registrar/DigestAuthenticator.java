package io.sipreg.registrar;

import io.sipreg.message.SipParseException;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipUri;
import io.sipreg.message.digest.Digest;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.message.digest.DigestChallenge;
import io.sipreg.message.digest.DigestCredentials;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * RFC 3261 §10.3 step 3: Digest authentication of a REGISTER (RFC 3261 §22, RFC 7616, RFC 2617 for clients without
 * qop). The outcome is one of: authenticated as a user, challenge again (possibly with {@code stale=true}), or refuse.
 */
final class DigestAuthenticator {

    sealed interface Outcome {
        /** The user name of the credentials; "" when the request carried none for our realm. */
        String username();

        /** What the credentials were, for counting guesses. */
        Attempt attempt();

        record Authenticated(String username) implements Outcome {
            @Override
            public Attempt attempt() {
                return Attempt.NONE;
            }
        }

        /** Answer 401/407 with fresh nonces; {@code stale} tells the device its password was right. */
        record Challenged(boolean stale, String username, Attempt attempt) implements Outcome {
        }

        record Refused(RegisterRejection rejection, String username, Attempt attempt) implements Outcome {
        }
    }

    /** How an outcome counts for the {@link BruteForceGuard}. */
    enum Attempt {
        /** No credentials, or ones that say nothing about the password (malformed, for another algorithm). */
        NONE,
        /** A guess that failed: the digest did not match, or the nonce was forged. */
        WRONG,
        /** A block refused it; the digest was computed but not believed, so it was answered as a wrong one. */
        REFUSED
    }

    /** Whether a block refuses attempts for a user name; asked once the credentials are parsed. */
    @FunctionalInterface
    interface Blocker {
        boolean refuses(String username);

        Blocker NONE = username -> false;
    }

    private static final Outcome CHALLENGE = new Outcome.Challenged(false, "", Attempt.NONE);
    private static final Outcome MALFORMED =
            new Outcome.Refused(RegisterRejection.MALFORMED_CREDENTIALS, "", Attempt.NONE);

    private final RegistrarConfig config;
    private final UserStore users;
    private final NonceService nonces;
    private final List<DigestAlgorithm> offered;
    /**
     * Stands in for a user that does not exist, so that an unknown username costs the same store lookup and the
     * same hashing as a wrong password, and response timing does not reveal which usernames exist. Random, so no
     * password matches it.
     */
    private final User nobody;
    private final java.util.function.Predicate<SipUri> namesThisServer;
    private volatile UriComparison lastComparison = new UriComparison("", SipUri.sip("", "invalid", -1), false);

    DigestAuthenticator(RegistrarConfig config, UserStore users, NonceService nonces,
                        java.util.function.Predicate<SipUri> namesThisServer) {
        this.namesThisServer = namesThisServer;
        this.config = config;
        this.users = users;
        this.nonces = nonces;
        this.offered = config.offeredAlgorithms();
        var random = new SecureRandom();
        byte[] md5 = new byte[16];
        byte[] sha256 = new byte[32];
        random.nextBytes(md5);
        random.nextBytes(sha256);
        this.nobody = new User("", config.domain(), HexFormat.of().formatHex(md5), HexFormat.of().formatHex(sha256));
    }

    /** One challenge per offered algorithm, most preferred first (RFC 8760 §2.4), all sharing one fresh nonce. */
    List<String> challenges(boolean stale) {
        String nonce = nonces.issue(config.realm());
        var values = new ArrayList<String>(offered.size());
        for (DigestAlgorithm algorithm : offered) {
            values.add(new DigestChallenge(config.realm(), nonce, "", algorithm, "auth", stale).toString());
        }
        return values;
    }

    Outcome authenticate(SipRequest request) {
        return authenticate(request, Blocker.NONE);
    }

    /**
     * Step 3 for {@code request}. When {@code blocker} refuses the credentials' user name, the digest is still
     * computed (the answer takes as long) but taken as wrong, so the outcome is exactly that of a wrong password:
     * 403 with a fresh nonce, a plain challenge with an old or unknown one, never {@code stale=true}.
     */
    Outcome authenticate(SipRequest request, Blocker blocker) {
        Optional<DigestCredentials> found;
        try {
            found = credentialsForOurRealm(request);
        } catch (SipParseException e) {
            return MALFORMED;
        }
        if (found.isEmpty()) {
            return CHALLENGE;
        }
        DigestCredentials credentials = found.get();
        String username = credentials.username();
        if (!offered.contains(credentials.algorithm())) {
            return new Outcome.Challenged(false, username, Attempt.NONE);
        }
        boolean qopAuth = credentials.qop().equalsIgnoreCase("auth");
        if (!qopAuth && !credentials.qop().isEmpty()) {
            // auth-int is not offered; a device asking for it answered someone else's challenge.
            return new Outcome.Challenged(false, username, Attempt.NONE);
        }
        // RFC 2617 §3.2.2.5: the digest covers the uri directive, so it must name the resource being requested;
        // otherwise a response captured for one Request-URI could be replayed against another.
        if (!sameUri(credentials.uri(), request.requestUri())) {
            return new Outcome.Refused(RegisterRejection.DIGEST_URI_MISMATCH, username, Attempt.NONE);
        }
        long nc = 0;
        if (qopAuth) {
            nc = nonceCount(credentials.nonceCount());
            if (nc <= 0) {
                return new Outcome.Refused(RegisterRejection.MALFORMED_CREDENTIALS, username, Attempt.NONE);
            }
        }
        boolean refused = blocker.refuses(username);
        Attempt failed = refused ? Attempt.REFUSED : Attempt.WRONG;
        NonceService.Check nonce = nonces.check(credentials.nonce(), config.realm());
        if (nonce.verdict() == NonceService.Verdict.UNKNOWN) {
            // Not a nonce we issued: made up, or from another server. A guess either way.
            return new Outcome.Challenged(false, username, failed);
        }

        Optional<User> user = users.find(username, config.domain());
        String ha1 = user.orElse(nobody).ha1(credentials.algorithm());
        String expected = Digest.response(credentials.algorithm(), ha1, request.method(), credentials.uri(),
                credentials.nonce(), credentials.nonceCount(), credentials.cnonce(), credentials.qop());
        // Non-short-circuit &: the comparison runs whether or not the user exists, and whether or not it is blocked.
        boolean valid = Digest.matches(expected, credentials.response()) & user.isPresent() & !refused;

        if (nonce.verdict() == NonceService.Verdict.STALE) {
            // RFC 7616 §3.3: stale=true only when the digest was right and only the nonce was old.
            return valid ? new Outcome.Challenged(true, username, Attempt.NONE)
                    : new Outcome.Challenged(false, username, failed);
        }
        if (!valid) {
            return new Outcome.Refused(RegisterRejection.FORBIDDEN, username, failed);
        }
        if (qopAuth && !nonces.acceptCount(credentials.nonce(), config.realm(), nonce.issuedAtMillis(), nc)) {
            // A repeated nonce-count: a replay, or a device that lost count. The digest was right, so stale=true lets
            // an honest device retry at once with a new nonce.
            return new Outcome.Challenged(true, username, Attempt.NONE);
        }
        return new Outcome.Authenticated(username);
    }

    /** The user name of the request's credentials for our realm, without checking them; empty when none. */
    Optional<String> claimedUsername(SipRequest request) {
        try {
            return credentialsForOurRealm(request).map(DigestCredentials::username);
        } catch (SipParseException e) {
            return Optional.empty();
        }
    }

    /**
     * The credentials meant for our realm (RFC 3261 §22.4: a request may carry several, one per realm). The configured
     * header is read first; the other one is read too, since devices answer a 407 with Authorization and vice versa.
     */
    private Optional<DigestCredentials> credentialsForOurRealm(SipRequest request) {
        Challenge challenge = config.challenge();
        Optional<DigestCredentials> found = credentialsIn(request, challenge.credentialsHeader());
        return found.isPresent() ? found : credentialsIn(request, challenge.toleratedCredentialsHeader());
    }

    private Optional<DigestCredentials> credentialsIn(SipRequest request, String header) {
        for (String value : request.headers().all(header)) {
            DigestCredentials credentials = DigestCredentials.parse(value);
            if (credentials.realm().equals(config.realm())) {
                return Optional.of(credentials);
            }
        }
        return Optional.empty();
    }

    private boolean sameUri(String digestUri, SipUri requestUri) {
        // Devices send the same uri every time, so the last comparison is nearly always the one asked again.
        UriComparison last = lastComparison;
        if (last.digestUri().equals(digestUri) && last.requestUri().equals(requestUri)) {
            return last.same();
        }
        boolean same;
        try {
            SipUri uri = SipUri.parse(digestUri);
            // SIPp's [authentication] keyword (3.6) digests sip:<registrar ip>:<port> whatever the Request-URI says.
            // A uri without a user that names this very server still binds the response to us, which is what the
            // check is for, so accept it rather than refuse the load tool operators measure registrars with.
            same = uri.equivalentTo(requestUri) || uri.user().isEmpty() && uri.isSip() && namesThisServer.test(uri);
        } catch (SipParseException e) {
            same = false;
        }
        lastComparison = new UriComparison(digestUri, requestUri, same);
        return same;
    }

    private record UriComparison(String digestUri, SipUri requestUri, boolean same) {
    }

    /** The nc directive: 8 hex digits (RFC 7616 §3.4). -1 when malformed. */
    private static long nonceCount(String nc) {
        if (nc.isEmpty() || nc.length() > 8) {
            return -1;
        }
        try {
            return Long.parseLong(nc, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
