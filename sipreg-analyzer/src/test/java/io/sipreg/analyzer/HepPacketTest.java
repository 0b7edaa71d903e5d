package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * HEP as Kamailio's siptrace sends it (the corpus' hep3-kamailio.pcap and hep2-kamailio.pcap): the fields of each
 * version, and damaged copies of real packets, which must be declined rather than misread.
 */
class HepPacketTest {

    @Test // HEPv3: chunks 1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 15 in network order
    void readsVersion3AsKamailioSendsIt() {
        List<Captures.Payload> frames = hepFrames("hep3-kamailio.pcap");
        assertThat(frames).hasSize(8);
        assertMirrors(frames, 3);
    }

    @Test // HEPv2: a 16-byte header, then the time as little-endian seconds and microseconds, capture id, padding
    void readsVersion2AsKamailioSendsIt() {
        List<Captures.Payload> frames = hepFrames("hep2-kamailio.pcap");
        assertThat(frames).hasSize(8);
        assertMirrors(frames, 2);
    }

    @Test // HEPv1: the same header as version 2 and no time: the frame's own time stands
    void readsVersion1AsKamailioSendsIt() {
        List<Captures.Payload> frames = hepFrames("hep1-kamailio.pcap");
        assertThat(frames).hasSize(8);
        assertMirrors(frames, 1);
    }

    private static void assertMirrors(List<Captures.Payload> frames, int version) {
        var hep = new HepPacket();
        for (int i = 0; i < frames.size(); i++) {
            Captures.Payload f = frames.get(i);
            assertThat(hep.read(f.bytes(), 0, f.bytes().length)).as("frame %d", i + 1).isTrue();
            assertThat(hep.version).isEqualTo(version);
            assertThat(hep.v6).isFalse();
            assertThat(hep.transport).isEqualTo(Transport.UDP);
            assertThat(hep.agentId).isEqualTo(version == 1 ? -1 : 1);
            assertThat(Endpoint.ipv4(f.bytes(), hep.sourceAt, hep.sourcePort).address()).isEqualTo("127.0.0.1");
            assertThat(Endpoint.ipv4(f.bytes(), hep.destinationAt, hep.destinationPort).address()).isEqualTo("127.0.0.1");
            if (version == 1) {
                assertThat(hep.timeNanos).isEqualTo(-1);
            } else {
                // The agent's clock, taken just before it sent the copy: within a millisecond of the copy's
                // arrival (read in the wrong byte order, it would be years away).
                assertThat(Math.abs(f.timeNanos() - hep.timeNanos)).isLessThan(1_000_000L);
            }
            String sip = new String(f.bytes(), hep.payloadAt, hep.payloadLength, StandardCharsets.ISO_8859_1);
            boolean request = i % 2 == 0;
            assertThat(sip).startsWith(request ? "REGISTER sip:" : "SIP/2.0 ").endsWith("\r\n\r\n");
            assertThat(request ? hep.destinationPort : hep.sourcePort).isEqualTo(5060);
            assertThat(request ? hep.sourcePort : hep.destinationPort).isIn(5070, 5072);
            assertThat(hep.payloadAt + hep.payloadLength).isEqualTo(f.bytes().length);
        }
    }

    @Test
    void declinesEveryTruncationOfARealPacketThatCutsItsHeader() {
        for (String file : List.of("hep3-kamailio.pcap", "hep2-kamailio.pcap", "hep1-kamailio.pcap")) {
            byte[] packet = hepFrames(file).get(0).bytes();
            var hep = new HepPacket();
            assertThat(hep.read(packet, 0, packet.length)).isTrue();
            int payloadAt = hep.payloadAt;
            for (int len = 0; len < payloadAt + 12; len++) {
                assertThat(hep.read(Arrays.copyOf(packet, len), 0, len)).as("%s cut to %d bytes", file, len).isFalse();
            }
        }
    }

    @Test // a chunk whose length runs past the packet, a payload of another protocol, an unknown transport
    void declinesDamagedOrForeignVersion3Packets() {
        byte[] packet = hepFrames("hep3-kamailio.pcap").get(0).bytes();
        var hep = new HepPacket();
        int payloadChunk = chunk(packet, 15);
        byte[] overlong = packet.clone();
        overlong[payloadChunk + 4] = (byte) 0xFF;
        overlong[payloadChunk + 5] = (byte) 0xFF;
        assertThat(hep.read(overlong, 0, overlong.length)).isFalse();
        byte[] rtcp = packet.clone();
        rtcp[chunk(packet, 11) + 6] = 5;
        assertThat(hep.read(rtcp, 0, rtcp.length)).isFalse();
        byte[] sctp = packet.clone();
        sctp[chunk(packet, 2) + 6] = (byte) 132;
        assertThat(hep.read(sctp, 0, sctp.length)).isFalse();
        byte[] family6 = packet.clone();
        family6[chunk(packet, 1) + 6] = 10;     // says IPv6, carries IPv4 address chunks
        assertThat(hep.read(family6, 0, family6.length)).isFalse();
    }

    @Test // every single-byte change of a real packet: read or declined, never an exception or an offset outside it
    void survivesEveryByteOfARealPacketChanged() {
        for (String file : List.of("hep3-kamailio.pcap", "hep2-kamailio.pcap", "hep1-kamailio.pcap")) {
            byte[] packet = hepFrames(file).get(1).bytes();
            var hep = new HepPacket();
            for (int i = 0; i < packet.length; i++) {
                for (int value : new int[] {0, 1, 2, 0x7F, 0xFF}) {
                    byte[] changed = packet.clone();
                    changed[i] = (byte) value;
                    if (hep.read(changed, 0, changed.length)) {
                        assertThat(hep.payloadAt).isBetween(0, changed.length);
                        assertThat(hep.payloadAt + hep.payloadLength).isLessThanOrEqualTo(changed.length);
                        assertThat(hep.sourceAt + (hep.v6 ? 16 : 4)).isLessThanOrEqualTo(changed.length);
                        assertThat(hep.destinationAt + (hep.v6 ? 16 : 4)).isLessThanOrEqualTo(changed.length);
                    }
                }
            }
        }
    }

    /** Offset of the first vendor-0 chunk of {@code type} in a HEPv3 packet. */
    private static int chunk(byte[] packet, int type) {
        for (int p = 6; p + 6 <= packet.length; p += Bytes.u16(packet, p + 4)) {
            if (Bytes.u16(packet, p) == 0 && Bytes.u16(packet, p + 2) == type) {
                return p;
            }
        }
        throw new AssertionError("no chunk " + type);
    }

    /** The HEP packets of a capture: its UDP payloads. */
    private static List<Captures.Payload> hepFrames(String name) {
        return Captures.payloads(name);
    }
}
