package io.sipreg.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.HeaderName;
import io.sipreg.message.ParseResult;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ServerTransactionsTest {
    private static final InetSocketAddress LOCAL = new InetSocketAddress("192.0.2.1", 5060);
    private static final InetSocketAddress DEVICE = new InetSocketAddress("203.0.113.5", 40211);
    private static final Flow UDP = new Flow(Transport.UDP, LOCAL, DEVICE, 0);
    private static final Flow TCP = new Flow(Transport.TCP, LOCAL, DEVICE, 9);
    private static final String VIA =
            "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776asdhds;received=203.0.113.5;rport=40211";
    private static final Duration TIMER_J = Duration.ofSeconds(32);

    private final ManualTimers timers = new ManualTimers();
    private final RecordingSender sender = new RecordingSender();
    private final List<SipRequest> seen = new ArrayList<>();
    private final List<CompletableFuture<SipResponse>> answers = new ArrayList<>();
    private final RequestHandler tu = (request, flow) -> {
        seen.add(request);
        var answer = new CompletableFuture<SipResponse>();
        answers.add(answer);
        return answer;
    };
    private ServerTransactions transactions = new ServerTransactions(sender, tu, timers);

    /** What a registrar answers: a fresh To tag and nonce each time, so a re-serialized copy would differ. */
    private static SipResponse challenge(SipRequest request) {
        SipResponse response = SipResponse.to(request, 401, "Unauthorized");
        return response
                .withHeaders(response.headers().replaceFirst(HeaderName.TO,
                        request.headers().first(HeaderName.TO).orElseThrow() + ";tag=" + UUID.randomUUID()))
                .with(HeaderName.WWW_AUTHENTICATE,
                        "Digest realm=\"example.com\", nonce=\"" + UUID.randomUUID() + "\", algorithm=MD5");
    }

    private void answerWith(int index, SipResponse response) {
        answers.get(index).complete(response);
    }

    @Test // RFC 3261 §17.2.2: Trying absorbs retransmissions; the TU sees the request once
    void absorbsRetransmissionWhileTheTuWorks() {
        SipRequest register = SipText.register(VIA);
        transactions.onRequest(register, UDP);
        transactions.onRequest(register, UDP);
        transactions.onRequest(register, UDP);

        assertThat(seen).hasSize(1);
        assertThat(sender.sent).isEmpty();
        assertThat(transactions.size()).isEqualTo(1);

        answerWith(0, challenge(register));
        assertThat(sender.sent).hasSize(1);
        assertThat(sender.sent.get(0).flow()).isEqualTo(UDP);
        assertThat(sender.sent.get(0).response().status()).isEqualTo(401);
    }

    @Test // RFC 3261 §17.2.2: Completed answers a retransmission with the same final response
    void resendsTheIdenticalFinalResponseInCompleted() {
        SipRequest register = SipText.register(VIA);
        transactions.onRequest(register, UDP);
        answerWith(0, SipResponse.to(register, 200, "OK"));

        transactions.onRequest(register, UDP);
        timers.advance(Duration.ofSeconds(4));
        transactions.onRequest(register, UDP);

        assertThat(seen).hasSize(1);
        assertThat(sender.sent).hasSize(3);
        assertThat(sender.sent).allSatisfy(sent -> {
            assertThat(sent.wire()).isEqualTo(sender.sent.get(0).wire());
            assertThat(sent.flow()).isEqualTo(UDP);
        });
    }

    @Test // RFC 3261 §8.2.7: a challenge leaves no state behind; a retransmission is a new request
    void answersAChallengeWithoutKeepingTheTransaction() {
        SipRequest register = SipText.register(VIA);
        transactions.onRequest(register, UDP);
        answerWith(0, challenge(register));

        assertThat(transactions.size()).isZero();
        assertThat(timers.pending()).isZero();
        transactions.onRequest(register, UDP);
        assertThat(seen).hasSize(2);
    }

    @Test // RFC 3261 §17.2.2: Timer J = 64*T1 over UDP
    void startsANewTransactionAfterTimerJ() {
        SipRequest register = SipText.register(VIA);
        transactions.onRequest(register, UDP);
        answerWith(0, SipResponse.to(register, 200, "OK"));

        timers.advance(TIMER_J.minusMillis(1));
        transactions.onRequest(register, UDP);
        assertThat(seen).hasSize(1);

        timers.advance(Duration.ofMillis(1));
        assertThat(transactions.size()).isZero();
        transactions.onRequest(register, UDP);
        assertThat(seen).hasSize(2);
        assertThat(transactions.size()).isEqualTo(1);
    }

    @Test // RFC 3261 §17.2.2: Timer J is zero for reliable transports
    void endsATcpTransactionWhenItsResponseIsSent() {
        SipRequest register = SipText.register(VIA.replace("UDP", "TCP"));
        transactions.onRequest(register, TCP);
        answerWith(0, SipResponse.to(register, 200, "OK"));

        assertThat(sender.sent).singleElement().satisfies(sent -> assertThat(sent.flow()).isEqualTo(TCP));
        assertThat(transactions.size()).isZero();
        assertThat(timers.pending()).isZero();
        transactions.onRequest(register, TCP);
        assertThat(seen).hasSize(2);
    }

    @Test // RFC 3261 §17.2.3: branch, sent-by and method make the key
    void tellsTransactionsApartByBranchAndMethod() {
        transactions.onRequest(SipText.register(VIA), UDP);
        transactions.onRequest(SipText.register(VIA.replace("z9hG4bK776asdhds", "z9hG4bKother")), UDP);
        transactions.onRequest(SipText.register(VIA.replace("10.0.0.5:5060", "10.0.0.6:5060")), UDP);

        assertThat(seen).hasSize(3);
        assertThat(transactions.size()).isEqualTo(3);
    }

    @Test // RFC 3261 §17.2.3, RFC 2543 fallback
    void matchesRetransmissionsOfPreRfc3261Requests() {
        SipRequest old = SipText.register("SIP/2.0/UDP 10.0.0.5:5060;branch=1234;received=203.0.113.5");
        transactions.onRequest(old, UDP);
        answerWith(0, SipResponse.to(old, 200, "OK"));
        transactions.onRequest(old, UDP);

        assertThat(seen).hasSize(1);
        assertThat(sender.sent).hasSize(2);
    }

    @Test
    void answersTheFlowTheRequestCameIn() {
        var otherSocket = new Flow(Transport.UDP, new InetSocketAddress("192.0.2.1", 5080), DEVICE, 0);
        SipRequest register = SipText.register(VIA);
        transactions.onRequest(register, otherSocket);
        answerWith(0, SipResponse.to(register, 200, "OK"));

        assertThat(sender.sent).singleElement().satisfies(sent -> assertThat(sent.flow()).isEqualTo(otherSocket));
    }

    @Test
    void answers500WhenTheTuFails() {
        SipRequest register = SipText.register(VIA);
        transactions.onRequest(register, UDP);
        answers.get(0).completeExceptionally(new IllegalStateException("store down"));

        SipResponse response = sender.sent.get(0).response();
        assertThat(response.status()).isEqualTo(500);
        assertThat(response.reason()).isEqualTo("Server Internal Error");
        assertThat(response.headers().first(HeaderName.TO).orElseThrow()).contains(";tag=");
        assertThat(response.callId()).isEqualTo(register.callId());
    }

    @Test
    void answers500WhenTheTuThrows() {
        transactions = new ServerTransactions(sender, (request, flow) -> {
            throw new IllegalStateException("bug");
        }, timers);
        transactions.onRequest(SipText.register(VIA), UDP);

        assertThat(sender.sent.get(0).response().status()).isEqualTo(500);
    }

    @Test
    void answers500ForAProvisionalResponseFromTheTu() {
        SipRequest register = SipText.register(VIA);
        transactions.onRequest(register, UDP);
        answerWith(0, SipResponse.to(register, 100, "Trying"));

        assertThat(sender.sent.get(0).response().status()).isEqualTo(500);
    }

    @Test // the client has given up after Timer F; the transaction must not stay forever
    void dropsATransactionWhoseTuNeverAnswers() {
        SipRequest register = SipText.register(VIA);
        transactions.onRequest(register, UDP);
        timers.advance(TIMER_J);

        assertThat(transactions.size()).isZero();
        answerWith(0, SipResponse.to(register, 200, "OK"));
        assertThat(sender.sent).isEmpty();
    }

    @Test // RFC 3261 §21.5.4
    void answers503WithRetryAfterWhenTheTableIsFull() {
        transactions = new ServerTransactions(sender, tu, timers, TransactionConfig.defaults().withMaxTransactions(1));
        transactions.onRequest(SipText.register(VIA), UDP);
        transactions.onRequest(SipText.register(VIA.replace("z9hG4bK776asdhds", "z9hG4bKsecond")), UDP);

        assertThat(seen).hasSize(1);
        SipResponse busy = sender.sent.get(0).response();
        assertThat(busy.status()).isEqualTo(503);
        assertThat(busy.headers().first(HeaderName.RETRY_AFTER)).contains("5");
        assertThat(busy.topVia().branch()).contains("z9hG4bKsecond");
    }

    @Test // the bound is on transactions waiting for an answer; Completed ones live in a room of bytes of their own
    void completedTransactionsDoNotCountTowardsTheBound() {
        transactions = new ServerTransactions(sender, tu, timers, TransactionConfig.defaults().withMaxTransactions(1));
        SipRequest first = SipText.register(VIA);
        transactions.onRequest(first, UDP);
        answerWith(0, SipResponse.to(first, 200, "OK"));
        SipRequest second = SipText.register(VIA.replace("z9hG4bK776asdhds", "z9hG4bKsecond"));
        transactions.onRequest(second, UDP);

        assertThat(seen).hasSize(2);
        answerWith(1, SipResponse.to(second, 200, "OK"));
        transactions.onRequest(first, UDP);
        assertThat(sender.sent).hasSize(3);
        assertThat(sender.sent.get(2).wire()).isEqualTo(sender.sent.get(0).wire());
        assertThat(sender.sent).extracting(sent -> sent.response().status()).containsOnly(200);
    }

    @Test // RFC 3261 §21.4.1, the reason phrase names the violation
    void answersAMalformedRequestWith400AndItsReason() {
        ParseResult.Failed failure = SipText.failed("""
                REGISTER sip:registrar.example.com SIP/2.0
                Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKbad;rport=40211;received=203.0.113.5
                Max-Forwards: 70
                To: Bob <sip:bob@example.com>
                From: Bob <sip:bob@example.com>;tag=456248
                CSeq: 1826 REGISTER
                Content-Length: 0

                """);
        transactions.onMalformed(failure, UDP);

        assertThat(seen).isEmpty();
        RecordingSender.Sent sent = sender.sent.get(0);
        assertThat(sent.flow()).isEqualTo(UDP);
        String wire = new String(sent.wire(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(wire).startsWith("SIP/2.0 400 Missing Call-ID\r\n");
        assertThat(wire).contains("branch=z9hG4bKbad");
        assertThat(wire).containsPattern("To: .*;tag=");
    }

    @Test
    void dropsAMalformedRequestWithoutVia() {
        ParseResult.Failed failure = SipText.failed("""
                REGISTER sip:registrar.example.com SIP/2.0
                Max-Forwards: 70
                To: Bob <sip:bob@example.com>
                From: Bob <sip:bob@example.com>;tag=456248
                Call-ID: novia@10.0.0.5
                CSeq: 1826 REGISTER
                Content-Length: 0

                """);
        assertThat(failure.partialHeaders().contains(HeaderName.VIA)).isFalse();
        transactions.onMalformed(failure, UDP);

        assertThat(sender.sent).isEmpty();
    }

    @Test
    void dropsAMalformedResponse() {
        ParseResult.Failed failure = SipText.failed("""
                SIP/2.0 200 OK
                Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKopt
                To: <sip:bob@10.0.0.5>
                From: <sip:registrar.example.com>;tag=r1
                CSeq: 1 OPTIONS
                Content-Length: 0

                """);
        assertThat(failure.isRequest()).isFalse();
        transactions.onMalformed(failure, UDP);

        assertThat(sender.sent).isEmpty();
    }

    @Test // RFC 3261 §17: ACK is never answered
    void ignoresAck() {
        SipRequest ack = SipText.request("""
                ACK sip:registrar.example.com SIP/2.0
                Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKack
                Max-Forwards: 70
                To: Bob <sip:bob@example.com>;tag=x
                From: Bob <sip:bob@example.com>;tag=456248
                Call-ID: ack@10.0.0.5
                CSeq: 1 ACK
                Content-Length: 0

                """);
        transactions.onRequest(ack, UDP);

        assertThat(seen).isEmpty();
        assertThat(sender.sent).isEmpty();
    }

    @Test
    void handsResponsesToTheResponseListener() {
        SipResponse response = SipResponse.to(SipText.register(VIA), 200, "OK");
        transactions.onResponse(response, UDP); // no listener yet: dropped quietly

        var heard = new ArrayList<SipResponse>();
        transactions.setResponseListener((r, flow) -> heard.add(r));
        transactions.onResponse(response, UDP);

        assertThat(heard).containsExactly(response);
        assertThat(sender.sent).isEmpty();
    }

    @Test // RFC 5626 §5.3: the layer above learns that a connection and its flow ended
    void passesClosedFlowsToTheListener() {
        var closed = new ArrayList<Flow>();
        transactions.setFlowClosedListener(closed::add);

        transactions.onFlowClosed(TCP);

        assertThat(closed).containsExactly(TCP);
    }
}
