package io.sipreg.message;

import java.util.Objects;

/** A SIP request: Request-Line (RFC 3261 §7.1), headers and body. */
public record SipRequest(String method, SipUri requestUri, Headers headers, Body body) implements SipMessage {
    public SipRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(requestUri, "requestUri");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
    }

    public SipRequest withHeaders(Headers newHeaders) {
        return new SipRequest(method, requestUri, newHeaders, body);
    }
}
