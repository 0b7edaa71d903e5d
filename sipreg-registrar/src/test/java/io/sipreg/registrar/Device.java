package io.sipreg.registrar;

import io.sipreg.message.HeaderName;
import io.sipreg.message.SipResponse;
import io.sipreg.message.digest.Digest;
import io.sipreg.message.digest.DigestAlgorithm;
import io.sipreg.message.digest.DigestChallenge;
import io.sipreg.transport.Flow;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registering device, as the provider's engineer describes one: REGISTER, get 401/407 with a realm and the same
 * CSeq, REGISTER again with credentials and CSeq+1. It keeps the nonce and counts nc up on later requests, like
 * real phones do, and computes real digests.
 */
final class Device {
    private static final Pattern CSEQ = Pattern.compile("CSeq: (\\d+) REGISTER");

    private final Registrar registrar;
    private final Flow flow;
    private final String username;
    private final String password;
    private final List<DigestAlgorithm> supported;
    private boolean qop = true;
    private DigestChallenge challenge;
    private String credentialsHeader = HeaderName.AUTHORIZATION;
    private int nc;

    Device(Registrar registrar, Flow flow, String username, String password, DigestAlgorithm... supported) {
        this.registrar = registrar;
        this.flow = flow;
        this.username = username;
        this.password = password;
        this.supported = supported.length == 0 ? List.of(DigestAlgorithm.MD5, DigestAlgorithm.SHA_256)
                : List.of(supported);
    }

    /** Answer without qop, as an RFC 2069 device does. */
    Device withoutQop() {
        qop = false;
        return this;
    }

    /** Sends {@code text} as it is, with credentials if a challenge is known; no retry. */
    SipResponse send(String text) {
        String request = challenge == null ? text : SipText.withHeader(text, credentialsHeader + ": "
                + credentials(requestUri(text), nextNc(), "0a4f113b"));
        return exchange(request);
    }

    /** Like {@link #send}, but answers a 401/407 once with credentials and CSeq+1. */
    SipResponse register(String text) {
        SipResponse response = send(text);
        if (response.status() != 401 && response.status() != 407) {
            return response;
        }
        learn(response);
        return send(nextCSeq(text));
    }

    /** {@link #register}, for requests only a lenient parser accepts (see {@link SipText#lenientRequest}). */
    SipResponse registerLeniently(String text) {
        SipResponse response = registrar.handle(SipText.lenientRequest(text), flow).toCompletableFuture().join();
        if (response.status() != 401 && response.status() != 407) {
            return response;
        }
        learn(response);
        String again = SipText.withHeader(nextCSeq(text), credentialsHeader + ": "
                + credentials(requestUri(text), nextNc(), "0a4f113b"));
        return registrar.handle(SipText.lenientRequest(again), flow).toCompletableFuture().join();
    }

    /** Takes the first challenge in {@code response} whose algorithm this device supports. */
    void learn(SipResponse response) {
        String header = response.status() == 407 ? HeaderName.PROXY_AUTHENTICATE : HeaderName.WWW_AUTHENTICATE;
        credentialsHeader = response.status() == 407 ? HeaderName.PROXY_AUTHORIZATION : HeaderName.AUTHORIZATION;
        for (String value : response.headers().all(header)) {
            DigestChallenge c = DigestChallenge.parse(value);
            if (supported.contains(c.algorithm())) {
                challenge = c;
                nc = 0;
                return;
            }
        }
        throw new AssertionError("no challenge this device supports in " + response);
    }

    void answerIn(String header) {
        credentialsHeader = header;
    }

    Optional<DigestChallenge> challenge() {
        return Optional.ofNullable(challenge);
    }

    /** The credentials this device would send now for {@code uri}, with the given nc. */
    String credentials(String uri, String ncText, String cnonce) {
        return credentials(username, password, uri, ncText, cnonce);
    }

    String credentials(String user, String secret, String uri, String ncText, String cnonce) {
        DigestAlgorithm algorithm = challenge.algorithm();
        String ha1 = Digest.ha1(algorithm, user, challenge.realm(), secret);
        if (!qop) {
            String response = Digest.response(algorithm, ha1, "REGISTER", uri, challenge.nonce(), "", "", "");
            return "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=%s"
                    .formatted(user, challenge.realm(), challenge.nonce(), uri, response, algorithm.wireName());
        }
        String response = Digest.response(algorithm, ha1, "REGISTER", uri, challenge.nonce(), ncText, cnonce, "auth");
        return ("Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=%s, "
                + "cnonce=\"%s\", nc=%s, qop=auth")
                .formatted(user, challenge.realm(), challenge.nonce(), uri, response, algorithm.wireName(), cnonce,
                        ncText);
    }

    String nextNc() {
        nc++;
        return String.format(Locale.ROOT, "%08x", nc);
    }

    SipResponse exchange(String request) {
        return registrar.handle(SipText.request(request), flow).toCompletableFuture().join();
    }

    static String requestUri(String text) {
        String line = text.substring(0, text.indexOf('\n'));
        return line.split(" ")[1];
    }

    static String nextCSeq(String text) {
        Matcher m = CSEQ.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException("no CSeq in fixture");
        }
        return m.replaceFirst("CSeq: " + (Long.parseLong(m.group(1)) + 1) + " REGISTER");
    }
}
