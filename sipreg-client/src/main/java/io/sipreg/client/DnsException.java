package io.sipreg.client;

/** A DNS server failed or did not answer; the message names the server, the name and the record type queried. */
public final class DnsException extends Exception {
    private static final long serialVersionUID = 1L;

    public DnsException(String message, Throwable cause) {
        super(message, cause);
    }
}
