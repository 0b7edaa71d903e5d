package io.sipreg.client;

import io.sipreg.message.HeaderName;
import io.sipreg.message.SipResponse;
import io.sipreg.message.digest.Digest;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.message.digest.DigestChallenge;
import io.sipreg.message.digest.DigestCredentials;
import java.util.Optional;

/**
 * Answers digest challenges for one account (RFC 3261 §22.2-22.4, RFC 7616): a 401's WWW-Authenticate with
 * Authorization, a 407's Proxy-Authenticate with Proxy-Authorization. Remembers the last challenge, so a refresh
 * can carry credentials at once (§22.3 lets a UA reuse them) with the nonce-count incremented, and a server that
 * still wants a fresh nonce simply challenges again. Not thread-safe: one registration uses it at a time.
 */
final class DigestResponder {
    /** A header to add to the next request. */
    record Answer(String headerName, String value, DigestChallenge challenge) {
    }

    /** The challenge cannot be answered: no Digest, or only algorithms or qop values this client lacks. */
    static final class UnanswerableChallenge extends Exception {
        UnanswerableChallenge(String message) {
            super(message);
        }
    }

    private final String username;
    private final String password;
    private DigestChallenge current;
    private String currentHeader;
    private String currentHa1;
    private int nonceCount;

    DigestResponder(String username, String password) {
        this.username = username;
        this.password = password;
    }

    /**
     * Picks the strongest Digest challenge of a 401 or 407 (SHA-256 before MD5, RFC 8760 §2.4) and answers it
     * for {@code method} and {@code uri}, the Request-URI (§22.4).
     */
    Answer answer(SipResponse response, String method, String uri) throws UnanswerableChallenge {
        boolean proxy = response.status() == 407;
        String challengeHeader = proxy ? HeaderName.PROXY_AUTHENTICATE : HeaderName.WWW_AUTHENTICATE;
        DigestChallenge best = null;
        String unusable = null;
        for (String value : response.headers().all(challengeHeader)) {
            try {
                DigestChallenge challenge = DigestChallenge.parse(value);
                if (!challenge.qop().isEmpty() && !challenge.offersAuth()) {
                    unusable = "qop=\"" + challenge.qop() + "\" (only auth is supported)";
                    continue;
                }
                if (best == null || challenge.algorithm() == DigestAlgorithm.SHA_256) {
                    best = challenge;
                }
            } catch (RuntimeException e) {
                unusable = value;
            }
        }
        if (best == null) {
            throw new UnanswerableChallenge(response.status() + " without a usable " + challengeHeader
                    + (unusable != null ? ": " + unusable : ""));
        }
        if (current == null || !best.realm().equals(current.realm()) || best.algorithm() != current.algorithm()) {
            currentHa1 = Digest.ha1(best.algorithm(), username, best.realm(), password);
        }
        current = best;
        currentHeader = proxy ? HeaderName.PROXY_AUTHORIZATION : HeaderName.AUTHORIZATION;
        nonceCount = 0;
        return credentials(method, uri);
    }

    /** Credentials from the last challenge with the next nonce-count, or empty before the first challenge. */
    Optional<Answer> reuse(String method, String uri) {
        return current == null ? Optional.empty() : Optional.of(credentials(method, uri));
    }

    /** Forgets the remembered challenge, e.g. when the registrar rejected credentials built from it. */
    void forget() {
        current = null;
    }

    private Answer credentials(String method, String uri) {
        DigestChallenge c = current;
        String qop = c.offersAuth() ? "auth" : "";
        String nc = "";
        String cnonce = "";
        if (!qop.isEmpty()) {
            // RFC 7616 §3.4: nc counts requests sent with this nonce, in 8 hex digits; cnonce is fresh each time.
            nc = String.format("%08x", ++nonceCount);
            cnonce = Tokens.hex(8);
        }
        String response = Digest.response(c.algorithm(), currentHa1, method, uri, c.nonce(), nc, cnonce, qop);
        var credentials = new DigestCredentials(username, c.realm(), c.nonce(), uri, response, c.algorithm(), cnonce,
                nc, qop, c.opaque());
        return new Answer(currentHeader, credentials.toString(), c);
    }
}
