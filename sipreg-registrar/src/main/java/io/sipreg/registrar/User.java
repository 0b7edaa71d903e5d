package io.sipreg.registrar;

import io.sipreg.message.digest.Digest;
import io.sipreg.message.digest.DigestAlgorithm;
import java.util.Locale;
import java.util.Objects;

/**
 * An account. The realm is the domain, so the HA1 digests are H(username:domain:password) for each algorithm; the
 * password itself is never stored (RFC 7616 §3.4.2). The domain is kept in lower case, as the registrar uses it as
 * the realm.
 */
public record User(String username, String domain, String ha1Md5, String ha1Sha256) {
    public User {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(ha1Md5, "ha1Md5");
        Objects.requireNonNull(ha1Sha256, "ha1Sha256");
        domain = domain.toLowerCase(Locale.ROOT).intern();   // one realm for thousands of users
    }

    /** RFC 3261 §25.1 user: unreserved, escaped and user-unreserved characters; no '@' or ':'. */
    private static final java.util.regex.Pattern USER =
            java.util.regex.Pattern.compile("[A-Za-z0-9\\-_.!~*'()&=+$,;?/%]+");
    private static final java.util.regex.Pattern DOMAIN =
            java.util.regex.Pattern.compile("[A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+\\]");

    /** What is wrong with this user name or domain for an account, in words; empty when both are usable. */
    public static java.util.Optional<String> nameProblem(String username, String domain) {
        if (!USER.matcher(username).matches()) {
            return java.util.Optional.of("'" + username + "' is not a valid SIP user name (RFC 3261 §25.1)");
        }
        if (!DOMAIN.matcher(domain).matches()) {
            return java.util.Optional.of("'" + domain + "' is not a valid domain");
        }
        return java.util.Optional.empty();
    }

    public static User withPassword(String username, String domain, String password) {
        String realm = domain.toLowerCase(Locale.ROOT);
        return new User(username, realm, Digest.ha1(DigestAlgorithm.MD5, username, realm, password),
                Digest.ha1(DigestAlgorithm.SHA_256, username, realm, password));
    }

    /** The HA1 for {@code algorithm}. */
    public String ha1(DigestAlgorithm algorithm) {
        return switch (algorithm) {
            case MD5 -> ha1Md5;
            case SHA_256 -> ha1Sha256;
        };
    }

    /** Without the digests: an HA1 is as good as the password for this realm and must not reach a log. */
    @Override
    public String toString() {
        return "User[sip:" + username + "@" + domain + "]";
    }
}
