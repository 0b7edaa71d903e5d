package io.sipreg.registrar;

import io.sipreg.message.Body;
import io.sipreg.message.HeaderName;
import io.sipreg.message.Headers;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipUri;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The keepalive OPTIONS (RFC 3261 §11): to the binding's contact URI, from the registrar, a fresh dialog-less request
 * each time. The device answers it like any OPTIONS, and the answer, whatever its status, shows the flow is alive.
 * The transaction layer adds the Via.
 */
final class KeepaliveRequest {
    private KeepaliveRequest() {
    }

    static SipRequest options(SipUri contact, String aor, String domain) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String tag = Long.toHexString(random.nextLong() | Long.MIN_VALUE);
        String callId = Long.toHexString(random.nextLong() | Long.MIN_VALUE)
                + Long.toHexString(random.nextLong() | Long.MIN_VALUE) + "@" + domain;
        return new SipRequest("OPTIONS", contact, Headers.builder()
                .add(HeaderName.MAX_FORWARDS, "70")
                .add(HeaderName.FROM, "<sip:sipreg@" + domain + ">;tag=" + tag)
                .add(HeaderName.TO, "<" + aor + ">")
                .add(HeaderName.CALL_ID, callId)
                .add(HeaderName.CSEQ, "1 OPTIONS")
                .add(HeaderName.USER_AGENT, Responses.SERVER)
                .build(), Body.EMPTY);
    }
}
