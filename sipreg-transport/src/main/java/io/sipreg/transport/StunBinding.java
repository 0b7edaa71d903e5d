package io.sipreg.transport;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

/**
 * The STUN server side of SIP Outbound keepalives (RFC 5626 §8): a Binding request arriving on the SIP UDP port is
 * answered with a Binding success response whose XOR-MAPPED-ADDRESS (RFC 5389 §15.2) is the request's source, so
 * the device learns its public address and notices when its NAT binding changes. No credentials are used (RFC 5626
 * §8 keepalives are unauthenticated), so USERNAME and MESSAGE-INTEGRITY are not checked. Anything that is not a
 * well-formed Binding request gets no answer.
 */
final class StunBinding {
    /** RFC 5389 §6: the fixed value in bytes 4-7 of every STUN message. */
    static final int MAGIC_COOKIE = 0x2112A442;

    static final int HEADER_BYTES = 20;
    private static final int BINDING_REQUEST = 0x0001;
    private static final int BINDING_SUCCESS = 0x0101;
    private static final int XOR_MAPPED_ADDRESS = 0x0020;
    private static final int FINGERPRINT = 0x8028;
    /** RFC 5389 §15.5: the CRC-32 is XORed with "STUN" so it never matches an application's own CRC. */
    private static final int FINGERPRINT_XOR = 0x5354554E;
    private static final int FAMILY_IPV4 = 0x01;
    private static final int FAMILY_IPV6 = 0x02;

    private StunBinding() {
    }

    /**
     * RFC 5389 §6 and RFC 5626 §8: STUN and SIP share the port, told apart by the first byte (the two most
     * significant bits of a STUN message are zero; a SIP message starts with a letter or CR/LF) and the magic
     * cookie at offset 4.
     */
    static boolean looksLikeStun(byte[] datagram) {
        return datagram.length >= HEADER_BYTES
                && (datagram[0] & 0xC0) == 0
                && readInt(datagram, 4) == MAGIC_COOKIE;
    }

    /**
     * The Binding success response to {@code datagram} received from {@code source}, or empty when the datagram is
     * not a well-formed Binding request (an indication, a response, a truncated message, another method).
     */
    static Optional<byte[]> answer(byte[] datagram, InetSocketAddress source) {
        if (!looksLikeStun(datagram) || source.getAddress() == null) {
            return Optional.empty();
        }
        int type = readShort(datagram, 0);
        int length = readShort(datagram, 2);
        // RFC 5389 §6: the length excludes the header and is a multiple of 4, as every attribute is padded.
        if (type != BINDING_REQUEST || length % 4 != 0 || HEADER_BYTES + length != datagram.length) {
            return Optional.empty();
        }
        Optional<Boolean> fingerprint = scanAttributes(datagram, length);
        if (fingerprint.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(success(datagram, source, fingerprint.get()));
    }

    /**
     * Walks the attributes (RFC 5389 §15: type, length, value padded to 4 bytes). Empty when they do not add up to
     * the message length; otherwise whether the request carried a FINGERPRINT, which the answer then carries too
     * (RFC 5389 §7.3: a server includes FINGERPRINT when the request did).
     */
    /**
     * A Binding request as a device sends it for keepalive (RFC 5626 §4.4.2, RFC 5389 §6): the header only, with a
     * fresh 96-bit transaction id; no attributes, so no credentials and no FINGERPRINT.
     */
    static byte[] bindingRequest() {
        byte[] request = new byte[HEADER_BYTES];
        writeShort(request, 0, BINDING_REQUEST);
        writeInt(request, 4, MAGIC_COOKIE);
        byte[] transaction = new byte[12];
        ThreadLocalRandom.current().nextBytes(transaction);
        System.arraycopy(transaction, 0, request, 8, 12);
        return request;
    }

    /** Whether {@code datagram} is a Binding success response, the answer to {@link #bindingRequest()}. */
    static boolean isBindingSuccess(byte[] datagram) {
        return looksLikeStun(datagram) && readShort(datagram, 0) == BINDING_SUCCESS;
    }

    private static Optional<Boolean> scanAttributes(byte[] datagram, int length) {
        int at = HEADER_BYTES;
        int end = HEADER_BYTES + length;
        boolean fingerprint = false;
        while (at < end) {
            if (at + 4 > end) {
                return Optional.empty();
            }
            int attribute = readShort(datagram, at);
            int valueLength = readShort(datagram, at + 2);
            int padded = (valueLength + 3) & ~3;
            if (at + 4 + padded > end) {
                return Optional.empty();
            }
            fingerprint = attribute == FINGERPRINT;
            at += 4 + padded;
        }
        return Optional.of(fingerprint);
    }

    private static byte[] success(byte[] request, InetSocketAddress source, boolean fingerprint) {
        InetAddress ip = source.getAddress();
        byte[] address = ip.getAddress();
        boolean v4 = ip instanceof Inet4Address;
        int mappedLength = 4 + address.length;
        int length = 4 + mappedLength + (fingerprint ? 8 : 0);
        byte[] out = new byte[HEADER_BYTES + length];
        writeShort(out, 0, BINDING_SUCCESS);
        writeShort(out, 2, length);
        // Magic cookie and transaction id copied: the client matches the answer by them (RFC 5389 §7.3.1).
        System.arraycopy(request, 4, out, 4, 16);
        int at = HEADER_BYTES;
        writeShort(out, at, XOR_MAPPED_ADDRESS);
        writeShort(out, at + 2, mappedLength);
        out[at + 4] = 0;
        out[at + 5] = (byte) (v4 ? FAMILY_IPV4 : FAMILY_IPV6);
        // RFC 5389 §15.2: the port is XORed with the cookie's high 16 bits, the address with the cookie (IPv4) or
        // with the cookie followed by the transaction id (IPv6): bytes 4..19 of the header.
        writeShort(out, at + 6, source.getPort() ^ (MAGIC_COOKIE >>> 16));
        for (int i = 0; i < address.length; i++) {
            out[at + 8 + i] = (byte) (address[i] ^ request[4 + i]);
        }
        at += 4 + mappedLength;
        if (fingerprint) {
            writeShort(out, at, FINGERPRINT);
            writeShort(out, at + 2, 4);
            // RFC 5389 §15.5: CRC-32 of the message up to the attribute, with the length already counting it.
            var crc = new CRC32();
            crc.update(out, 0, at);
            writeInt(out, at + 4, (int) crc.getValue() ^ FINGERPRINT_XOR);
        }
        return out;
    }

    private static int readShort(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | (b[at + 1] & 0xFF);
    }

    private static int readInt(byte[] b, int at) {
        return readShort(b, at) << 16 | readShort(b, at + 2);
    }

    private static void writeShort(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 8);
        b[at + 1] = (byte) value;
    }

    private static void writeInt(byte[] b, int at, int value) {
        writeShort(b, at, value >>> 16);
        writeShort(b, at + 2, value);
    }
}
