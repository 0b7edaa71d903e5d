package io.sipreg.transport;

import io.sipreg.message.HeaderName;
import io.sipreg.message.Headers;
import io.sipreg.message.Parameters;
import io.sipreg.message.SipRequest;
import io.sipreg.message.Via;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Records on the top Via where a request really came from, so the response built from it (RFC 3261 §8.2.6.2
 * copies Via) goes back there and every layer above sees the public address of a device behind NAT.
 */
final class SymmetricResponseRouting {
    private SymmetricResponseRouting() {
    }

    static SipRequest stamp(SipRequest request, InetSocketAddress source) {
        Headers stamped = stamp(request.headers(), source);
        return stamped == request.headers() ? request : request.withHeaders(stamped);
    }

    /**
     * Returns {@code headers} itself when nothing needs adding. Throws
     * {@link io.sipreg.message.SipParseException} when the top Via does not parse.
     */
    static Headers stamp(Headers headers, InetSocketAddress source) {
        Optional<String> top = headers.first(HeaderName.VIA);
        if (top.isEmpty() || source.getAddress() == null) {
            return headers;
        }
        Via via = Via.parse(top.get());
        Parameters params = via.params();
        boolean rport = via.hasRport();
        // RFC 3261 §18.2.1: add received when sent-by is a name or an address other than the source.
        // RFC 3581 §4: with rport, received is added even when it equals sent-by.
        if (rport || !Addresses.isLiteralOf(via.host(), source.getAddress())) {
            params = params.with("received", Addresses.bare(source.getAddress()));
        }
        // RFC 3581 §4: a valueless rport is filled with the source port; the response goes to that port.
        if (rport && via.rport().isEmpty()) {
            params = params.with("rport", Integer.toString(source.getPort()));
        }
        if (params == via.params()) {
            return headers;
        }
        return headers.replaceFirst(HeaderName.VIA, via.withParams(params).toString());
    }
}
