package io.sipreg.registrar;

import io.sipreg.message.NameAddress;
import io.sipreg.message.SipUri;

/**
 * One Contact of a REGISTER after §10.3 step 7's checks: its URI, the header value the 200 will echo, and the
 * expiry the registrar grants.
 *
 * @param uri        the parsed contact URI, for comparison with stored bindings (§19.1.4)
 * @param uriText    the URI as it will be stored
 * @param contact    the Contact value without its {@code expires} parameter
 * @param expires    granted seconds: 0 removes
 * @param q          thousandths, or {@link Binding#Q_ABSENT}
 * @param instanceId {@code +sip.instance} without quotes, or ""
 * @param regId      {@code reg-id}, or 0 when absent or ignored: RFC 5626 §6 has the registrar ignore it unless the
 *                   client supports outbound and names its instance
 */
record RequestedContact(SipUri uri, String uriText, String contact, long expires, int q, String instanceId,
                        int regId) {

    static RequestedContact of(NameAddress address, long expires, int q, boolean outboundSupported) {
        String instance = address.params().get("+sip.instance").map(RequestedContact::unquote).orElse("");
        int regId = outboundSupported && !instance.isEmpty()
                ? address.params().get("reg-id").map(RequestedContact::positiveInt).orElse(0)
                : 0;
        String uriText = address.uri().toString();
        // name-addr form (§20.10), the URI formatted once; expires is written fresh on every 200.
        String name = address.displayName();
        String contact = (name.isEmpty() ? "" : name + " ") + "<" + uriText + ">"
                + address.params().without("expires");
        return new RequestedContact(address.uri(), uriText, contact, expires, q, instance, regId);
    }

    /** RFC 5626 §6: identified by AOR, instance and reg-id rather than by its URI, and tied to its flow. */
    boolean isOutbound() {
        return regId > 0 && !instanceId.isEmpty();
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1) : value;
    }

    private static int positiveInt(String value) {
        try {
            int v = Integer.parseInt(value);
            return Math.max(v, 0);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
