package io.sipreg.registrar;

import io.sipreg.message.Body;
import io.sipreg.message.Fnv1a;
import io.sipreg.message.HeaderField;
import io.sipreg.message.HeaderName;
import io.sipreg.message.Headers;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** Builds every response the registrar sends (cf. Kamailio's reply.c). */
final class Responses {
    static final String SERVER = "sipreg/0.1";

    /** RFC 3261 §20.17 rfc1123-date with a two-digit day, which DateTimeFormatter.RFC_1123_DATE_TIME does not give. */
    private static final DateTimeFormatter DATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private record DateStamp(long second, String text) {
    }

    private final Clock clock;
    private volatile DateStamp date = new DateStamp(Long.MIN_VALUE, "");

    Responses(Clock clock) {
        this.clock = clock;
    }

    /**
     * A response to {@code request} (RFC 3261 §8.2.6.2: Via, From, To, Call-ID and CSeq copied, so a challenge
     * carries the CSeq of the request it challenges), with a To tag and our Server header.
     */
    SipResponse answer(SipRequest request, int status, String reason) {
        return new SipResponse(status, reason, start(request).add(HeaderName.SERVER, SERVER).build(), Body.EMPTY);
    }

    SipResponse refuse(SipRequest request, RegisterRejection rejection) {
        return answer(request, rejection.status(), rejection.reason());
    }

    /** 401/407 with one challenge header per algorithm. */
    SipResponse challenge(SipRequest request, Challenge challenge, List<String> challenges) {
        var headers = start(request);
        for (String value : challenges) {
            headers.add(challenge.challengeHeader(), value);
        }
        return new SipResponse(challenge.status(), challenge.reason(), headers.add(HeaderName.SERVER, SERVER).build(),
                Body.EMPTY);
    }

    /**
     * 200 OK to a REGISTER (RFC 3261 §10.3 step 8): every current binding as a Contact with the seconds it has left,
     * and a Date header so that simple devices can set their clocks.
     */
    SipResponse registered(SipRequest request, List<Binding> bindings, long nowMillis) {
        var headers = start(request);
        for (Binding b : bindings) {
            headers.add(HeaderName.CONTACT, b.contact() + ";expires=" + b.remainingSeconds(nowMillis));
        }
        headers.add(HeaderName.DATE, date(nowMillis));
        headers.add(HeaderName.SERVER, SERVER);
        return new SipResponse(200, "OK", headers.build(), Body.EMPTY);
    }

    /** RFC 3261 §10.3 step 8 / §20.17. Formatted at most once a second. */
    String date(long nowMillis) {
        long second = Math.floorDiv(nowMillis, 1000);
        DateStamp stamp = date;
        if (stamp.second() != second) {
            stamp = new DateStamp(second, DATE.format(Instant.ofEpochSecond(second)));
            date = stamp;
        }
        return stamp.text();
    }

    String now() {
        return date(clock.millis());
    }

    /**
     * The copied headers of §8.2.6.2, with a To tag added when the request had none. One pass over the request's
     * fields (their names are canonical), in the order §8.2.6.2 lists them: every Via, then From, To, Call-ID, CSeq.
     */
    private static Headers.Builder start(SipRequest request) {
        var builder = Headers.builder();
        String from = null;
        String to = null;
        String callId = null;
        String cseq = null;
        for (HeaderField f : request.headers().fields()) {
            switch (f.name()) {
                case HeaderName.VIA -> builder.add(HeaderName.VIA, f.value());
                case HeaderName.FROM -> from = from == null ? f.value() : from;
                case HeaderName.TO -> to = to == null ? f.value() : to;
                case HeaderName.CALL_ID -> callId = callId == null ? f.value() : callId;
                case HeaderName.CSEQ -> cseq = cseq == null ? f.value() : cseq;
                default -> {
                }
            }
        }
        if (from != null) {
            builder.add(HeaderName.FROM, from);
        }
        if (to != null) {
            builder.add(HeaderName.TO, withTag(to, request));
        }
        if (callId != null) {
            builder.add(HeaderName.CALL_ID, callId);
        }
        if (cseq != null) {
            builder.add(HeaderName.CSEQ, cseq);
        }
        return builder;
    }

    /**
     * §8.2.6.2: the UAS adds a To tag. Parameters written after the name-addr (or after an addr-spec, §20.10) are
     * header parameters, so appending is correct for both forms. §8.2.7: challenges are sent without transaction
     * state, so the tag is derived from the request (Call-ID, CSeq, top Via): a retransmission gets the same one.
     * It guards nothing, so a fast non-cryptographic hash is enough.
     */
    static String withTag(String to, SipRequest request) {
        if (hasTag(to)) {
            return to;
        }
        long hash = Fnv1a.OFFSET_BASIS;
        for (String part : new String[] {request.callId(), request.headers().first(HeaderName.CSEQ).orElse(""),
                request.headers().first(HeaderName.VIA).orElse("")}) {
            hash = Fnv1a.hash(hash, part);
        }
        return to + ";tag=" + Long.toHexString(hash | Long.MIN_VALUE);
    }

    private static boolean hasTag(String to) {
        int close = to.lastIndexOf('>');
        String params = close >= 0 ? to.substring(close + 1) : to;
        return params.toLowerCase(Locale.ROOT).contains(";tag=");
    }
}
