package io.sipreg.registrar;

import java.util.Objects;

/**
 * One block of password guessing, as stored for {@code sipreg blocks} and for a restarted server.
 *
 * @param source    the source it applies to: an IPv4 address, or an IPv6 /64 ({@link SourceKey})
 * @param user      the user name it applies to, or "" for every user from the source
 * @param startedAt epoch milliseconds
 * @param until     epoch milliseconds at which it ends by itself
 * @param offence   1 for a first block, 2 for the one after (twice as long), ...
 * @param failures  failed authentications that started it (the decayed count, rounded)
 * @param refused   attempts refused since it started
 */
public record Block(String source, String user, long startedAt, long until, int offence, int failures,
                    long refused) {
    public Block {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(user, "user");
    }

    /** A block of every user from the source. */
    public boolean coversEveryUser() {
        return user.isEmpty();
    }

    /** Seconds left, rounded up; 0 once ended. */
    public long remainingSeconds(long nowMillis) {
        long left = until - nowMillis;
        return left <= 0 ? 0 : (left + 999) / 1000;
    }
}
