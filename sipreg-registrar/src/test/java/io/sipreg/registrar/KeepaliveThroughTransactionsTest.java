package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.message.ParseResult;
import io.sipreg.message.SipParser;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.transaction.ClientTransactions;
import io.sipreg.transaction.TransactionConfig;
import io.sipreg.transport.Flow;
import io.sipreg.transport.MessageSender;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registrar, the keepalive schedule and the real client transactions wired as {@code sipreg serve} wires them,
 * with interval 1 s and 3 failures as the NAT integration test runs: a phone behind NAT registers, its OPTIONS go
 * over its flow, it answers, then it falls silent and its binding goes.
 */
class KeepaliveThroughTransactionsTest {
    private static final InetSocketAddress LOCAL = new InetSocketAddress("192.0.2.1", 5060);
    private static final Flow NAT_FLOW = new Flow(Transport.UDP, LOCAL, new InetSocketAddress("203.0.113.1", 40211), 0);
    private static final String REGISTER = """
            REGISTER sip:example.com SIP/2.0
            Via: SIP/2.0/UDP 192.168.77.2:5060;branch=z9hG4bKnat1;rport=40211;received=203.0.113.1
            Max-Forwards: 70
            To: <sip:alice@example.com>
            From: <sip:alice@example.com>;tag=1928301774
            Call-ID: nat-1@192.168.77.2
            CSeq: 1 REGISTER
            Contact: <sip:alice@192.168.77.2:5060>
            Expires: 600
            Content-Length: 0

            """;

    /** The wire, as the transport would send it. */
    private final List<SipRequest> wire = new CopyOnWriteArrayList<>();
    private final List<Flow> flows = new CopyOnWriteArrayList<>();
    private final KeepaliveFixture f = new KeepaliveFixture();
    private final InMemoryLocationStore store = new InMemoryLocationStore(f.clock);
    private ClientTransactions transactions;
    private KeepaliveScheduler keepalives;
    private Device alice;

    @BeforeEach
    void start() {
        MessageSender sender = (flow, bytes) -> {
            ParseResult parsed = SipParser.strict().parse(bytes);
            wire.add((SipRequest) ((ParseResult.Parsed) parsed).message());
            flows.add(flow);
            return CompletableFuture.completedFuture(null);
        };
        transactions = new ClientTransactions(sender, f.timers, TransactionConfig.defaults(), "example.com");
        keepalives = new KeepaliveScheduler(new KeepalivePolicy(KeepaliveMode.NAT, Duration.ofSeconds(1), 3), store,
                transactions::send, f.timers, f.clock, new Random(3), "example.com");
        var users = new MapUserStore();
        users.put(User.withPassword("alice", "example.com", "wonderland"));
        var registrar = new Registrar(RegistrarConfig.defaults("example.com").withFlowTimer(1), store, users,
                NonceService.withRandomSecret(Duration.ofSeconds(300), f.clock), f.clock, Set.of(LOCAL));
        registrar.setBindingObserver(keepalives);
        alice = new Device(registrar, NAT_FLOW, "alice", "wonderland");
    }

    @AfterEach
    void stop() {
        keepalives.close();
        f.close();
    }

    /** The phone answers every OPTIONS that reached it so far, the way it came (RFC 3261 §8.2.6.2). */
    private void phoneAnswers(int status) {
        for (SipRequest options : wire) {
            transactions.onResponse(SipResponse.to(options, status, "OK"), NAT_FLOW);
        }
    }

    @Test
    void aPhoneBehindNatIsKeptAliveThenDroppedWhenItFallsSilent() {
        assertThat(alice.register(REGISTER).status()).isEqualTo(200);
        assertThat(store.bindings("sip:alice@example.com").get(0).nat()).isTrue();

        for (int second = 0; second < 5; second++) {
            f.advance(Duration.ofSeconds(1));
            phoneAnswers(200);
        }
        // one OPTIONS a second, give or take its jitter; a late answer may have let Timer E send one twice
        assertThat(wire.stream().map(SipRequest::callId).distinct().count()).isBetween(4L, 5L);
        assertThat(wire).allSatisfy(options -> {
            assertThat(options.method()).isEqualTo("OPTIONS");
            assertThat(options.requestUri().toString()).isEqualTo("sip:alice@192.168.77.2:5060");
            assertThat(options.topVia().toString()).startsWith("SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK");
        });
        assertThat(flows).containsOnly(NAT_FLOW);

        // SIGSTOP: nothing answers any more; each OPTIONS is sent again at T1 and given up after the interval
        wire.clear();
        f.advance(Duration.ofSeconds(3));
        assertThat(store.bindings("sip:alice@example.com")).hasSize(1);
        f.advance(Duration.ofSeconds(2));

        assertThat(store.bindings("sip:alice@example.com")).isEmpty();
        assertThat(f.infoLines()).containsExactly("keepalive: removed sip:alice@example.com contact "
                + "sip:alice@192.168.77.2:5060 after 3 unanswered OPTIONS from udp 203.0.113.1:40211");
        long sent = wire.stream().map(SipRequest::callId).distinct().count();
        f.advance(Duration.ofSeconds(3));
        assertThat(wire.stream().map(SipRequest::callId).distinct().count()).isEqualTo(sent);
        assertThat(transactions.size()).isZero();
    }
}
