package io.sipreg.cli;

import io.sipreg.message.HeaderName;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.transaction.RequestHandler;
import io.sipreg.transport.Flow;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One INFO line per transaction outcome, starting with the flow and Call-ID so an operator can grep a device's
 * history: {@code udp 203.0.113.5:40211->192.0.2.1:5060 call-id=a84b4c76 REGISTER sip:alice@example.com -> 200 OK
 * (1.2 ms)}. Never logs credentials.
 */
final class TransactionLog implements RequestHandler {
    private static final Logger log = LoggerFactory.getLogger("transaction");

    private final RequestHandler next;

    TransactionLog(RequestHandler next) {
        this.next = next;
    }

    @Override
    public CompletionStage<SipResponse> handle(SipRequest request, Flow flow) {
        long start = System.nanoTime();
        CompletionStage<SipResponse> stage = next.handle(request, flow);
        if (log.isInfoEnabled()) {
            stage.whenComplete((response, error) -> {
                String to = request.headers().first(HeaderName.TO).orElse("");
                String aor = aorOf(to);
                String outcome = error != null ? "failed: " + error : response.status() + " " + response.reason();
                String millis = String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e6);
                // The same facts as fields, for --log-format json; the text format shows the message alone.
                log.atInfo()
                        .addKeyValue("call_id", request.callId())
                        .addKeyValue("method", request.method())
                        .addKeyValue("aor", aor)
                        .addKeyValue("transport", flow.transport().token())
                        .addKeyValue("source", Flow.hostPort(flow.remote()))
                        .addKeyValue("local", Flow.hostPort(flow.local()))
                        .addKeyValue("status", error != null ? 500 : response.status())
                        .addKeyValue("result", error != null ? "failed: " + error : response.reason())
                        .addKeyValue("duration_ms", Double.parseDouble(millis))
                        .log("{} call-id={} {} {} -> {} ({} ms)", flow, request.callId(), request.method(), aor,
                                outcome, millis);
            });
        }
        return stage;
    }

    private static String aorOf(String to) {
        int lt = to.indexOf('<');
        int gt = to.indexOf('>', lt + 1);
        if (lt >= 0 && gt > lt) {
            return to.substring(lt + 1, gt);
        }
        int semi = to.indexOf(';');
        return semi >= 0 ? to.substring(0, semi).strip() : to.strip();
    }
}
