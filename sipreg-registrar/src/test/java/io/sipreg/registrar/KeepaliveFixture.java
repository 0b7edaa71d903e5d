package io.sipreg.registrar;

import io.sipreg.transaction.ManualTimers;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.transport.Flow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.slf4j.LoggerFactory;

/** What the keepalive tests share: time that moves when told, a phone that answers as told, and the log. */
final class KeepaliveFixture {
    static final Instant START = Instant.parse("2025-03-01T10:00:00Z");
    static final String AOR = "sip:alice@example.com";
    static final String LOCAL = "192.0.2.1:5060";

    /** A wall clock that follows {@link ManualTimers}, so expiry and the schedule see the same time. */
    static final class TimersClock extends Clock {
        private final ManualTimers timers;

        TimersClock(ManualTimers timers) {
            this.timers = timers;
        }

        @Override
        public Instant instant() {
            return START.plusNanos(timers.nanoTime());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** How the phone at the other end of the flow behaves. */
    enum Phone { ANSWERS, SILENT, MANUAL }

    /** One OPTIONS handed to the transaction layer, and the means to answer it. */
    record Sent(SipRequest request, Flow flow, Duration timeout, long atNanos,
                CompletableFuture<SipResponse> outcome) {
        void answer(int status) {
            outcome.complete(SipResponse.to(request, status, "Whatever"));
        }

        void timeOut() {
            outcome.completeExceptionally(new TimeoutException("no final response to OPTIONS"));
        }
    }

    /**
     * Stands in for the client transactions: records each OPTIONS; a phone that answers does so at once with
     * {@link #status}, a silent one lets the transaction time out after the timeout it was given.
     */
    final class Sender implements KeepaliveSender {
        final List<Sent> sent = new CopyOnWriteArrayList<>();
        volatile Phone phone = Phone.ANSWERS;
        volatile int status = 200;

        @Override
        public CompletionStage<SipResponse> send(SipRequest request, Flow flow, Duration timeout,
                                                 int maxRetransmissions) {
            var sent = new Sent(request, flow, timeout, timers.nanoTime(), new CompletableFuture<>());
            this.sent.add(sent);
            switch (phone) {
                case ANSWERS -> sent.answer(status);
                case SILENT -> timers.schedule(timeout, sent::timeOut);
                case MANUAL -> {
                }
            }
            return sent.outcome();
        }

        Sent last() {
            return sent.get(sent.size() - 1);
        }
    }

    final ManualTimers timers = new ManualTimers();
    final Clock clock = new TimersClock(timers);
    final Sender sender = new Sender();
    final ListAppender<ILoggingEvent> log = new ListAppender<>();

    KeepaliveFixture() {
        log.start();
        ((Logger) LoggerFactory.getLogger(KeepaliveScheduler.class)).addAppender(log);
    }

    void close() {
        ((Logger) LoggerFactory.getLogger(KeepaliveScheduler.class)).detachAppender(log);
    }

    void advance(Duration by) {
        timers.advance(by);
    }

    long nowMillis() {
        return clock.millis();
    }

    List<String> infoLines() {
        return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /**
     * Alice's phone behind NAT: Contact 192.168.1.10:5060, seen from 203.0.113.5:{@code port}, registered for an
     * hour just now.
     */
    Binding natBinding(String user, int port) {
        return binding(user, "UDP", "203.0.113.5:" + port, 0, true, 3600);
    }

    Binding binding(String user, String transport, String source, long connectionId, boolean nat,
                    int expiresSeconds) {
        long now = nowMillis();
        String contact = "sip:" + user + "@192.168.1.10:5060";
        return new Binding("sip:" + user + "@example.com", contact, "<" + contact + ">",
                now + expiresSeconds * 1000L, Binding.Q_ABSENT, "call-" + user + "@192.168.1.10", 1, source,
                transport, LOCAL, connectionId, nat, "Algo 8180", "", 0, List.of(), now, now);
    }

    /** What the registrar does for a REGISTER: commit the binding, then tell the observer. */
    static void register(LocationStore store, BindingObserver observer, Binding binding) {
        store.update(binding.aor(), current -> new BindingChange<>(List.of(binding), List.of(), "ok"))
                .toCompletableFuture().join();
        observer.committed(List.of(binding), List.of());
    }
}
