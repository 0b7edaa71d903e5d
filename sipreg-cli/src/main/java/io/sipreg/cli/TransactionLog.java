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
                String outcome = error != null ? "failed: " + error : response.status() + " " + response.reason();
                log.info("{} call-id={} {} {} -> {} ({} ms)", flow, request.callId(), request.method(),
                        aorOf(to), outcome, String.format("%.1f", (System.nanoTime() - start) / 1e6));
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
