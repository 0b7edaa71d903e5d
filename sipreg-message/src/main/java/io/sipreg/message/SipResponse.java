package io.sipreg.message;

import java.util.Objects;

/** A SIP response: Status-Line (RFC 3261 §7.2), headers and body. */
public record SipResponse(int status, String reason, Headers headers, Body body) implements SipMessage {
    public SipResponse {
        if (status < 100 || status > 699) {
            throw new IllegalArgumentException("status code out of range: " + status);
        }
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
    }

    /**
     * A response to {@code request} per RFC 3261 §8.2.6.2: Via (all, in order), From, To, Call-ID and CSeq
     * are copied; nothing else. The caller adds a To tag where the UAS must (§8.2.6.2) and its own headers.
     */
    public static SipResponse to(SipRequest request, int status, String reason) {
        return forHeaders(request.headers(), status, reason);
    }

    /** The same as {@link #to} from whatever headers a request had; used to answer a malformed one. */
    public static SipResponse forHeaders(Headers requestHeaders, int status, String reason) {
        var builder = Headers.builder();
        for (String via : requestHeaders.all(HeaderName.VIA)) {
            builder.add(HeaderName.VIA, via);
        }
        requestHeaders.first(HeaderName.FROM).ifPresent(v -> builder.add(HeaderName.FROM, v));
        requestHeaders.first(HeaderName.TO).ifPresent(v -> builder.add(HeaderName.TO, v));
        requestHeaders.first(HeaderName.CALL_ID).ifPresent(v -> builder.add(HeaderName.CALL_ID, v));
        requestHeaders.first(HeaderName.CSEQ).ifPresent(v -> builder.add(HeaderName.CSEQ, v));
        return new SipResponse(status, reason, builder.build(), Body.EMPTY);
    }

    public SipResponse withHeaders(Headers newHeaders) {
        return new SipResponse(status, reason, newHeaders, body);
    }

    /** Appends a header field. */
    public SipResponse with(String name, String value) {
        return withHeaders(headers.with(name, value));
    }

    public boolean isFinal() {
        return status >= 200;
    }
}
