package io.sipreg.transaction;

import io.sipreg.message.HeaderName;
import io.sipreg.message.SipResponse;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/** To tags for the responses the transaction layer makes itself (400, 500, 503), and for simple UASs. */
public final class ToTag {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ToTag() {
    }

    /**
     * RFC 3261 §8.2.6.2: a UAS adds a tag to the To of a response if the request had none. The To text is kept
     * byte for byte and the tag appended, which is a header parameter in both the name-addr and the addr-spec
     * form (§20.10).
     */
    public static SipResponse ensure(SipResponse response) {
        Optional<String> to = response.headers().first(HeaderName.TO);
        if (to.isEmpty() || hasTag(to.get())) {
            return response;
        }
        return response.withHeaders(response.headers().replaceFirst(HeaderName.TO, to.get() + ";tag=" + next()));
    }

    static boolean hasTag(String to) {
        int uriEnd = to.lastIndexOf('>');
        String params = to.substring(uriEnd + 1).toLowerCase(Locale.ROOT).replace(" ", "").replace("\t", "");
        return params.contains(";tag=");
    }

    /** §19.3: globally unique and cryptographically random, at least 32 bits. */
    static String next() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
