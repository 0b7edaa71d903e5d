package io.sipreg.client;

import java.net.InetAddress;
import java.util.List;

/**
 * The DNS queries RFC 3263 §4 needs to find a registrar. A name that does not exist (NXDOMAIN) or has no record of
 * the type asked for is an empty list; only a server that fails or does not answer is an exception.
 */
public interface DnsLookup {
    /** NAPTR records of {@code domain} (RFC 3403), in no particular order. */
    List<NaptrRecord> naptr(String domain) throws DnsException;

    /** SRV records of {@code name}, e.g. {@code _sip._udp.example.com} (RFC 2782), in no particular order. */
    List<SrvRecord> srv(String name) throws DnsException;

    /** The A then AAAA addresses of {@code host}, each carrying {@code host} as its host name. */
    List<InetAddress> addresses(String host) throws DnsException;
}
