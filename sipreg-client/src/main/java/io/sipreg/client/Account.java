package io.sipreg.client;

import io.sipreg.message.Parameters;
import io.sipreg.message.SipUri;
import java.util.Objects;

/**
 * One device account: the address-of-record it registers (RFC 3261 §10.2, the To and From) and the digest
 * credentials it answers challenges with. The authentication username is often the AOR's user part but trunk
 * accounts frequently differ (RFC 3261 §22.4).
 */
public record Account(SipUri aor, String authUsername, String password) {
    public Account {
        Objects.requireNonNull(aor, "aor");
        Objects.requireNonNull(authUsername, "authUsername");
        Objects.requireNonNull(password, "password");
        if (aor.user().isEmpty()) {
            throw new IllegalArgumentException("the address-of-record " + aor + " has no user part");
        }
    }

    /**
     * {@code alice@example.com} or {@code sip:alice@example.com}; the authentication username defaults to the
     * user part when {@code authUsername} is null.
     */
    public static Account of(String aor, String authUsername, String password) {
        String text = aor.contains(":") && (aor.startsWith("sip:") || aor.startsWith("sips:")) ? aor : "sip:" + aor;
        SipUri uri;
        try {
            uri = SipUri.parse(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not an address-of-record: " + aor + " (" + e.getMessage() + ")", e);
        }
        if (uri.user().isEmpty()) {
            throw new IllegalArgumentException("the address-of-record " + aor + " has no user part (user@domain)");
        }
        return new Account(uri, authUsername != null ? authUsername : uri.user(), password);
    }

    /** {@code sip:alice@example.com}, without parameters. */
    public String aorText() {
        return aor.toAddressOfRecord();
    }

    /** The registrar's domain: the Request-URI of a REGISTER names it, without user part (§10.2). */
    public SipUri registrarUri() {
        return new SipUri(aor.scheme(), "", "", aor.host(), aor.port(), Parameters.EMPTY, "");
    }
}
