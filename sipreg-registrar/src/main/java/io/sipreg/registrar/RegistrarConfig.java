package io.sipreg.registrar;

import io.sipreg.message.digest.DigestAlgorithm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How the registrar behaves. Build it, call {@link #validate()}, and report every message before starting; the
 * {@link Registrar} constructor refuses a configuration with problems.
 *
 * @param domain         the domain served, which is also the digest realm; kept in lower case
 * @param challenge      401/WWW-Authenticate or 407/Proxy-Authenticate
 * @param minExpires     shortest registration accepted; shorter ones get 423 (RFC 3261 §10.3 step 7)
 * @param maxExpires     longest registration granted; longer requests are cut to this
 * @param defaultExpires what a REGISTER without Expires header or parameter gets
 * @param algorithms     digest algorithms offered; one challenge each, SHA-256 before MD5 (RFC 8760 §2.4)
 * @param nonceLifetime  how long a nonce is accepted before it is stale
 * @param flowTimer      seconds; the Flow-Timer of a 200 to an RFC 5626 outbound registration: how often the client
 *                       should send its CRLF or STUN keepalives (§4.4.1), normally the keepalive interval
 * @param maxContacts    most bindings one AOR may have (0: no limit); see {@link BindingUpdate} for what happens
 *                       beyond it
 * @param maxContactsStatus 403 or 503: the answer to a REGISTER that would exceed {@code maxContacts}
 */
public record RegistrarConfig(String domain, Challenge challenge, int minExpires, int maxExpires, int defaultExpires,
                              List<DigestAlgorithm> algorithms, Duration nonceLifetime, int flowTimer,
                              int maxContacts, int maxContactsStatus) {

    public static final int DEFAULT_MIN_EXPIRES = 60;
    public static final int DEFAULT_MAX_EXPIRES = 3600;
    public static final int DEFAULT_EXPIRES = 3600;
    public static final Duration DEFAULT_NONCE_LIFETIME = Duration.ofSeconds(300);
    /** Seconds; the keepalive interval the provider's engineer describes ("every 30 seconds"). */
    public static final int DEFAULT_FLOW_TIMER = 30;
    /** A desk phone, a softphone and a mobile app each, with room to spare. */
    public static final int DEFAULT_MAX_CONTACTS = 10;
    public static final int DEFAULT_MAX_CONTACTS_STATUS = 403;

    public RegistrarConfig {
        domain = Objects.requireNonNull(domain, "domain").strip().toLowerCase(Locale.ROOT);
        Objects.requireNonNull(challenge, "challenge");
        algorithms = List.copyOf(algorithms);
        Objects.requireNonNull(nonceLifetime, "nonceLifetime");
    }

    /** With the default contact limit ({@link #DEFAULT_MAX_CONTACTS}, answered 403). */
    public RegistrarConfig(String domain, Challenge challenge, int minExpires, int maxExpires, int defaultExpires,
                           List<DigestAlgorithm> algorithms, Duration nonceLifetime, int flowTimer) {
        this(domain, challenge, minExpires, maxExpires, defaultExpires, algorithms, nonceLifetime, flowTimer,
                DEFAULT_MAX_CONTACTS, DEFAULT_MAX_CONTACTS_STATUS);
    }

    /** Without a Flow-Timer of its own: {@link #DEFAULT_FLOW_TIMER}. */
    public RegistrarConfig(String domain, Challenge challenge, int minExpires, int maxExpires, int defaultExpires,
                           List<DigestAlgorithm> algorithms, Duration nonceLifetime) {
        this(domain, challenge, minExpires, maxExpires, defaultExpires, algorithms, nonceLifetime,
                DEFAULT_FLOW_TIMER);
    }

    public RegistrarConfig withFlowTimer(int seconds) {
        return new RegistrarConfig(domain, challenge, minExpires, maxExpires, defaultExpires, algorithms,
                nonceLifetime, seconds, maxContacts, maxContactsStatus);
    }

    /** At most {@code max} bindings per AOR (0: no limit); a REGISTER that would exceed it gets {@code status}. */
    public RegistrarConfig withMaxContacts(int max, int status) {
        return new RegistrarConfig(domain, challenge, minExpires, maxExpires, defaultExpires, algorithms,
                nonceLifetime, flowTimer, max, status);
    }

    /** 401, 60 s, 3600 s, 3600 s, MD5, 300 s, Flow-Timer 30 s. */
    public static RegistrarConfig defaults(String domain) {
        return new RegistrarConfig(domain, Challenge.WWW_401, DEFAULT_MIN_EXPIRES, DEFAULT_MAX_EXPIRES,
                DEFAULT_EXPIRES, List.of(DigestAlgorithm.MD5), DEFAULT_NONCE_LIFETIME);
    }

    /** Every problem, each naming its field; empty when the configuration is usable. */
    public static List<String> validate(RegistrarConfig config) {
        var problems = new ArrayList<String>();
        if (config.domain.isEmpty()) {
            problems.add("domain must not be empty");
        }
        if (config.minExpires < 1) {
            problems.add("minExpires must be >= 1, was " + config.minExpires);
        }
        if (config.minExpires > 3600) {
            // §10.3 step 7 allows 423 only for requests shorter than one hour.
            problems.add("minExpires must be <= 3600, was " + config.minExpires);
        }
        if (config.maxExpires < config.minExpires) {
            problems.add("maxExpires must be >= minExpires (" + config.minExpires + "), was " + config.maxExpires);
        }
        if (config.defaultExpires < config.minExpires || config.defaultExpires > config.maxExpires) {
            problems.add("defaultExpires must be between minExpires (" + config.minExpires + ") and maxExpires ("
                    + config.maxExpires + "), was " + config.defaultExpires);
        }
        if (config.algorithms.isEmpty()) {
            problems.add("algorithms must name at least one digest algorithm");
        } else if (new HashSet<>(config.algorithms).size() != config.algorithms.size()) {
            problems.add("algorithms must not repeat an algorithm, was " + config.algorithms);
        }
        if (config.nonceLifetime.isNegative() || config.nonceLifetime.compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add("nonceLifetime must be at least 1 second, was " + config.nonceLifetime.toSeconds() + " s");
        }
        if (config.flowTimer < 1) {
            problems.add("flowTimer must be >= 1 second, was " + config.flowTimer);
        }
        if (config.maxContacts < 0) {
            problems.add("maxContacts must be >= 0, was " + config.maxContacts);
        }
        if (config.maxContactsStatus != 403 && config.maxContactsStatus != 503) {
            problems.add("maxContactsStatus must be 403 or 503, was " + config.maxContactsStatus);
        }
        return problems;
    }

    /** {@link #validate(RegistrarConfig)} of this configuration. */
    public List<String> validate() {
        return validate(this);
    }

    /** The realm in challenges: the domain (RFC 3261 §22.1 suggests the domain for registrars). */
    public String realm() {
        return domain;
    }

    /**
     * The algorithms in the order they are offered: SHA-256 first. A device takes the first challenge it
     * understands (RFC 8760 §2.4), so listing MD5 first would hold every SHA-256-capable device back at MD5.
     */
    public List<DigestAlgorithm> offeredAlgorithms() {
        var offered = new ArrayList<>(algorithms);
        offered.sort((a, b) -> Integer.compare(strength(b), strength(a)));
        return List.copyOf(offered);
    }

    private static int strength(DigestAlgorithm algorithm) {
        return switch (algorithm) {
            case SHA_256 -> 2;
            case MD5 -> 1;
        };
    }
}
