package io.sipreg.registrar;

/**
 * Hears what the registrar and its keepalives did, for metrics and the admin API's history. Called on event-loop
 * and store-writer threads while requests are answered: implementations must be quick, thread-safe, and never block.
 */
public interface RegistrarActivity {
    RegistrarActivity NONE = new RegistrarActivity() {
    };

    /** A REGISTER was answered. */
    default void attempted(RegisterAttempt attempt) {
    }

    /** A keepalive OPTIONS went unanswered, or a binding was removed by the keepalive schedule. */
    default void keepalive(KeepaliveProbe probe) {
    }

    /** Both {@code first} and {@code second} hear everything, in that order. */
    static RegistrarActivity both(RegistrarActivity first, RegistrarActivity second) {
        return new RegistrarActivity() {
            @Override
            public void attempted(RegisterAttempt attempt) {
                first.attempted(attempt);
                second.attempted(attempt);
            }

            @Override
            public void keepalive(KeepaliveProbe probe) {
                first.keepalive(probe);
                second.keepalive(probe);
            }
        };
    }
}
