package io.sipreg.cli.it;

/** A subscriber known to the registrar under test: the user part, its domain and password. */
record SipUser(String user, String domain, String password) {

    /** The address-of-record, RFC 3261 §10.2. */
    String addressOfRecord() {
        return "sip:" + user + "@" + domain;
    }

    /**
     * One line of a SIPp injection file: {@code user;domain;password;[authentication ...]}.
     * SIPp 3.6 does not expand {@code [fieldN]} inside {@code [authentication]}, so the fourth
     * field carries the whole keyword, as SIPp's own documentation does it.
     */
    String sippInjectionLine() {
        return String.join(";", user, domain, password,
                "[authentication username=" + user + " password=" + password + "]");
    }
}
