package io.sipreg.cli;

import io.sipreg.client.MessageTrace;
import io.sipreg.client.RegistrationOutcome;
import io.sipreg.client.RegistrationResult;
import io.sipreg.message.HeaderName;
import io.sipreg.message.ParseResult;
import io.sipreg.message.SipMessage;
import io.sipreg.message.SipParser;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.digest.DigestChallenge;
import io.sipreg.message.digest.DigestCredentials;
import io.sipreg.transport.Flow;
import java.io.PrintStream;
import java.net.PortUnreachableException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Prints the messages of a registration as a ladder, one line each: time since start, direction, the two
 * addresses, the message and the headers that matter for a registration (the seed's way of reading a capture).
 * With {@code verbose}, every message follows in full.
 */
final class RegistrationLadder implements MessageTrace {
    private final PrintStream out;
    private final boolean verbose;
    private final SipParser parser = SipParser.lenient();
    /** The clock starts with the first message, so JVM start-up does not count. */
    private long startNanos = -1;
    /** Requests sent lately, by identity: a retransmission is the same array again (RFC 3261 §17.1.2.2). */
    private final Map<byte[], Integer> recentlySent = new IdentityHashMap<>();
    private final ArrayDeque<byte[]> sendOrder = new ArrayDeque<>();

    RegistrationLadder(PrintStream out, boolean verbose) {
        this.out = out;
        this.verbose = verbose;
    }

    @Override
    public synchronized void sent(Flow flow, byte[] wire) {
        Integer copies = recentlySent.get(wire);
        ParseResult result = parser.parse(wire);
        boolean request = result instanceof ParseResult.Parsed parsed && parsed.message() instanceof SipRequest;
        if (copies != null) {
            recentlySent.put(wire, copies + 1);
            line(flow, true, request ? "(retransmission " + copies + " of CSeq "
                    + ((ParseResult.Parsed) result).message().headers().first(HeaderName.CSEQ).orElse("?")
                    + ", no answer yet)" : "(the same response again, for a retransmitted request)");
            return;
        }
        recentlySent.put(wire, 1);
        sendOrder.addLast(wire);
        if (sendOrder.size() > 16) {
            recentlySent.remove(sendOrder.removeFirst());
        }
        line(flow, true, result instanceof ParseResult.Parsed parsed ? summary(parsed.message()) : "(unparsable)");
        if (verbose) {
            full(wire);
        }
    }

    @Override
    public synchronized void received(Flow flow, SipMessage message) {
        line(flow, false, summary(message));
        if (verbose) {
            full(io.sipreg.message.SipWriter.write(message));
        }
    }

    @Override
    public synchronized void keepaliveSent(Flow flow) {
        line(flow, true, flow.transport().isStream() ? "keepalive: double CRLF (RFC 5626 ping)"
                : "keepalive: STUN Binding request (RFC 5626)");
    }

    @Override
    public synchronized void keepaliveAnswered(Flow flow) {
        line(flow, false, flow.transport().isStream() ? "keepalive answered: CRLF (pong)"
                : "keepalive answered: STUN Binding success");
    }

    @Override
    public synchronized void flowFailed(Flow flow, Throwable cause) {
        String what = cause instanceof PortUnreachableException ? "ICMP port unreachable"
                : flow.transport().isStream() ? "connection closed" : cause.toString();
        line(flow, false, "!! " + what);
    }

    /** The closing sentence: what happened and what it means. */
    synchronized void outcome(String aor, RegistrationResult result) {
        var text = new StringBuilder();
        switch (result.outcome()) {
            case REGISTERED -> {
                text.append("registered ").append(aor).append(" for ").append(result.grantedExpires()).append(" s");
                text.append(result.challengeStatus() > 0
                        ? " (challenged with " + result.challengeStatus() + ", credentials accepted)"
                        : " (no challenge)");
                text.append('\n').append(natSentence(result));
            }
            case UNREGISTERED -> text.append("unregistered ").append(aor);
            default -> {
                text.append(result.outcome().meaning()).append('\n').append("  ");
                text.append(result.status() > 0 ? result.status() + " " + result.reason() : result.reason());
                if (result.challengeStatus() > 0 && result.status() != result.challengeStatus()) {
                    text.append(" (after a ").append(result.challengeStatus()).append(" challenge)");
                }
                if (result.outcome() == RegistrationOutcome.CERTIFICATE_REJECTED) {
                    text.append("\n  ").append(certificateHint(result.reason()));
                }
            }
        }
        out.println(text);
        out.flush();
    }

    /** What the user can do about a refused certificate, by the check that refused it. */
    private static String certificateHint(String reason) {
        if (reason.startsWith("certificate does not match")) {
            return "connect by a name the certificate carries (--registrar NAME:PORT), or give the registrar a"
                    + " certificate for this name; --insecure skips the check";
        }
        if (reason.startsWith("certificate expired") || reason.startsWith("certificate not yet valid")) {
            return "the registrar's certificate must be renewed (or this machine's clock is wrong)";
        }
        return "trust the registrar's CA, or its own certificate, with --ca FILE (PEM); --insecure skips the check";
    }

    /** The seed's NAT check: does the registrar see the address we put in our headers? */
    static String natSentence(RegistrationResult result) {
        String local = Flow.hostPort(result.local());
        if (result.seenFrom().isEmpty()) {
            return "the registrar did not say which address it saw (no received/rport in its Via); we sent from "
                    + local;
        }
        String seen = Flow.hostPort(result.seenFrom().get());
        if (!result.behindNat()) {
            return "the registrar saw us at " + seen + ", the address in our headers: no NAT in between";
        }
        return "the registrar saw us at " + seen + " but our headers say " + local
                + ": behind NAT; it must answer to " + seen + " and keep that mapping open";
    }

    private void line(Flow flow, boolean outbound, String text) {
        if (startNanos < 0) {
            startNanos = System.nanoTime();
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        String local = Flow.hostPort(flow.local());
        String remote = Flow.hostPort(flow.remote());
        out.printf("%8.3f  %-4s %s %s %s  %s%n", seconds, flow.transport().token(), local,
                outbound ? "->" : "<-", remote, text);
        out.flush();
    }

    private static String summary(SipMessage message) {
        var text = new StringBuilder();
        Optional<String> cseq = message.headers().first(HeaderName.CSEQ);
        if (message instanceof SipRequest request) {
            text.append(request.method()).append(' ').append(request.requestUri());
        } else {
            var response = (SipResponse) message;
            text.append(response.status()).append(' ').append(response.reason());
        }
        cseq.ifPresent(c -> text.append("  CSeq ").append(c));
        challenge(message, HeaderName.WWW_AUTHENTICATE).or(() -> challenge(message, HeaderName.PROXY_AUTHENTICATE))
                .ifPresent(c -> text.append("  realm=\"").append(c.realm()).append("\" algorithm=")
                        .append(c.algorithm().wireName()).append(c.qop().isEmpty() ? "" : " qop=" + c.qop())
                        .append(c.stale() ? " stale" : ""));
        credentials(message, HeaderName.AUTHORIZATION).or(() -> credentials(message, HeaderName.PROXY_AUTHORIZATION))
                .ifPresent(c -> text.append("  credentials username=\"").append(c.username()).append("\" realm=\"")
                        .append(c.realm()).append('"'));
        if (message instanceof SipRequest request && request.method().equals("REGISTER")) {
            message.headers().first(HeaderName.CONTACT).ifPresent(c -> text.append("  Contact ").append(c));
            message.headers().first(HeaderName.EXPIRES).ifPresent(e -> text.append(" Expires ").append(e));
        }
        if (message instanceof SipResponse response) {
            if (response.status() / 100 == 2) {
                int contacts = response.headers().all(HeaderName.CONTACT).size();
                if (contacts > 0) {
                    text.append("  [").append(contacts).append(contacts == 1 ? " binding]" : " bindings]");
                }
            }
            response.headers().first(HeaderName.MIN_EXPIRES).ifPresent(m -> text.append("  Min-Expires ").append(m));
            try {
                var via = response.topVia();
                via.received().ifPresent(r -> text.append("  received=").append(r));
                via.rport().ifPresent(p -> text.append(" rport=").append(p));
            } catch (RuntimeException e) {
                // A response without a readable Via is still worth a line.
            }
        }
        return text.toString();
    }

    private static Optional<DigestChallenge> challenge(SipMessage message, String header) {
        return parsed(message, header, DigestChallenge::parse);
    }

    private static Optional<DigestCredentials> credentials(SipMessage message, String header) {
        return parsed(message, header, DigestCredentials::parse);
    }

    /** The header's value as {@code parser} reads it; empty when absent or unreadable (the ladder shows less). */
    private static <T> Optional<T> parsed(SipMessage message, String header, Function<String, T> parser) {
        return message.headers().first(header).flatMap(value -> {
            try {
                return Optional.of(parser.apply(value));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        });
    }

    private void full(byte[] wire) {
        String text = new String(wire, StandardCharsets.UTF_8).replace("\r\n", "\n");
        for (String l : text.split("\n", -1)) {
            out.println("          | " + l);
        }
    }
}
