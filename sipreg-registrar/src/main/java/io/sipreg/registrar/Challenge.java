package io.sipreg.registrar;

import io.sipreg.message.HeaderName;

/**
 * How the registrar asks for credentials (RFC 3261 §22.2, §22.3). A registrar is a UAS and normally answers 401
 * with WWW-Authenticate; some deployments (and many provider captures) use 407 with Proxy-Authenticate instead,
 * and devices cope with both.
 */
public enum Challenge {
    WWW_401(401, "Unauthorized", HeaderName.WWW_AUTHENTICATE, HeaderName.AUTHORIZATION,
            HeaderName.PROXY_AUTHORIZATION),
    PROXY_407(407, "Proxy Authentication Required", HeaderName.PROXY_AUTHENTICATE, HeaderName.PROXY_AUTHORIZATION,
            HeaderName.AUTHORIZATION);

    private final int status;
    private final String reason;
    private final String challengeHeader;
    private final String credentialsHeader;
    private final String toleratedCredentialsHeader;

    Challenge(int status, String reason, String challengeHeader, String credentialsHeader,
              String toleratedCredentialsHeader) {
        this.status = status;
        this.reason = reason;
        this.challengeHeader = challengeHeader;
        this.credentialsHeader = credentialsHeader;
        this.toleratedCredentialsHeader = toleratedCredentialsHeader;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    /** WWW-Authenticate or Proxy-Authenticate. */
    public String challengeHeader() {
        return challengeHeader;
    }

    /** Authorization or Proxy-Authorization: where the answer is expected. */
    public String credentialsHeader() {
        return credentialsHeader;
    }

    /** The other one, read as well: a device answering a 407 in Authorization is still answering us. */
    String toleratedCredentialsHeader() {
        return toleratedCredentialsHeader;
    }

    /** 401 → WWW_401, 407 → PROXY_407. */
    public static java.util.Optional<Challenge> forStatus(int status) {
        for (Challenge c : values()) {
            if (c.status == status) {
                return java.util.Optional.of(c);
            }
        }
        return java.util.Optional.empty();
    }
}
