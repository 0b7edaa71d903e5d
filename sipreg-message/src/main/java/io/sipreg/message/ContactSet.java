package io.sipreg.message;

import java.util.List;

/** The Contact header fields of a REGISTER (RFC 3261 §10.2.1, §10.2.2): none, {@code *}, or addresses. */
public sealed interface ContactSet {
    /** {@code Contact: *}, valid only alone and with Expires: 0 (§10.2.2). */
    record Wildcard() implements ContactSet {
    }

    /** Zero or more contact addresses; empty for a fetch-bindings REGISTER (§10.2.3). */
    record Contacts(List<NameAddress> addresses) implements ContactSet {
        public Contacts {
            addresses = List.copyOf(addresses);
        }
    }

    /**
     * Reads every Contact field of {@code headers}. {@code *} together with any other contact is returned as a
     * Wildcard only when it is alone; mixed is a {@link SipParseException} with {@link Violation#BAD_CONTACT}.
     */
    static ContactSet of(Headers headers) {
        return HeaderGrammar.contactSet(headers);
    }
}
