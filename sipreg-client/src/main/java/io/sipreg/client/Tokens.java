package io.sipreg.client;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Random tokens: Call-IDs, tags, branches' companions and cnonces. RFC 3261 §19.3 wants tags cryptographically
 * random; one {@link SecureRandom} per thread keeps that without every event loop queueing on the lock of a
 * shared instance, which under load mode's thousands of registrations a second is a real wait.
 */
final class Tokens {
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(SecureRandom::new);

    private Tokens() {
    }

    /** {@code bytes} random bytes as lower-case hex. */
    static String hex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.get().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
