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
        // One pass over the fields: every Via in order, and the first of each of the others.
        var builder = Headers.builder();
        String from = null;
        String to = null;
        String callId = null;
        String cseq = null;
        for (HeaderField f : requestHeaders.fields()) {
            String name = f.name();
            if (name.equals(HeaderName.VIA)) {
                builder.add(HeaderName.VIA, f.value());
            } else if (from == null && name.equals(HeaderName.FROM)) {
                from = f.value();
            } else if (to == null && name.equals(HeaderName.TO)) {
                to = f.value();
            } else if (callId == null && name.equals(HeaderName.CALL_ID)) {
                callId = f.value();
            } else if (cseq == null && name.equals(HeaderName.CSEQ)) {
                cseq = f.value();
            }
        }
        addIfPresent(builder, HeaderName.FROM, from);
        addIfPresent(builder, HeaderName.TO, to);
        addIfPresent(builder, HeaderName.CALL_ID, callId);
        addIfPresent(builder, HeaderName.CSEQ, cseq);
        return new SipResponse(status, reason, builder.build(), Body.EMPTY);
    }

    private static void addIfPresent(Headers.Builder builder, String name, String value) {
        if (value != null) {
            builder.add(name, value);
        }
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
