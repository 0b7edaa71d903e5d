package io.sipreg.transaction;

import io.sipreg.message.HeaderName;
import io.sipreg.message.Headers;
import io.sipreg.message.SipRequest;
import io.sipreg.message.Via;
import java.util.Locale;
import java.util.Objects;

/**
 * What makes two requests the same server transaction (RFC 3261 §17.2.3).
 *
 * @param branch the top Via branch, or for a pre-RFC 3261 request the fields RFC 2543 matched on
 * @param sentBy the top Via sent-by, host in lower case; empty for the RFC 2543 form, whose branch holds the Via
 * @param method the request method: the same branch with another method is another transaction
 */
record TransactionKey(String branch, String sentBy, String method) {
    private static final String MAGIC_COOKIE = "z9hG4bK";

    TransactionKey {
        Objects.requireNonNull(branch, "branch");
        Objects.requireNonNull(sentBy, "sentBy");
        Objects.requireNonNull(method, "method");
    }

    /** Throws {@link io.sipreg.message.SipParseException} when the top Via does not parse. */
    static TransactionKey of(SipRequest request) {
        Via top = request.topVia();
        String branch = top.branch().orElse("");
        if (branch.startsWith(MAGIC_COOKIE)) {
            // §17.2.3: the magic cookie promises a branch unique across space and time, so branch, sent-by
            // and method identify the transaction.
            String sentBy = top.host().toLowerCase(Locale.ROOT) + (top.port() < 0 ? "" : ":" + top.port());
            return new TransactionKey(branch, sentBy, request.method());
        }
        // §17.2.3 for RFC 2543 clients: same Request-URI, To tag, From tag, Call-ID, CSeq and top Via. A
        // retransmission repeats those fields byte for byte, so their text is compared as is.
        Headers headers = request.headers();
        String legacy = "rfc2543|" + request.requestUri() + "|" + headers.first(HeaderName.TO).orElse("")
                + "|" + headers.first(HeaderName.FROM).orElse("") + "|" + request.callId()
                + "|" + headers.first(HeaderName.CSEQ).orElse("") + "|" + headers.first(HeaderName.VIA).orElse("");
        return new TransactionKey(legacy, "", request.method());
    }
}
