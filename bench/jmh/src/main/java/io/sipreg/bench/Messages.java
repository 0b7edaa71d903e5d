package io.sipreg.bench;

import java.nio.charset.StandardCharsets;

/**
 * Authenticated REGISTERs as two real clients send them (the second REGISTER of the 401 exchange, the one that
 * carries Authorization), written as text blocks and turned into CRLF wire bytes.
 */
final class Messages {
    /**
     * baresip 1.0.0 (Debian 12) registering over UDP: expires as a Contact parameter, rport, a list-valued Allow that
     * the parser splits into eleven fields, User-Agent, and credentials with qop=auth.
     */
    static final String BARESIP = """
            REGISTER sip:example.com;transport=udp SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.1:58117;branch=z9hG4bK4c0e6b8fd5b2e9a1;rport
            Contact: <sip:alice-0x55b5fdb27550@127.0.0.1:58117;transport=udp>;expires=600
            Max-Forwards: 70
            To: <sip:alice@example.com;transport=udp>
            From: <sip:alice@example.com;transport=udp>;tag=d4a7ee2c95a3c6f1
            Call-ID: ecca6ab2f3756877
            CSeq: 2382 REGISTER
            User-Agent: baresip v1.0.0 (x86_64/linux)
            Authorization: Digest username="alice", realm="example.com", \
            nonce="AAABjQ7w9uXK3sU2f1Qq0wYz3pV1dR8eT5mN4bC7aL0", uri="sip:example.com;transport=udp", \
            response="7f4d6e2a1b9c8d3e5f6a7b8c9d0e1f2a", algorithm=MD5, cnonce="a3b5c7d9e1f30517", qop=auth, \
            nc=00000001
            Allow: INVITE,ACK,BYE,CANCEL,OPTIONS,NOTIFY,SUBSCRIBE,INFO,MESSAGE,UPDATE,REFER
            Supported: replaces,norefersub,gruu
            Content-Length: 0

            """;

    /**
     * SIPp 3.6 running bench/sipp's register scenario: Expires header, and the [authentication] keyword's credentials
     * (no spaces, cnonce/nc/qop before uri, uri naming the registrar's address).
     */
    static final String SIPP = """
            REGISTER sip:example.com SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-2795-1-2
            Max-Forwards: 70
            From: <sip:alice@example.com>;tag=2795SIPpTag001
            To: <sip:alice@example.com>
            Call-ID: 1-2795@127.0.0.1
            CSeq: 2 REGISTER
            Contact: <sip:alice@127.0.0.1:5061;transport=UDP>
            Expires: 3600
            Authorization: Digest username="alice",realm="example.com",cnonce="6b8b4567",nc=00000001,qop=auth,\
            uri="sip:127.0.0.1:5080",nonce="AAABjQ7w9uXK3sU2f1Qq0wYz3pV1dR8eT5mN4bC7aL0",\
            response="0b5d5d4c9e2a31f7f9b1d2c3e4f5a6b7",algorithm=MD5
            Content-Length: 0

            """;

    private Messages() {
    }

    static String named(String name) {
        return switch (name) {
            case "baresip" -> BARESIP;
            case "sipp" -> SIPP;
            default -> throw new IllegalArgumentException("no message named " + name);
        };
    }

    /** Wire bytes: every line ending becomes CRLF. */
    static byte[] wire(String text) {
        return text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The value of the first header {@code name} (exact spelling) in {@code text}. */
    static String headerValue(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new IllegalArgumentException("no " + name + " header");
    }
}
