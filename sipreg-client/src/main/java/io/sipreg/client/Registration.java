package io.sipreg.client;

import io.sipreg.message.Body;
import io.sipreg.message.ContactSet;
import io.sipreg.message.HeaderName;
import io.sipreg.message.Headers;
import io.sipreg.message.NameAddress;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.SipUri;
import io.sipreg.message.Via;
import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * The registration of one account's contact over one flow (RFC 3261 §10.2): sends REGISTER, answers a 401 or
 * 407 with credentials and CSeq+1 (§22.2, §22.3), retries a 423 with the registrar's Min-Expires (§10.2.8), and
 * reads what the registrar granted. Every REGISTER of the registration shares one Call-ID and From tag with CSeq
 * incrementing (§10.2.4), so the registrar sees refreshes, not new registrations.
 *
 * <p>One exchange at a time: {@link #register} and {@link #unregister} must not overlap.
 */
public final class Registration {
    /** Requests in one exchange, in case a registrar keeps challenging with stale=true or 423 forever. */
    private static final int MAX_REQUESTS_PER_EXCHANGE = 5;

    private final UserAgent agent;
    private final Account account;
    private final String requestUri;
    private final String callId = Tokens.hex(12) + "@sipreg";
    private final String fromTag = Tokens.hex(6);
    private final DigestResponder responder;
    private final String instanceId;
    private volatile Flow flow;
    private volatile SipUri contact;
    private int cseq;

    public Registration(UserAgent agent, Account account, Flow flow) {
        this(agent, account, flow, null);
    }

    /**
     * @param instanceId with RFC 5626 outbound, the device's instance id ({@code urn:uuid:...}, the same across
     *     restarts, §4.1); the contact then carries it with {@code reg-id=1}. Null for a plain registration.
     */
    public Registration(UserAgent agent, Account account, Flow flow, String instanceId) {
        this.agent = Objects.requireNonNull(agent, "agent");
        this.instanceId = instanceId;
        this.account = Objects.requireNonNull(account, "account");
        this.flow = Objects.requireNonNull(flow, "flow");
        this.contact = contactFor(flow);
        this.requestUri = account.registrarUri().toString();
        this.responder = new DigestResponder(account.authUsername(), account.password());
    }

    public Account account() {
        return account;
    }

    public Flow flow() {
        return flow;
    }

    /** After a flow failed and a new one was opened: the contact follows the new local address. */
    public void useFlow(Flow newFlow) {
        this.flow = Objects.requireNonNull(newFlow, "newFlow");
        this.contact = contactFor(newFlow);
    }

    public String callId() {
        return callId;
    }

    /** Binds our contact for {@code expires} seconds; credentials from an earlier challenge go along at once. */
    public CompletionStage<RegistrationResult> register(int expires) {
        return new Exchange(expires).start();
    }

    /** §10.2.2: Expires 0 removes our contact's binding. */
    public CompletionStage<RegistrationResult> unregister() {
        return new Exchange(0).start();
    }

    /** {@code <sip:alice@192.0.2.10:40211;transport=tcp>}: where the registrar should send requests for us. */
    SipUri contactUri() {
        return contact;
    }

    private SipUri contactFor(Flow over) {
        String hostPort = Flow.hostPort(over.local());
        String transport = over.transport() == Transport.UDP ? "" : ";transport=" + over.transport().token();
        return SipUri.parse("sip:" + account.aor().user() + "@" + hostPort + transport);
    }

    private SipRequest request(int expires, Optional<DigestResponder.Answer> credentials) {
        String aor = "<" + account.aorText() + ">";
        Headers.Builder headers = Headers.builder()
                .add(HeaderName.MAX_FORWARDS, "70")
                .add(HeaderName.FROM, aor + ";tag=" + fromTag)
                .add(HeaderName.TO, aor)
                .add(HeaderName.CALL_ID, callId)
                .add(HeaderName.CSEQ, ++cseq + " REGISTER")
                .add(HeaderName.CONTACT, "<" + contactUri() + ">" + (instanceId == null ? ""
                        : ";+sip.instance=\"<" + instanceId + ">\";reg-id=1"))
                .add(HeaderName.EXPIRES, Integer.toString(expires))
                .add(HeaderName.ALLOW, UserAgent.ALLOW)
                .add(HeaderName.USER_AGENT, agent.config().userAgent());
        if (instanceId != null) {
            // RFC 5626 §4.2.1: the registrar learns that this device does outbound.
            headers.add(HeaderName.SUPPORTED, "outbound");
        }
        credentials.ifPresent(c -> headers.add(c.headerName(), c.value()));
        return new SipRequest("REGISTER", SipUri.parse(requestUri), headers.build(), Body.EMPTY);
    }

    /** One REGISTER exchange: from the first request to the last final response or failure. */
    private final class Exchange {
        private final CompletableFuture<RegistrationResult> result = new CompletableFuture<>();
        private final long startNanos = agent.timers().nanoTime();
        private int expires;
        private int requests;
        private int challengeStatus;
        /** Whether the last request carried credentials built from a challenge of this very exchange. */
        private boolean answeredFreshChallenge;
        private boolean briefRetried;

        Exchange(int expires) {
            this.expires = expires;
        }

        CompletionStage<RegistrationResult> start() {
            send(responder.reuse("REGISTER", requestUri));
            return result;
        }

        private void send(Optional<DigestResponder.Answer> credentials) {
            requests++;
            Flow sentOver = flow;
            agent.send(request(expires, credentials), sentOver).whenComplete((response, error) -> {
                try {
                    if (error != null) {
                        failed(unwrap(error), sentOver);
                    } else {
                        answered(response);
                    }
                } catch (RuntimeException e) {
                    finish(RegistrationOutcome.REJECTED, response != null ? response.status() : 0,
                            "cannot read the response: " + e.getMessage(), null);
                }
            });
        }

        private void answered(SipResponse response) {
            int status = response.status();
            if (status == 401 || status == 407) {
                challenged(response);
            } else if (status == 423) {
                tooBrief(response);
            } else if (status >= 200 && status < 300) {
                finish(expires == 0 ? RegistrationOutcome.UNREGISTERED : RegistrationOutcome.REGISTERED, status,
                        response.reason(), response);
            } else if (status == 403) {
                responder.forget();
                finish(RegistrationOutcome.FORBIDDEN, status, response.reason(), response);
            } else {
                finish(RegistrationOutcome.REJECTED, status, response.reason(), response);
            }
        }

        /**
         * §22.2: answer with credentials. A second challenge right after fresh credentials means they were
         * refused, unless it says stale=true (RFC 7616 §3.3: the nonce aged, the password was right).
         */
        private void challenged(SipResponse response) {
            challengeStatus = response.status();
            DigestResponder.Answer answer;
            try {
                answer = responder.answer(response, "REGISTER", requestUri);
            } catch (DigestResponder.UnanswerableChallenge e) {
                finish(RegistrationOutcome.REJECTED, response.status(), e.getMessage(), response);
                return;
            }
            if ((answeredFreshChallenge && !answer.challenge().stale()) || requests >= MAX_REQUESTS_PER_EXCHANGE) {
                responder.forget();
                finish(RegistrationOutcome.CHALLENGE_LOOP, response.status(), response.reason()
                        + " again after credentials for realm \"" + answer.challenge().realm() + "\"", response);
                return;
            }
            answeredFreshChallenge = true;
            send(Optional.of(answer));
        }

        /** §10.2.8: 423 carries the shortest expiry the registrar accepts; ask for that once. */
        private void tooBrief(SipResponse response) {
            int minExpires = seconds(response.headers().first(HeaderName.MIN_EXPIRES), 9).orElse(-1);
            if (briefRetried || minExpires <= expires || requests >= MAX_REQUESTS_PER_EXCHANGE) {
                finish(RegistrationOutcome.INTERVAL_TOO_BRIEF, 423, response.reason()
                        + (minExpires > 0 ? " (Min-Expires: " + minExpires + ")" : " without Min-Expires"), response);
                return;
            }
            briefRetried = true;
            expires = minExpires;
            answeredFreshChallenge = false;
            send(responder.reuse("REGISTER", requestUri));
        }

        private void failed(Throwable error, Flow sentOver) {
            if (error instanceof TimeoutException) {
                finish(RegistrationOutcome.NO_RESPONSE, 0, "no response within "
                        + agent.timerF().toMillis() / 1000.0 + " s (RFC 3261 Timer F) from "
                        + Flow.hostPort(sentOver.remote()), null);
            } else if (error instanceof PortUnreachableException) {
                finish(RegistrationOutcome.PORT_UNREACHABLE, 0, "ICMP port unreachable from "
                        + Flow.hostPort(sentOver.remote()), null);
            } else if (error instanceof ConnectException) {
                finish(RegistrationOutcome.PORT_UNREACHABLE, 0, "connection to " + Flow.hostPort(sentOver.remote())
                        + " refused", null);
            } else if (error instanceof UnknownHostException) {
                finish(RegistrationOutcome.DNS_FAILURE, 0, error.getMessage(), null);
            } else {
                String what = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
                finish(RegistrationOutcome.TRANSPORT_ERROR, 0, sentOver.transport().token() + " to "
                        + Flow.hostPort(sentOver.remote()) + " failed: " + what, null);
            }
        }

        private void finish(RegistrationOutcome outcome, int status, String reason, SipResponse response) {
            int granted = -1;
            boolean outbound = false;
            int flowTimer = 0;
            Optional<InetSocketAddress> seenFrom = Optional.empty();
            if (response != null) {
                seenFrom = seenFrom(response);
                if (outcome == RegistrationOutcome.REGISTERED) {
                    granted = grantedExpires(response);
                    // RFC 5626 §4.2.1: Require: outbound in the 200 says the registrar keeps our flow.
                    outbound = instanceId != null && response.headers().all(HeaderName.REQUIRE).stream()
                            .anyMatch(v -> Arrays.stream(v.split(",")).anyMatch(t -> t.trim()
                                    .equalsIgnoreCase("outbound")));
                    flowTimer = seconds(response.headers().first("Flow-Timer"), 6).orElse(0);
                }
            }
            Duration elapsed = Duration.ofNanos(agent.timers().nanoTime() - startNanos);
            result.complete(new RegistrationResult(outcome, status, reason, challengeStatus, granted,
                    flow.local(), seenFrom, requests, elapsed, outbound, flowTimer));
        }

        /**
         * §10.2.4: the 200 lists every binding of the AOR; ours carries the expiry granted. Without it, the
         * Expires header, and failing that what we asked for.
         */
        private int grantedExpires(SipResponse response) {
            SipUri ours = contactUri();
            try {
                if (ContactSet.of(response.headers()) instanceof ContactSet.Contacts contacts) {
                    for (NameAddress contact : contacts.addresses()) {
                        if (contact.uri().equivalentTo(ours)) {
                            OptionalInt value = seconds(contact.params().get("expires"), 9);
                            if (value.isPresent()) {
                                return value.getAsInt();
                            }
                        }
                    }
                }
            } catch (RuntimeException e) {
                // A Contact we cannot read: fall back to Expires.
            }
            return seconds(response.headers().first(HeaderName.EXPIRES), 9).orElse(expires);
        }
    }

    /** A delta-seconds value (RFC 3261 §25.1) of at most {@code maxDigits} digits; empty when absent or not one. */
    private static OptionalInt seconds(Optional<String> value, int maxDigits) {
        return value.map(String::trim).filter(v -> !v.isEmpty() && v.length() <= maxDigits
                        && v.chars().allMatch(c -> c >= '0' && c <= '9'))
                .map(v -> OptionalInt.of(Integer.parseInt(v))).orElse(OptionalInt.empty());
    }

    /** RFC 3581 §4: received and rport in the response's Via say where our request came from, as seen there. */
    static Optional<InetSocketAddress> seenFrom(SipResponse response) {
        Via via;
        try {
            via = response.topVia();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        if (via.received().isEmpty() && via.rport().isEmpty()) {
            return Optional.empty();
        }
        String host = via.received().orElse(via.host());
        int port = via.rport().isPresent() ? via.rport().getAsInt() : via.port() > 0 ? via.port() : 5060;
        try {
            String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            return Optional.of(new InetSocketAddress(InetAddress.getByName(literal), port));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** The cause a CompletableFuture wrapped, as the code that failed threw it. */
    static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
