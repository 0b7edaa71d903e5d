package io.sipreg.registrar;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How sipreg defends itself against password guessing and floods (the {@code [security]} settings). A threshold of 0
 * turns that defence off.
 *
 * @param userFailures       failed authentications from one source for one user name that start a block of that
 *                           pair: further attempts from that source for that user are refused
 * @param sourceFailures     failed authentications from one source, counting only those for users not already
 *                           blocked there, that start a block of the whole source: every user from it is refused
 *                           except devices with a binding from there
 * @param halfLife           a failure counts for half after this long, a quarter after twice this
 * @param blockTime          the first block's length; each repeat offence doubles it
 * @param maxBlockTime       the longest block
 * @param forgetAfter        a block that starts this long after the previous one ended is a first offence again
 * @param action             {@link Refusal#ANSWER}: refused as a wrong password is (403); {@link Refusal#DROP}: no
 *                           answer to a request with credentials
 * @param rateLimit          requests per second one source may send on average (token bucket); 0: no limit
 * @param rateBurst          requests one source may send at once (the bucket's size)
 * @param rateLimitAction    {@link Refusal#ANSWER}: 503 with Retry-After; {@link Refusal#DROP}: no answer
 */
public record SecurityPolicy(int userFailures, int sourceFailures, Duration halfLife, Duration blockTime,
                             Duration maxBlockTime, Duration forgetAfter, Refusal action, int rateLimit,
                             int rateBurst, Refusal rateLimitAction) {

    public static final int DEFAULT_USER_FAILURES = 5;
    public static final int DEFAULT_SOURCE_FAILURES = 30;
    public static final Duration DEFAULT_HALF_LIFE = Duration.ofSeconds(120);
    public static final Duration DEFAULT_BLOCK_TIME = Duration.ofSeconds(60);
    public static final Duration DEFAULT_MAX_BLOCK_TIME = Duration.ofHours(1);
    public static final Duration DEFAULT_FORGET_AFTER = Duration.ofHours(24);
    /** Far above what one phone or an office NAT sends, well below what one source can make us spend. */
    public static final int DEFAULT_RATE_LIMIT = 500;
    public static final int DEFAULT_RATE_BURST = 2000;

    /** Everything off: no counting, no blocks, no rate limit. */
    public static final SecurityPolicy OFF = new SecurityPolicy(0, 0, DEFAULT_HALF_LIFE, DEFAULT_BLOCK_TIME,
            DEFAULT_MAX_BLOCK_TIME, DEFAULT_FORGET_AFTER, Refusal.ANSWER, 0, 1, Refusal.ANSWER);

    public SecurityPolicy {
        Objects.requireNonNull(halfLife, "halfLife");
        Objects.requireNonNull(blockTime, "blockTime");
        Objects.requireNonNull(maxBlockTime, "maxBlockTime");
        Objects.requireNonNull(forgetAfter, "forgetAfter");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(rateLimitAction, "rateLimitAction");
    }

    public static SecurityPolicy defaults() {
        return new SecurityPolicy(DEFAULT_USER_FAILURES, DEFAULT_SOURCE_FAILURES, DEFAULT_HALF_LIFE,
                DEFAULT_BLOCK_TIME, DEFAULT_MAX_BLOCK_TIME, DEFAULT_FORGET_AFTER, Refusal.ANSWER, DEFAULT_RATE_LIMIT,
                DEFAULT_RATE_BURST, Refusal.ANSWER);
    }

    /** Every problem, each naming its field; empty when usable. */
    public List<String> validate() {
        var problems = new ArrayList<String>();
        if (userFailures < 0) {
            problems.add("userFailures must be >= 0, was " + userFailures);
        }
        if (sourceFailures < 0) {
            problems.add("sourceFailures must be >= 0, was " + sourceFailures);
        }
        if (halfLife.toMillis() < 1000) {
            problems.add("halfLife must be at least 1 second, was " + halfLife.toMillis() + " ms");
        }
        if (blockTime.toMillis() < 1000) {
            problems.add("blockTime must be at least 1 second, was " + blockTime.toMillis() + " ms");
        }
        if (maxBlockTime.compareTo(blockTime) < 0) {
            problems.add("maxBlockTime must be >= blockTime (" + blockTime.toSeconds() + " s), was "
                    + maxBlockTime.toSeconds() + " s");
        }
        if (forgetAfter.isNegative()) {
            problems.add("forgetAfter must not be negative");
        }
        if (rateLimit < 0) {
            problems.add("rateLimit must be >= 0, was " + rateLimit);
        }
        if (rateBurst < 1) {
            problems.add("rateBurst must be >= 1, was " + rateBurst);
        }
        return problems;
    }

    public boolean countsFailures() {
        return userFailures > 0 || sourceFailures > 0;
    }

    /** The length of offence {@code n} (1 for the first): blockTime doubled per repeat, at most maxBlockTime. */
    long blockMillis(int offence) {
        long millis = blockTime.toMillis();
        for (int i = 1; i < offence && millis < maxBlockTime.toMillis(); i++) {
            millis *= 2;
        }
        return Math.min(millis, maxBlockTime.toMillis());
    }
}
