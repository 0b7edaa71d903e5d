package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The --json document: {"file", "packets", "sipMessages", "registrations": [...], "findings": [...]}. */
class JsonReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writesOneDocumentPerCapture() throws IOException {
        JsonNode doc = JSON.readTree(json(new AnalyzerOptions("", java.util.Set.of(), false), "baresip-sipreg-udp.pcap"));
        assertThat(doc.get("file").asText()).endsWith("baresip-sipreg-udp.pcap");
        assertThat(doc.get("packets").asLong()).isEqualTo(8);
        assertThat(doc.get("sipMessages").asLong()).isEqualTo(8);
        JsonNode registered = doc.get("registrations").get(0);
        assertThat(registered.get("aor").asText()).isEqualTo("sip:alice@example.com");
        assertThat(registered.get("callId").asText()).isNotEmpty();
        assertThat(registered.get("outcome").asText()).isEqualTo("registered");
        assertThat(registered.get("challenge").asInt()).isEqualTo(401);
        assertThat(registered.get("setupMs").isNumber()).isTrue();
        assertThat(registered.get("frames")).extracting(JsonNode::asLong).containsExactly(1L, 2L, 3L, 4L);
        assertThat(doc.get("registrations").get(1).get("outcome").asText()).isEqualTo("unregistered");
        JsonNode finding = doc.get("findings").get(0);
        assertThat(finding.get("code").asText()).isEqualTo("registered");
        assertThat(finding.get("severity").asText()).isEqualTo("info");
        assertThat(finding.get("message").asText()).contains("registered after a 401 challenge");
        assertThat(finding.get("frames")).extracting(JsonNode::asLong).containsExactly(1L, 4L);
        assertThat(doc.get("damage")).isEmpty();
    }

    @Test
    void writesNullForAMissingChallengeAndSetup() throws IOException {
        JsonNode doc = JSON.readTree(json(AnalyzerOptions.DEFAULT, "baresip-port-unreachable-sll.pcap"));
        JsonNode attempt = doc.get("registrations").get(0);
        assertThat(attempt.get("outcome").asText()).isEqualTo("port-unreachable");
        assertThat(attempt.get("challenge").isNull()).isTrue();
        assertThat(attempt.get("setupMs").isNull()).isTrue();
    }

    @Test
    void wrapsSeveralCapturesInAnArray() throws IOException {
        JsonNode docs = JSON.readTree(json(AnalyzerOptions.DEFAULT, "baresip-sipreg-udp.pcap", "keepalive-ok.pcap"));
        assertThat(docs.isArray()).isTrue();
        assertThat(docs).hasSize(2);
        assertThat(docs.get(1).get("keepalives").get(0).get("outcome").asText()).isEqualTo("keepalive-ok");
        assertThat(docs.get(1).get("findings").get(0).get("code").asText()).isEqualTo("keepalive-ok");
    }

    @Test
    void keepsOnlyTheFilteredRegistration() throws IOException {
        JsonNode doc = JSON.readTree(json(new AnalyzerOptions("alice@example.com", java.util.Set.of(), false),
                "sipp-sipreg-cseq-order.pcap"));
        assertThat(doc.get("registrations")).hasSize(3);
        JsonNode none = JSON.readTree(json(new AnalyzerOptions("bob@example.com", java.util.Set.of(), false),
                "sipp-sipreg-cseq-order.pcap"));
        assertThat(none.get("registrations")).isEmpty();
        assertThat(none.get("packets").asLong()).isEqualTo(doc.get("packets").asLong());
    }

    private static String json(AnalyzerOptions options, String... captures) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var report = new JsonReport(out, captures.length)) {
            for (String c : captures) {
                new CaptureAnalyzer(options).analyze(Captures.path(c), report);
            }
        } catch (UnusableCaptureException e) {
            throw new AssertionError(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
