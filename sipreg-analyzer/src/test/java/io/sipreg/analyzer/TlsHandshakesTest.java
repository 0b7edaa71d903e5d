package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The start of real TLS handshakes (the corpus' tls-*.pcap), whole, split and damaged. */
class TlsHandshakesTest {
    private static final Endpoint PHONE = new Endpoint(false, 0, 0x0A00_0002L, 40000);
    private static final Endpoint SERVER = new Endpoint(false, 0, 0x0A00_0001L, 5061);

    @Test // a ClientHello split over two segments is still a handshake, known by its first segment
    void countsAClientHelloWhoseRestComesLater() {
        byte[] hello = Captures.payloads("tls-sipreg.pcap").get(3).bytes();
        var tls = new TlsHandshakes();
        var findings = new ArrayList<Finding>();
        assertThat(tls.segment(4, PHONE, SERVER, hello, 0, 60, findings::add)).isTrue();
        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("tls-encrypted");
            assertThat(f.message()).contains("no server name", "to 10.0.0.1:5061");
        });
        assertThat(tls.note()).startsWith("TLS: 1 handshake began");
    }

    @Test // the alert of tls-protocol-version.pcap without its ClientHello: said, but not explained
    void anAlertWithoutItsHandshakeIsReportedAsSuch() {
        byte[] alert = Captures.payloads("tls-protocol-version.pcap").get(5).bytes();
        var findings = new ArrayList<Finding>();
        new TlsHandshakes().segment(6, SERVER, PHONE, alert, 0, alert.length, findings::add);
        assertThat(findings).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("tls-refused");
            assertThat(f.frames()).containsExactly(6L);
            assertThat(f.message()).isEqualTo("10.0.0.1:5061 ended a TLS handshake with 10.0.0.2:40000 (alert"
                    + " protocol_version, 70, fatal); its start is not in the capture.");
        });
    }

    @Test // every truncation and every single-byte change of three real ClientHellos and two alerts
    void survivesDamagedRecords() {
        List<byte[]> records = List.of(
                Captures.payloads("tls-sipreg.pcap").get(3).bytes(),
                Captures.payloads("tls-certificate-refused.pcap").get(3).bytes(),
                Captures.payloads("tls-certificate-refused.pcap").get(7).bytes(),
                Captures.payloads("tls-protocol-version.pcap").get(3).bytes(),
                Captures.payloads("tls-protocol-version.pcap").get(5).bytes());
        for (byte[] record : records) {
            assertThat(record[0]).isIn((byte) 0x15, (byte) 0x16);
            for (int len = 0; len <= record.length; len++) {
                new TlsHandshakes().segment(1, PHONE, SERVER, Arrays.copyOf(record, len), 0, len, f -> { });
            }
            for (int i = 0; i < record.length; i++) {
                for (int value : new int[] {0, 1, 0x7F, 0x80, 0xFF}) {
                    byte[] changed = record.clone();
                    changed[i] = (byte) value;
                    var tls = new TlsHandshakes();
                    tls.segment(1, PHONE, SERVER, changed, 0, changed.length, f -> { });
                    tls.segment(2, SERVER, PHONE, changed, 0, changed.length, f -> { });
                }
            }
        }
    }
}
