package io.sipreg.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.Body;
import io.sipreg.message.HeaderName;
import io.sipreg.message.Headers;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.SipUri;
import io.sipreg.message.Via;
import io.sipreg.transport.Flow;
import io.sipreg.transport.FlowClosedException;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class ClientTransactionsTest {
    private static final InetSocketAddress LOCAL = new InetSocketAddress("192.0.2.1", 5060);
    private static final InetSocketAddress DEVICE = new InetSocketAddress("203.0.113.5", 40211);
    private static final Flow UDP = new Flow(Transport.UDP, LOCAL, DEVICE, 0);
    private static final Flow TCP = new Flow(Transport.TCP, LOCAL, DEVICE, 7);

    private final ManualTimers timers = new ManualTimers();
    private final RecordingSender sender = new RecordingSender();
    private final ClientTransactions transactions =
            new ClientTransactions(sender, timers, TransactionConfig.defaults(), "example.com");

    /** A keepalive OPTIONS as the registrar builds it: no Via, the transaction adds it. */
    private static SipRequest options() {
        return new SipRequest("OPTIONS", SipUri.parse("sip:alice@10.0.0.5:5060"), Headers.builder()
                .add(HeaderName.MAX_FORWARDS, "70")
                .add(HeaderName.TO, "<sip:alice@example.com>")
                .add(HeaderName.FROM, "<sip:sipreg@example.com>;tag=98asjd8")
                .add(HeaderName.CALL_ID, "ka-1@example.com")
                .add(HeaderName.CSEQ, "1 OPTIONS")
                .build(), Body.EMPTY);
    }

    /** The device's answer to what was sent: Via, From, To, Call-ID and CSeq copied (RFC 3261 §8.2.6.2). */
    private SipResponse answer(int index, int status) {
        return SipResponse.to(sender.sent.get(index).request(), status, "Whatever");
    }

    private CompletableFuture<SipResponse> send(SipRequest request, Flow flow, Duration timeout) {
        return transactions.send(request, flow, timeout).toCompletableFuture();
    }

    @Test // RFC 3261 §8.1.1.7 and RFC 3581 §3: our sent-by, a magic-cookie branch and rport
    void addsATopViaNamingTheLocalSocket() {
        send(options(), UDP, Duration.ofSeconds(30));

        RecordingSender.Sent sent = sender.sent.get(0);
        assertThat(sent.flow()).isEqualTo(UDP);
        Via via = sent.request().topVia();
        assertThat(via.transport()).isEqualTo("UDP");
        assertThat(via.host() + ":" + via.port()).isEqualTo("192.0.2.1:5060");
        assertThat(via.hasRport()).isTrue();
        assertThat(via.hasRfc3261Branch()).isTrue();
    }

    @Test // a listener on 0.0.0.0 has no address of its own to write
    void writesTheConfiguredHostForAWildcardSocket() {
        var wildcard = new Flow(Transport.UDP, new InetSocketAddress("0.0.0.0", 5060), DEVICE, 0);
        send(options(), wildcard, Duration.ofSeconds(30));

        Via via = sender.sent.get(0).request().topVia();
        assertThat(via.host() + ":" + via.port()).isEqualTo("example.com:5060");
    }

    @Test // RFC 3261 §17.1.3: branch and CSeq method find the transaction
    void completesWithTheFinalResponse() throws Exception {
        CompletableFuture<SipResponse> result = send(options(), UDP, Duration.ofSeconds(30));

        transactions.onResponse(answer(0, 200), UDP);

        assertThat(result.get().status()).isEqualTo(200);
        assertThat(transactions.size()).isZero();
        assertThat(timers.pending()).isZero();
    }

    @Test // any final response ends the transaction: the TU decides what a 404 means
    void anErrorResponseIsAFinalResponseToo() throws Exception {
        CompletableFuture<SipResponse> result = send(options(), UDP, Duration.ofSeconds(30));

        transactions.onResponse(answer(0, 404), UDP);

        assertThat(result.get().status()).isEqualTo(404);
    }

    @Test // RFC 3261 §17.1.3: a response with our branch but another method is not ours
    void ignoresAResponseWithAnotherMethod() {
        CompletableFuture<SipResponse> result = send(options(), UDP, Duration.ofSeconds(30));
        SipResponse ok = answer(0, 200);
        SipResponse cancelled = ok.withHeaders(ok.headers().replaceFirst(HeaderName.CSEQ, "1 CANCEL"));

        transactions.onResponse(cancelled, UDP);

        assertThat(result).isNotDone();
        assertThat(transactions.size()).isEqualTo(1);
    }

    @Test // RFC 3261 §17.1.2.2 Timer E: T1, doubling up to T2 = 4 s
    void retransmitsOverUdpWithTimerE() {
        send(options(), UDP, Duration.ofSeconds(32));

        long[] expectedAtMillis = {0, 500, 1500, 3500, 7500, 11500, 15500};
        long elapsed = 0;
        for (int i = 1; i < expectedAtMillis.length; i++) {
            timers.advance(Duration.ofMillis(expectedAtMillis[i] - elapsed - 1));
            assertThat(sender.sent).as("before %d ms", expectedAtMillis[i]).hasSize(i);
            timers.advance(Duration.ofMillis(1));
            assertThat(sender.sent).as("at %d ms", expectedAtMillis[i]).hasSize(i + 1);
            elapsed = expectedAtMillis[i];
        }
        assertThat(sender.sent).allSatisfy(s -> assertThat(s.wire()).isEqualTo(sender.sent.get(0).wire()));
    }

    @Test // a keepalive retransmits once: its next OPTIONS is the retry, and copies of thousands would flood
    void stopsRetransmittingAtTheCallersCap() {
        CompletableFuture<SipResponse> result = transactions.send(options(), UDP, Duration.ofSeconds(30), 1)
                .toCompletableFuture();

        timers.advance(Duration.ofMillis(500));
        assertThat(sender.sent).hasSize(2);
        timers.advance(Duration.ofMillis(29_499));
        assertThat(sender.sent).hasSize(2);
        assertThat(result).isNotDone();
        timers.advance(Duration.ofMillis(1));
        assertThat(result).isCompletedExceptionally();
    }

    @Test // RFC 3261 §17.1.2.2: in Proceeding the request is resent every T2
    void retransmitsEveryT2AfterAProvisionalResponse() {
        send(options(), UDP, Duration.ofSeconds(32));
        transactions.onResponse(answer(0, 100), UDP);

        timers.advance(Duration.ofMillis(500));
        assertThat(sender.sent).hasSize(2);
        timers.advance(Duration.ofMillis(3_999));
        assertThat(sender.sent).hasSize(2);
        timers.advance(Duration.ofMillis(1));
        assertThat(sender.sent).hasSize(3);
    }

    @Test // RFC 3261 §17.1.2.2 Timer F = 64*T1
    void failsWithATimeoutAfterTimerF() {
        CompletableFuture<SipResponse> result = transactions.send(options(), UDP).toCompletableFuture();

        timers.advance(Duration.ofMillis(31_999));
        assertThat(result).isNotDone();
        timers.advance(Duration.ofMillis(1));

        assertThat(result).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TimeoutException.class);
        assertThat(transactions.size()).isZero();
        assertThat(timers.pending()).isZero();
    }

    @Test // keepalives wait no longer than their own interval
    void honoursAShorterTimeout() {
        CompletableFuture<SipResponse> result = send(options(), UDP, Duration.ofSeconds(1));

        timers.advance(Duration.ofMillis(999));
        assertThat(result).isNotDone();
        timers.advance(Duration.ofMillis(1));

        assertThat(result).isCompletedExceptionally();
        assertThat(sender.sent).hasSize(2);
    }

    @Test // a timeout longer than Timer F is cut to Timer F
    void neverWaitsLongerThanTimerF() {
        CompletableFuture<SipResponse> result = send(options(), UDP, Duration.ofMinutes(5));

        timers.advance(transactions.timerF());

        assertThat(result).isCompletedExceptionally();
    }

    @Test // RFC 3261 §17.1.2.2: a reliable transport never retransmits
    void doesNotRetransmitOverTcp() {
        CompletableFuture<SipResponse> result = send(options(), TCP, Duration.ofSeconds(32));

        timers.advance(Duration.ofSeconds(31));
        assertThat(sender.sent).hasSize(1);
        assertThat(sender.sent.get(0).request().topVia().transport()).isEqualTo("TCP");
        timers.advance(Duration.ofSeconds(1));
        assertThat(result).isCompletedExceptionally();
    }

    @Test // RFC 3261 §17.1.4: a transport error ends the transaction and the TU is told at once
    void failsAtOnceWhenTheFlowIsGone() {
        sender.failWith = new FlowClosedException(TCP, "connection closed");

        CompletableFuture<SipResponse> result = send(options(), TCP, Duration.ofSeconds(32));

        assertThat(result).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(FlowClosedException.class);
        assertThat(transactions.size()).isZero();
        assertThat(timers.pending()).isZero();
    }

    @Test // a late copy of the final response finds nothing and changes nothing
    void dropsAResponseThatMatchesNoTransaction() throws Exception {
        CompletableFuture<SipResponse> result = send(options(), UDP, Duration.ofSeconds(30));
        SipResponse ok = answer(0, 200);
        transactions.onResponse(ok, UDP);
        transactions.onResponse(ok, UDP);

        assertThat(result.get().status()).isEqualTo(200);
        assertThat(transactions.size()).isZero();
    }

    @Test // the registration client brings its own Via
    void keepsACallersViaWithAnRfc3261Branch() {
        SipRequest own = options().withHeaders(options().headers()
                .with(HeaderName.VIA, "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKown;rport"));

        send(own, UDP, Duration.ofSeconds(30));

        assertThat(sender.sent.get(0).request().topVia().branch()).contains("z9hG4bKown");
    }

    @Test
    void refusesAViaWithoutAnRfc3261Branch() {
        SipRequest old = options().withHeaders(options().headers()
                .with(HeaderName.VIA, "SIP/2.0/UDP 198.51.100.7:5060;branch=1234"));

        assertThat(send(old, UDP, Duration.ofSeconds(30))).isCompletedExceptionally();
        assertThat(sender.sent).isEmpty();
    }

    @Test // §8.1.1.7: unique branches, many of them
    void newBranchesAreDistinct() {
        var seen = new java.util.HashSet<String>();
        for (int i = 0; i < 10_000; i++) {
            assertThat(seen.add(ClientTransactions.newBranch())).isTrue();
        }
        assertThat(seen).allSatisfy(b -> assertThat(b).startsWith("z9hG4bK"));
    }

    @Test // §17.1.4: a transport error ends the transaction at once, not after Timer F
    void endsTheTransactionsOfAFailedFlowOnly() {
        CompletableFuture<SipResponse> onFailed = send(options(), UDP, Duration.ofSeconds(30));
        var other = new Flow(Transport.UDP, LOCAL, new InetSocketAddress("203.0.113.6", 5060), 0);
        CompletableFuture<SipResponse> onOther = send(options(), other, Duration.ofSeconds(30));

        var unreachable = new java.net.PortUnreachableException("ICMP port unreachable");
        assertThat(transactions.failFlow(UDP, unreachable)).isEqualTo(1);

        assertThat(onFailed).isCompletedExceptionally();
        assertThat(onFailed.handle((r, e) -> e).join()).isSameAs(unreachable);
        assertThat(onOther).isNotDone();
        assertThat(transactions.size()).isEqualTo(1);
    }
}
