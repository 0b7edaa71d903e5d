package io.sipreg.registrar;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Issues and verifies Digest nonces without remembering them (RFC 7616 §3.3, §5.5).
 *
 * <p>A nonce is {@code base64url(timestamp ‖ random ‖ HMAC-SHA256(secret, timestamp ‖ random ‖ realm))}, the MAC
 * truncated to 128 bits (RFC 2104 §5 allows truncation to half the hash length). The server can tell from the nonce
 * alone that it issued it, for which realm, and when; any other process holding the same secret (a restarted
 * server) can too. A nonce older than the lifetime is stale: the client answered a real challenge, just late, and
 * gets {@code stale=true} so it retries without asking its user for the password again (RFC 7616 §3.3).
 *
 * <p>What statelessness cannot give is replay protection, so nonce counts are tracked in a bounded map
 * ({@link NonceCounts}); entries leave it when their nonce expires.
 */
public final class NonceService {
    private static final int TIMESTAMP_BYTES = 8;
    private static final int RANDOM_BYTES = 8;
    private static final int MAC_BYTES = 16;
    private static final int NONCE_BYTES = TIMESTAMP_BYTES + RANDOM_BYTES + MAC_BYTES;
    private static final int NONCE_CHARS = (NONCE_BYTES * 4 + 2) / 3;
    static final int DEFAULT_TRACKED_NONCES = 100_000;

    /** What a nonce turned out to be. */
    enum Verdict {
        /** Issued by us for this realm, within its lifetime. */
        FRESH,
        /** Issued by us for this realm, but older than the lifetime. */
        STALE,
        /** Not ours: forged, mangled, for another realm, or issued under another secret. */
        UNKNOWN
    }

    /** A verified nonce and the time it was issued. */
    record Check(Verdict verdict, long issuedAtMillis) {
    }

    private final SecretKeySpec key;
    private final long lifetimeMillis;
    private final Clock clock;
    private final NonceCounts counts;
    private final ThreadLocal<Mac> macs;
    // DRBG instances lock on themselves only, so one per thread never contends (NativePRNG shares a global lock).
    private final ThreadLocal<SecureRandom> randoms = ThreadLocal.withInitial(NonceService::newRandom);

    private NonceService(byte[] secret, Duration lifetime, Clock clock, int trackedNonces) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("nonce secret must have at least 16 bytes");
        }
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("nonce lifetime must be positive");
        }
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.lifetimeMillis = lifetime.toMillis();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.counts = new NonceCounts(trackedNonces);
        this.macs = ThreadLocal.withInitial(this::newMac);
        newMac();
    }

    /** Nonces under {@code secret} (e.g. {@link SqliteStore#nonceSecret()}), so they outlive a restart. */
    public static NonceService create(byte[] secret, Duration lifetime, Clock clock) {
        return new NonceService(secret, lifetime, clock, DEFAULT_TRACKED_NONCES);
    }

    /** Nonces under a secret of its own; every nonce becomes unknown when the process ends. */
    public static NonceService withRandomSecret(Duration lifetime, Clock clock) {
        byte[] secret = new byte[32];
        newRandom().nextBytes(secret);
        return create(secret, lifetime, clock);
    }

    static NonceService withCapacity(byte[] secret, Duration lifetime, Clock clock, int trackedNonces) {
        return new NonceService(secret, lifetime, clock, trackedNonces);
    }

    /** A new nonce for {@code realm}. */
    String issue(String realm) {
        var buffer = ByteBuffer.allocate(NONCE_BYTES);
        buffer.putLong(clock.millis());
        byte[] random = new byte[RANDOM_BYTES];
        randoms.get().nextBytes(random);
        buffer.put(random);
        buffer.put(mac(buffer.array(), realm), 0, MAC_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buffer.array());
    }

    /** Whether we issued {@code nonce} for {@code realm}, and whether it is still within its lifetime. */
    Check check(String nonce, String realm) {
        java.util.OptionalLong tracked = counts.issuedAt(nonce, realm);
        if (tracked.isPresent()) {
            // Verified when first used; only its age can have changed.
            return new Check(clock.millis() - tracked.getAsLong() > lifetimeMillis ? Verdict.STALE : Verdict.FRESH,
                    tracked.getAsLong());
        }
        if (nonce.length() != NONCE_CHARS) {
            return new Check(Verdict.UNKNOWN, 0);
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(nonce);
        } catch (IllegalArgumentException e) {
            return new Check(Verdict.UNKNOWN, 0);
        }
        if (bytes.length != NONCE_BYTES) {
            return new Check(Verdict.UNKNOWN, 0);
        }
        byte[] expected = mac(bytes, realm);
        byte[] actual = new byte[MAC_BYTES];
        System.arraycopy(bytes, TIMESTAMP_BYTES + RANDOM_BYTES, actual, 0, MAC_BYTES);
        if (!MessageDigest.isEqual(java.util.Arrays.copyOf(expected, MAC_BYTES), actual)) {
            return new Check(Verdict.UNKNOWN, 0);
        }
        long issuedAt = ByteBuffer.wrap(bytes).getLong();
        long age = clock.millis() - issuedAt;
        if (age < -lifetimeMillis) {
            // From far in the future: our clock jumped back, or the secret leaked. Either way, not trusted.
            return new Check(Verdict.UNKNOWN, issuedAt);
        }
        return new Check(age > lifetimeMillis ? Verdict.STALE : Verdict.FRESH, issuedAt);
    }

    /**
     * Records nonce-count {@code nc} for a fresh nonce whose digest just verified. False when the count does not
     * exceed the highest already seen with this nonce: a replay (RFC 7616 §3.4, §5.5).
     */
    boolean acceptCount(String nonce, String realm, long issuedAtMillis, long nc) {
        return counts.accept(nonce, realm, issuedAtMillis, nc, clock.millis(), lifetimeMillis);
    }

    int trackedNonces() {
        return counts.size();
    }

    private byte[] mac(byte[] nonceBytes, String realm) {
        Mac mac = macs.get();
        mac.update(nonceBytes, 0, TIMESTAMP_BYTES + RANDOM_BYTES);
        mac.update((byte) 0);
        return mac.doFinal(realm.getBytes(StandardCharsets.UTF_8));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }

    private static SecureRandom newRandom() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }
}
