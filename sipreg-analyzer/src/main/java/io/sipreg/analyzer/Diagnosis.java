package io.sipreg.analyzer;

import io.sipreg.message.SipParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a concluded group of messages into an outcome and findings, phrased the way a provider's engineer
 * explains a capture. One method per finding code, each looking at one thing.
 */
final class Diagnosis {
    /**
     * A phone whose timer is off refreshes a few seconds late; one that comes back later than this (or than half
     * its binding) after the expiry was away, and its next registration is no refresh.
     */
    private static final long LATE_REFRESH_NANOS = 60_000_000_000L;

    /**
     * Below this, a request unanswered at the end of the capture may simply not have been answered yet: a REGISTER,
     * an OPTIONS, a DNS query, a phone's own keepalive (on a working path any of them is answered in milliseconds).
     */
    static final long PATIENCE_NANOS = 4_000_000_000L;

    private final NatTranslations nat;

    Diagnosis(NatTranslations nat) {
        this.nat = nat;
    }

    Conversation registration(RegistrationAttempt a, long captureNow) {
        String outcome = outcome(a, captureNow);
        var findings = new ArrayList<Finding>();
        registered(a, outcome, findings);
        unregistered(a, outcome, findings);
        wrongCredentials(a, findings);
        challengeLoop(a, findings);
        challengeUnanswered(a, outcome, findings);
        intervalTooBrief(a, findings);
        noResponse(a, outcome, findings);
        portUnreachable(a, findings);
        rejected(a, outcome, findings);
        portMismatch(a, findings);
        natDetected(a, findings);
        sipAlg(a, findings);
        cseqNotIncremented(a, findings);
        bindingLapsed(a, findings);
        retransmissions(a, findings);
        malformed(a, findings);
        incomplete(a, outcome, findings);
        return new Conversation(Conversation.Kind.REGISTRATION, a.aor, a.callId, outcome, challenge(a), setupMs(a),
                a.events, findings, nat.sameParty(a.events));
    }

    Conversation keepalives(KeepaliveSeries s, long captureNow) {
        var findings = new ArrayList<Finding>();
        boolean unanswered = keepaliveUnanswered(s, captureNow, findings);
        if (!unanswered) {
            keepaliveOk(s, findings);
        }
        portMismatch(s, findings);
        retransmissions(s, findings);
        malformed(s, findings);
        return new Conversation(Conversation.Kind.KEEPALIVE, "", s.transactions.get(0).request.facts().callId(),
                unanswered ? "keepalive-unanswered" : "keepalive-ok", 0, -1, s.events, findings,
                nat.sameParty(s.events));
    }

    // ---- outcome -------------------------------------------------------------------------------------------

    private String outcome(RegistrationAttempt a, long now) {
        if (a.transactions.isEmpty()) {
            return "incomplete";        // only answers: the capture began after the REGISTER
        }
        Transaction last = a.last();
        if (last.finalResponse == null) {
            for (Transaction tx : a.transactions) {
                if (tx.unreachable != null) {
                    return tx.unreachable.portUnreachable() ? "port-unreachable" : "unreachable";
                }
            }
            boolean patient = now - last.request.timeNanos() >= PATIENCE_NANOS;
            return patient && last.responses.isEmpty() ? "no-response" : "incomplete";
        }
        if (last.answersMissedTheSender(nat) && last.request.transport() == Transport.UDP) {
            return "port-mismatch";     // the phone never saw the answer
        }
        MessageFacts request = last.request.facts();
        int status = last.finalStatus();
        if (status >= 200 && status < 300) {
            if (request.wildcard() || request.requestedExpires() == 0) {
                return "unregistered";
            }
            // A REGISTER cut short may have lost its Contact to the capture: taken for the usual case, not a query.
            return request.contacts().isEmpty() && !last.request.cut() ? "queried" : "registered";
        }
        boolean stale = last.finalResponse.facts().challenge().map(MessageFacts.Challenge::stale).orElse(false);
        return switch (status) {
            case 401, 407 -> request.hasCredentials() && !stale ? "challenge-loop" : "challenged";
            case 403 -> request.hasCredentials() ? "wrong-credentials" : "rejected";
            case 423 -> "interval-too-brief";
            default -> "rejected";
        };
    }

    private static int challenge(RegistrationAttempt a) {
        for (Transaction tx : a.transactions) {
            if (tx.finalStatus() == 401 || tx.finalStatus() == 407) {
                return tx.finalStatus();
            }
        }
        return 0;
    }

    private static double setupMs(RegistrationAttempt a) {
        if (a.transactions.isEmpty() || a.last().finalResponse == null) {
            return -1;
        }
        long nanos = a.last().finalResponse.timeNanos() - a.transactions.get(0).request.timeNanos();
        return Math.round(nanos / 1000.0) / 1000.0;
    }

    // ---- one rule per code ---------------------------------------------------------------------------------

    private static void registered(RegistrationAttempt a, String outcome, List<Finding> out) {
        if (!outcome.equals("registered")) {
            return;
        }
        Transaction last = a.last();
        MessageFacts ok = last.finalResponse.facts();
        var sb = new StringBuilder(200);       // the usual message fits: no copies while it grows
        sb.append(name(a)).append(" registered");
        Transaction challenged = firstChallenged(a);
        if (challenged != null) {
            sb.append(" after a ").append(challenged.finalStatus()).append(" challenge");
            List<MessageFacts.Challenge> challenges = challenged.finalResponse.facts().challenges();
            if (!challenges.isEmpty()) {
                MessageFacts.Challenge c = challenges.get(0);
                sb.append(" (realm \"").append(c.realm()).append("\", ")
                        .append(c.algorithm().isEmpty() ? "MD5" : c.algorithm()).append(')');
            }
            String user = last.request.facts().username();
            if (!user.isEmpty()) {
                sb.append(", answered as user \"").append(user).append('"');
            }
        } else {
            sb.append(" without a challenge");
        }
        sb.append(", in ").append(duration(last.finalResponse.timeNanos() - a.transactions.get(0).request.timeNanos()));
        long granted = grantedExpires(ok, last.request.facts());
        if (granted >= 0) {
            sb.append("; the server keeps the binding for ").append(granted).append(" s");
            long asked = last.request.facts().requestedExpires();
            if (asked > 0 && asked != granted) {
                sb.append(" (the phone asked for ").append(asked).append(" s)");
            }
        }
        sb.append('.');
        out.add(new Finding("registered", Severity.INFO, sb.toString(),
                frames(a.transactions.get(0).request, last.finalResponse)));
    }

    private static void unregistered(RegistrationAttempt a, String outcome, List<Finding> out) {
        if (!outcome.equals("unregistered")) {
            return;
        }
        Transaction last = a.last();
        String what = last.request.facts().wildcard() ? "all its bindings (Contact: *, Expires: 0)"
                : "its binding (expires 0)";
        out.add(new Finding("unregistered", Severity.INFO, name(a) + " removed " + what + "; the server accepted with "
                + last.finalResponse.facts().label() + ".", frames(last.request, last.finalResponse)));
    }

    private static void wrongCredentials(RegistrationAttempt a, List<Finding> out) {
        for (Transaction tx : a.transactions) {
            MessageFacts request = tx.request.facts();
            if (tx.finalStatus() == 403 && request.hasCredentials()) {
                out.add(new Finding("wrong-credentials", Severity.ERROR, "The server refused the credentials of user \""
                        + request.username() + "\"" + realmText(request.credentialsRealm()) + " with "
                        + tx.finalResponse.facts().label() + ": the password (or the username) configured on the phone is wrong.",
                        frames(tx.request, tx.finalResponse)));
                return;
            }
        }
    }

    private static void challengeLoop(RegistrationAttempt a, List<Finding> out) {
        for (Transaction tx : a.transactions) {
            MessageFacts request = tx.request.facts();
            if ((tx.finalStatus() != 401 && tx.finalStatus() != 407) || !request.hasCredentials()) {
                continue;
            }
            var challenge = tx.finalResponse.facts().challenge();
            if (challenge.map(MessageFacts.Challenge::stale).orElse(false)) {
                continue;       // RFC 7616 §3.3: stale=true, the nonce expired, retrying is correct
            }
            var sb = new StringBuilder("The phone answered the challenge as user \"").append(request.username())
                    .append('"').append(realmText(request.credentialsRealm())).append(" and was challenged again (")
                    .append(tx.finalResponse.facts().label());
            challenge.ifPresent(c -> sb.append(", realm \"").append(c.realm()).append('"'));
            sb.append("): the server did not accept those credentials.");
            if (challenge.isPresent() && !request.credentialsRealm().isEmpty()
                    && !challenge.get().realm().equals(request.credentialsRealm())) {
                sb.append(" The realm differs: the phone used \"").append(request.credentialsRealm())
                        .append("\", the server asks for \"").append(challenge.get().realm()).append("\".");
            } else {
                sb.append(" Check the authentication username and the realm configured on the phone.");
            }
            out.add(new Finding("challenge-loop", Severity.ERROR, sb.toString(), frames(tx.request, tx.finalResponse)));
            return;
        }
    }

    private static void challengeUnanswered(RegistrationAttempt a, String outcome, List<Finding> out) {
        if (!outcome.equals("challenged")) {
            return;
        }
        Transaction last = a.last();
        String realm = last.finalResponse.facts().challenge().map(c -> ", realm \"" + c.realm() + "\"").orElse("");
        var algorithms = new java.util.LinkedHashSet<String>();
        for (MessageFacts.Challenge c : last.finalResponse.facts().challenges()) {
            algorithms.add(c.algorithm().isEmpty() ? "MD5" : c.algorithm().toUpperCase(java.util.Locale.ROOT));
        }
        boolean noMd5 = !algorithms.isEmpty() && !algorithms.contains("MD5") && !algorithms.contains("MD5-SESS");
        String why = noMd5
                ? ". The server offered only " + String.join(" and ", algorithms) + " (RFC 7616, RFC 8760): many phones"
                        + " answer MD5 alone and ignore such a challenge without a word. Have the server offer MD5 as"
                        + " well (a challenge per algorithm), or check that the phone supports "
                        + String.join(" or ", algorithms) + "; if it does, is a password configured for this account?"
                : ": is a password configured for this account?";
        out.add(new Finding("challenge-unanswered", Severity.WARNING, "The server asked for credentials ("
                + last.finalResponse.facts().label() + realm + ") and the phone never answered the challenge" + why,
                frames(last.request, last.finalResponse)));
    }

    private static void intervalTooBrief(RegistrationAttempt a, List<Finding> out) {
        for (int i = 0; i < a.transactions.size(); i++) {
            Transaction tx = a.transactions.get(i);
            if (tx.finalStatus() != 423) {
                continue;
            }
            long min = tx.finalResponse.facts().minExpires();
            long asked = tx.request.facts().requestedExpires();
            String head = "The phone asked for " + (asked >= 0 ? asked + " s" : "the default expiry")
                    + " and the server answered 423 Interval Too Brief" + (min >= 0 ? " with Min-Expires " + min : "");
            Transaction retry = i + 1 < a.transactions.size() ? a.transactions.get(i + 1) : null;
            if (retry == null) {
                out.add(new Finding("interval-too-brief", Severity.ERROR, head + "; the phone did not retry"
                        + (min >= 0 ? " with Min-Expires: set its registration interval to " + min + " s or more." : "."),
                        frames(tx.request, tx.finalResponse)));
                return;
            }
            long next = retry.request.facts().requestedExpires();
            boolean honoured = min < 0 || next >= min;
            String then = retry.finalStatus() >= 200 && retry.finalStatus() < 300 ? " and registered"
                    : retry.finalStatus() > 0 ? " and got " + retry.finalResponse.facts().label() : "";
            out.add(new Finding("interval-too-brief", honoured ? Severity.WARNING : Severity.ERROR, head
                    + (honoured ? "; the phone retried with " + next + " s as asked" + then + "."
                            : "; the phone retried with " + next + " s, still below the minimum" + then + "."),
                    frames(tx.request, tx.finalResponse, retry.request)));
            return;
        }
    }

    private static void noResponse(RegistrationAttempt a, String outcome, List<Finding> out) {
        if (!outcome.equals("no-response")) {
            return;
        }
        Transaction last = a.last();
        int sent = 0;
        long first = Long.MAX_VALUE;
        long lastSent = 0;
        var frames = new ArrayList<Long>();
        for (Transaction tx : a.transactions) {
            if (!tx.answered()) {
                sent += tx.copies.size();
                for (CapturedMessage c : tx.copies) {
                    first = Math.min(first, c.timeNanos());
                    lastSent = Math.max(lastSent, c.timeNanos());
                    frames.add(c.frame());
                }
            }
        }
        boolean challengedBefore = firstChallenged(a) != null;
        String expected = challengedBefore ? "an answer to its credentials" : "a 401";
        String text = "The phone " + (sent > 1 ? "re-sent REGISTER " + sent + " times over "
                + duration(lastSent - first) : "sent REGISTER once") + " to " + last.request.transport().lowerCase()
                + " " + last.request.destination() + " and never got " + expected
                + ": check the firewall between phone and server, or the server address."
                + (last.request.fragmented() ? " The REGISTER travelled in IP fragments, which firewalls and NATs"
                        + " often drop, so the server may never get it whole: use TCP, or make the REGISTER smaller"
                        + " (fewer or shorter headers)." : "");
        out.add(new Finding("no-response", Severity.ERROR, text, frames));
    }

    private static void portUnreachable(RegistrationAttempt a, List<Finding> out) {
        for (Transaction tx : a.transactions) {
            IcmpUnreachable u = tx.unreachable;
            if (u == null) {
                continue;
            }
            Endpoint to = tx.request.destination();
            if (u.portUnreachable()) {
                out.add(new Finding("port-unreachable", Severity.ERROR, to.address() + " answered the REGISTER with ICMP"
                        + " port unreachable: nothing listens on " + tx.request.transport().lowerCase() + " port "
                        + to.port() + " there. Check the server's port in the phone's settings, or whether the server runs.",
                        frames(tx.request, u)));
            } else {
                out.add(new Finding("unreachable", Severity.ERROR, u.reporter().address() + " answered the REGISTER to "
                        + to + " with ICMP " + u.reason() + ": the network cannot deliver it there.",
                        frames(tx.request, u)));
            }
            return;
        }
    }

    private static void rejected(RegistrationAttempt a, String outcome, List<Finding> out) {
        if (!outcome.equals("rejected")) {
            return;
        }
        Transaction last = a.last();
        MessageFacts response = last.finalResponse.facts();
        String why = switch (response.status()) {
            case 400 -> ": the server could not read the REGISTER";
            case 403 -> " without even asking for credentials: the account may be blocked or the domain wrong";
            case 404 -> ": the server does not know this user or domain";
            case 500 -> last.request.facts().cseq() >= 0 && !a.staleCseq.isEmpty()
                    ? ": the server took the REGISTER for a stale one (its CSeq did not go up)" : ": a server error";
            case 503 -> ": the server is unavailable";
            default -> "";
        };
        out.add(new Finding("rejected", Severity.ERROR, "The server refused the REGISTER with " + response.label() + why + ".",
                frames(last.request, last.finalResponse)));
    }

    private void portMismatch(MessageGroup g, List<Finding> out) {
        for (Transaction tx : g.transactions) {
            CapturedMessage request = tx.request;
            for (CapturedMessage response : tx.responses) {
                boolean leftElsewhere = !nat.same(response.source(), request.destination());
                boolean wentElsewhere = !nat.same(response.destination(), request.source());
                if (!leftElsewhere && !wentElsewhere) {
                    continue;
                }
                String what = response.facts().label();
                var sb = new StringBuilder();
                if (leftElsewhere) {
                    sb.append("The ").append(what).append(" left from ").append(response.source()).append(", but the ")
                            .append(request.facts().method()).append(" went to ").append(request.destination()).append(". ");
                }
                if (wentElsewhere) {
                    sb.append("The ").append(what).append(" went to ").append(response.destination()).append(", but the ")
                            .append(request.facts().method()).append(" came from ").append(request.source());
                    MessageFacts rf = request.facts();
                    if (rf.rport() == -2 && response.destination().port() != request.source().port()) {
                        sb.append(" (its Via has no rport, so the server answered to the Via port, RFC 3261 §18.2.2)");
                    }
                    sb.append(". ");
                }
                sb.append("Requests and answers must use the same port both ways: a NAT or firewall drops the answer");
                sb.append(tx.answersMissedTheSender(nat) && request.transport() == Transport.UDP
                        ? ", so the phone never sees it and keeps re-sending." : ".");
                if (tx.responseUnreachable != null) {
                    sb.append(" Indeed ").append(tx.responseUnreachable.quotedDestination())
                            .append(" answered it with ICMP ").append(tx.responseUnreachable.reason()).append('.');
                }
                out.add(new Finding("port-mismatch", Severity.ERROR, sb.toString(), tx.responseUnreachable == null
                        ? frames(request, response) : frames(request, response, tx.responseUnreachable)));
                return;
            }
        }
    }

    /**
     * The same REGISTER (same branch) before and after a router that rewrote its Via and Contact in place: a SIP
     * ALG. A proxy would have added a Via of its own.
     */
    private static void sipAlg(RegistrationAttempt a, List<Finding> out) {
        if (a.algBefore == null) {
            return;
        }
        MessageFacts before = a.algBefore.facts();
        MessageFacts after = a.algAfter.facts();
        out.add(new Finding("sip-alg", Severity.WARNING, "A router between the phone and the server rewrites the SIP"
                + " headers (a SIP ALG): the REGISTER of frame " + a.algBefore.frame() + " left the phone with Via "
                + sentBy(before) + " and Contact " + firstContact(before) + ", and the same request (same branch) past"
                + " the router, frame " + a.algAfter.frame() + ", carries Via " + sentBy(after) + " and Contact "
                + firstContact(after) + ". The answers are rewritten back, so the phone cannot see the NAT. SIP ALGs"
                + " often break registrations and calls (ports mapped wrongly, headers mangled, bindings dropped"
                + " early): turn it off on the router and let rport (RFC 3581) and keepalives deal with the NAT.",
                frames(a.algBefore, a.algAfter)));
    }

    private static String sentBy(MessageFacts f) {
        return f.viaPort() >= 0 ? f.viaHost() + ":" + f.viaPort() : f.viaHost();
    }

    private static String firstContact(MessageFacts f) {
        return f.contacts().isEmpty() ? "(none)" : f.contacts().get(0).uri();
    }

    private static void natDetected(RegistrationAttempt a, List<Finding> out) {
        for (Transaction tx : a.transactions) {
            CapturedMessage request = tx.request;
            MessageFacts f = request.facts();
            if (f.viaHost().isEmpty()) {
                continue;
            }
            Endpoint source = request.source();
            int viaPort = viaPort(f);
            boolean ipDiffers = viaIpDiffers(f, source);
            boolean portDiffers = viaPort != source.port();
            CapturedMessage evidence = request;
            if (!ipDiffers && !portDiffers) {
                // Captured on the phone's side of the NAT: only the server's received/rport tell.
                for (CapturedMessage response : tx.responses) {
                    MessageFacts rf = response.facts();
                    boolean receivedDiffers = !rf.received().isEmpty() && !sameIp(rf.received(), f.viaHost());
                    boolean rportDiffers = rf.rport() >= 0 && rf.rport() != viaPort;
                    if (receivedDiffers || rportDiffers) {
                        String seen = (receivedDiffers ? rf.received() : f.viaHost()) + ":" + (rf.rport() >= 0 ? rf.rport() : viaPort);
                        out.add(new Finding("nat-detected", Severity.WARNING, "NAT between phone and server: the phone"
                                + " says it is at " + f.viaHost() + ":" + viaPort + " (Via), but the server saw the REGISTER"
                                + " come from " + seen + " (Via received/rport in the " + rf.label() + "): "
                                + differs(receivedDiffers, rportDiffers) + ". " + natAdvice(f),
                                frames(request, response)));
                        return;
                    }
                }
                continue;
            }
            out.add(new Finding("nat-detected", f.rport() == -2 ? Severity.WARNING : Severity.INFO,
                    "NAT between phone and server: the phone says it is at " + f.viaHost() + ":" + viaPort
                            + " (Via), but its REGISTER comes from " + source + ": " + differs(ipDiffers, portDiffers)
                            + ". " + natAdvice(f) + contactNote(f, source), frames(evidence)));
            return;
        }
    }

    private static String differs(boolean ip, boolean port) {
        return ip && port ? "both the IP and the port differ" : ip ? "the IP differs" : "the port differs";
    }

    private static String natAdvice(MessageFacts f) {
        return f.rport() == -2
                ? "The Via has no rport, so answers go to the Via port, which the NAT may not forward: enable rport"
                        + " (RFC 3581) on the phone, or have the server answer to the source port."
                : "The Via carries rport, so the server answers to the address the packets came from (RFC 3581).";
    }

    private static String contactNote(MessageFacts f, Endpoint source) {
        for (MessageFacts.Contact c : f.contacts()) {
            if (!c.host().isEmpty() && isIpLiteral(c.host()) && !sameIp(c.host(), source.address())) {
                return " The Contact (" + c.host() + (c.port() >= 0 ? ":" + c.port() : "")
                        + ") is not reachable from outside: the server must reach the phone through the address it"
                        + " registered from.";
            }
        }
        return "";
    }

    private static void bindingLapsed(RegistrationAttempt a, List<Finding> out) {
        if (a.lapsed == null || a.transactions.isEmpty() || a.last().finalResponse == null) {
            return;
        }
        CapturedMessage first = a.transactions.get(0).request;
        CapturedMessage renewal = a.last().finalResponse;
        long expiry = a.lapsed.untilNanos();
        long late = first.timeNanos() - expiry;
        if (late > Math.min(a.lapsed.grantedSeconds() * 1_000_000_000L / 2, LATE_REFRESH_NANOS)) {
            return;     // back long after the expiry: it was away (switched off, out of reach), not late
        }
        String why = first.timeNanos() <= expiry
                ? "The phone sent its refresh in time (frame " + first.frame() + ", "
                        + duration(expiry - first.timeNanos()) + " before the expiry), but it was not renewed until"
                        + " frame " + renewal.frame() + ": look for what lost the requests or delayed the answers."
                : "The phone sent its next REGISTER (frame " + first.frame() + ") only " + duration(first.timeNanos()
                        - expiry) + " after the expiry: it refreshes too late (it must before the binding expires,"
                        + " RFC 3261 §10.2.4).";
        out.add(new Finding("binding-lapsed", Severity.WARNING, name(a) + " had no binding for "
                + duration(renewal.timeNanos() - expiry) + ": the " + a.lapsed.okLabel() + " in frame "
                + a.lapsed.okFrame() + " bound its contact for " + a.lapsed.grantedSeconds() + " s, and the "
                + renewal.facts().label() + " renewing it (frame " + renewal.frame() + ") came that long after it ran"
                + " out; calls to the phone fail meanwhile. " + why,
                List.of(a.lapsed.okFrame(), first.frame(), renewal.frame())));
    }

    private static void cseqNotIncremented(RegistrationAttempt a, List<Finding> out) {
        for (int i = 0; i < a.staleCseq.size(); i++) {
            CapturedMessage m = a.staleCseq.get(i);
            out.add(new Finding("cseq-not-incremented", Severity.WARNING, "The REGISTER in frame " + m.frame()
                    + " has CSeq " + m.facts().cseq() + ", not above the previous " + a.staleCseqPrevious.get(i)
                    + " on this Call-ID: every new REGISTER must increment it (RFC 3261 §10.2.4), or the server may"
                    + " take it for an old one and refuse it.", frames(m)));
        }
    }

    private static void retransmissions(MessageGroup g, List<Finding> out) {
        var parts = new ArrayList<String>();
        var frames = new ArrayList<Long>();
        int resent = 0;
        int resentAfterIcmp = 0;
        for (Transaction tx : g.transactions) {
            if (tx.retransmissions() > 0) {
                resent++;
                if (tx.unreachable != null) {
                    resentAfterIcmp++;
                }
                CapturedMessage lastCopy = tx.copies.get(tx.copies.size() - 1);
                parts.add(tx.request.facts().method() + " CSeq " + tx.request.facts().cseq() + " was sent "
                        + tx.copies.size() + " times over " + duration(lastCopy.timeNanos() - tx.request.timeNanos())
                        + (tx.answered() ? " before an answer came" : ""));
                for (CapturedMessage c : tx.copies) {
                    frames.add(c.frame());
                }
            }
            if (tx.finalCopies > 1) {
                parts.add("the " + tx.finalResponse.facts().label() + " to CSeq " + tx.request.facts().cseq()
                        + " was sent " + tx.finalCopies + " times");
                for (CapturedMessage r : tx.responses) {
                    frames.add(r.frame());
                }
            }
        }
        if (parts.isEmpty()) {
            return;
        }
        var counted = new java.util.LinkedHashMap<String, Integer>();
        parts.forEach(p -> counted.merge(p, 1, Integer::sum));
        parts.clear();
        counted.forEach((p, n) -> parts.add(n == 1 ? p : p + " (" + n + " such transactions)"));
        String why = resent > 0 && resentAfterIcmp == resent
                ? ": an ICMP error answered each, and the sender re-sent anyway (a fatal ICMP error ends the"
                        + " transaction as a 503 would, RFC 3261 §8.1.3.1)."
                : ": messages are being lost or answered late on the way (UDP retransmits after 0.5 s, 1 s, 2 s, ...).";
        out.add(new Finding("retransmissions", Severity.WARNING, capitalize(String.join("; ", parts)) + why, frames));
    }

    private static void malformed(MessageGroup g, List<Finding> out) {
        for (LadderEvent e : g.events) {
            if (e instanceof CapturedMessage m && !m.violations().isEmpty()) {
                out.add(malformedFinding(m, g));
            }
        }
    }

    /** A message outside any registration or keepalive, with grammar violations. */
    Finding malformed(CapturedMessage m) {
        return malformedFinding(m, null);
    }

    private static Finding malformedFinding(CapturedMessage m, MessageGroup g) {
        var sb = new StringBuilder("The ").append(m.facts().request() ? m.facts().method() : m.facts().label())
                .append(" in frame ").append(m.frame()).append(" (").append(m.source()).append(" -> ")
                .append(m.destination()).append(") ");
        sb.append(m.parsed() ? "breaks the grammar: " : "cannot be read as SIP: ");
        var reasons = new ArrayList<String>();
        for (SipParseException e : m.violations()) {
            reasons.add(e.getMessage());
        }
        sb.append(String.join("; ", reasons)).append('.');
        var frames = new ArrayList<Long>();
        frames.add(m.frame());
        if (g != null && m.isRequest()) {
            for (Transaction tx : g.transactions) {
                if (tx.request == m && tx.finalResponse != null) {
                    sb.append(" The server answered ").append(tx.finalResponse.facts().label()).append('.');
                    frames.add(tx.finalResponse.frame());
                }
            }
        }
        if (m.parsed() && !m.strictlyRejected()) {
            sb.append(" A strict parser accepts it anyway (RFC 4475 §1 asks to be liberal here).");
        }
        return new Finding("malformed", m.parsed() && !m.strictlyRejected() ? Severity.WARNING : Severity.ERROR,
                sb.toString(), frames);
    }

    private static void incomplete(RegistrationAttempt a, String outcome, List<Finding> out) {
        if (!outcome.equals("incomplete")) {
            return;
        }
        String text = a.transactions.isEmpty()
                ? "The capture has answers to a REGISTER it does not contain: it began after the phone sent it."
                : "The capture ends before the server answered the last REGISTER.";
        out.add(new Finding("incomplete", Severity.INFO, text, frames(a.events.get(a.events.size() - 1))));
    }

    // ---- keepalives ----------------------------------------------------------------------------------------

    private static void keepaliveOk(KeepaliveSeries s, List<Finding> out) {
        int n = s.transactions.size();
        String status = s.transactions.get(0).responses.isEmpty() ? "answered"
                : "answered (" + s.transactions.get(0).responses.get(s.transactions.get(0).responses.size() - 1).facts().label() + ")";
        String text = n == 1
                ? s.sender + " sent one OPTIONS to " + s.receiver + "; it was " + status + "."
                : s.sender + " sent OPTIONS to " + s.receiver + " every " + duration(interval(s)) + "; all " + n
                        + " were " + status + ", so the path (and any NAT binding on it) is kept open.";
        out.add(new Finding("keepalive-ok", Severity.INFO, text, requestFrames(s)));
    }

    private boolean keepaliveUnanswered(KeepaliveSeries s, long now, List<Finding> out) {
        int unanswered = 0;
        int answered = 0;
        int pending = 0;
        int refusedByNat = 0;
        IcmpUnreachable firstRefusal = null;
        long lastAnswered = -1;
        var frames = new ArrayList<Long>();
        for (Transaction tx : s.transactions) {
            if (tx.answered()) {
                answered++;
                lastAnswered = tx.responses.get(0).frame();
            } else if (refusedByItsAddress(tx)) {
                // The address the binding points to said "nothing here": a NAT without a mapping for that port.
                if (refusedByNat++ == 0) {
                    firstRefusal = tx.unreachable;
                }
                for (CapturedMessage c : tx.copies) {
                    frames.add(c.frame());
                }
            } else if (now - tx.request.timeNanos() >= PATIENCE_NANOS) {
                unanswered++;
                for (CapturedMessage c : tx.copies) {
                    frames.add(c.frame());
                }
            } else {
                pending++;      // sent too shortly before the capture ended to tell
            }
        }
        if (unanswered + refusedByNat == 0) {
            return false;
        }
        int n = s.transactions.size();
        String every = n > 1 ? "every " + duration(interval(s)) : "";
        if (unanswered == 0) {
            Endpoint to = s.receiver;
            String which = refusedByNat == 1 && n == 1 ? "the OPTIONS" : refusedByNat == n ? "all " + n + " OPTIONS"
                    : refusedByNat + " of the " + n + " OPTIONS";
            String refused = " refused " + which + " from " + s.sender + " with ICMP port unreachable (the first in"
                    + " frame " + firstRefusal.frame() + ")"
                    + (answered > 0 ? ", after the device had answered until frame " + lastAnswered : "");
            String text = nat.isMapping(to)
                    ? "The NAT at " + to.address() + " no longer has a mapping for port " + to.port() + ": it"
                            + refused + ". The binding the phone's REGISTER opened in the NAT has expired, so the"
                            + " phone cannot be reached (calls to it fail) until it registers again. A NAT forgets an"
                            + " idle UDP mapping after a while (often 30 to 60 s, some sooner): keepalives must come"
                            + " more often than that" + (every.isEmpty() ? "" : "; these came " + every) + "."
                    : "Nothing takes SIP at " + to + " any more: that address" + refused + ". The phone's SIP"
                            + " application stopped or moved to another port, or, if that address is a NAT, its"
                            + " mapping for the phone expired; either way calls to the phone fail until it registers"
                            + " again.";
            out.add(new Finding("keepalive-unanswered", Severity.ERROR, text, frames));
            return true;
        }
        unanswered += refusedByNat;
        String text = (unanswered == n ? (n == 1 ? "The OPTIONS" : "None of the " + n + " OPTIONS")
                : unanswered + " of " + n + " OPTIONS") + " from " + s.sender + " to " + s.receiver + " got no answer"
                + (answered > 0 ? " (the device answered until frame " + lastAnswered + ", then stopped)" : "")
                + (pending > 0 ? ", and " + (pending == 1 ? "the last one, sent" : "the last " + pending + ", sent")
                        + " less than " + duration(PATIENCE_NANOS) + " before the capture ended, had none yet" : "")
                + (every.isEmpty() ? "" : "; they were sent " + every)
                + ": the device does not answer keepalives, so the NAT binding will be lost and calls to it will fail.";
        out.add(new Finding("keepalive-unanswered", Severity.ERROR, text, frames));
        return true;
    }

    /** An ICMP port unreachable from the very address the request went to. */
    private static boolean refusedByItsAddress(Transaction tx) {
        return tx.unreachable != null && tx.unreachable.portUnreachable()
                && tx.unreachable.reporter().address().equals(tx.request.destination().address());
    }

    /** The median time between successive keepalives. */
    private static long interval(KeepaliveSeries s) {
        int n = s.transactions.size();
        if (n < 2) {
            return 0;
        }
        long[] gaps = new long[n - 1];
        for (int i = 1; i < n; i++) {
            gaps[i - 1] = s.transactions.get(i).request.timeNanos() - s.transactions.get(i - 1).request.timeNanos();
        }
        java.util.Arrays.sort(gaps);
        return gaps[gaps.length / 2];
    }

    private static List<Long> requestFrames(KeepaliveSeries s) {
        var frames = new ArrayList<Long>();
        for (Transaction tx : s.transactions) {
            frames.add(tx.request.frame());
            for (CapturedMessage r : tx.responses) {
                frames.add(r.frame());
            }
        }
        return frames;
    }

    Finding unmatchedUnreachable(IcmpUnreachable u) {
        return new Finding(u.portUnreachable() ? "port-unreachable" : "unreachable", Severity.ERROR,
                u.reporter().address() + " answered a SIP message from " + u.quotedSource() + " to "
                        + u.quotedDestination() + " with ICMP " + u.reason() + ", and the capture does not have that message.",
                List.of(u.frame()));
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static Transaction firstChallenged(RegistrationAttempt a) {
        for (Transaction tx : a.transactions) {
            if (tx.finalStatus() == 401 || tx.finalStatus() == 407) {
                return tx;
            }
        }
        return null;
    }

    /** The expiry the 2xx granted to the phone's contact (RFC 3261 §10.3 step 8), else its Expires header. */
    static long grantedExpires(MessageFacts ok, MessageFacts request) {
        for (MessageFacts.Contact mine : request.contacts()) {
            for (MessageFacts.Contact c : ok.contacts()) {
                if (c.uri().equalsIgnoreCase(mine.uri()) && c.expires() >= 0) {
                    return c.expires();
                }
            }
        }
        if (!ok.contacts().isEmpty() && ok.contacts().get(0).expires() >= 0) {
            return ok.contacts().get(0).expires();
        }
        return ok.expires();
    }

    private static String name(RegistrationAttempt a) {
        return a.aor.isEmpty() ? "The phone" : a.aor;
    }

    private static String realmText(String realm) {
        return realm.isEmpty() ? "" : " (realm \"" + realm + "\")";
    }

    private static List<Long> frames(LadderEvent... events) {
        var frames = new ArrayList<Long>(events.length);
        for (LadderEvent e : events) {
            frames.add(e.frame());
        }
        return frames;
    }

    /** "12.3 ms" below a second, else "4.5 s": one decimal, without the cost of String.format. */
    static String duration(long nanos) {
        boolean ms = nanos < 1_000_000_000L;
        long tenths = Math.round(nanos / (ms ? 1e5 : 1e8));
        return tenths / 10 + "." + tenths % 10 + (ms ? " ms" : " s");
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** The top Via's sent-by port, or 5060 when it names none (RFC 3261 §18.2.2). */
    static int viaPort(MessageFacts f) {
        return f.viaPort() >= 0 ? f.viaPort() : 5060;
    }

    /**
     * Whether the top Via names, as an IP literal, another address than the packet came from: with its port, what
     * tells a NAT. A name in the Via cannot be compared.
     */
    static boolean viaIpDiffers(MessageFacts f, Endpoint source) {
        String host = f.viaHost();
        long ipv4 = canonicalIpv4(host);
        if (ipv4 >= 0) {
            return source.v6() || ipv4 != source.lo();      // as the text comparison below, without making text
        }
        return isIpLiteral(host) && !sameIp(host, source.address());
    }

    /**
     * A dotted-quad IPv4 address written as {@link Endpoint#address()} writes it (no leading zeros) as a number, or
     * -1 for anything else.
     */
    private static long canonicalIpv4(String host) {
        long address = 0;
        int octet = -1;
        int dots = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c >= '0' && c <= '9') {
                if (octet == 0) {
                    return -1;      // a leading zero
                }
                octet = (octet < 0 ? 0 : octet * 10) + (c - '0');
                if (octet > 255) {
                    return -1;
                }
            } else if (c == '.' && octet >= 0 && dots < 3) {
                address = address << 8 | octet;
                octet = -1;
                dots++;
            } else {
                return -1;
            }
        }
        return dots == 3 && octet >= 0 ? address << 8 | octet : -1;
    }

    /** An IPv6 reference without its brackets; a damaged one ("[", "[::1") as it is. */
    private static String unbracketed(String host) {
        return host.length() >= 2 && host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1)
                : host;
    }

    private static boolean isIpLiteral(String host) {
        if (host.startsWith("[")) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c >= '0' && c <= '9') && c != '.') {
                return false;
            }
        }
        return !host.isEmpty();
    }

    private static boolean sameIp(String a, String b) {
        String x = unbracketed(a);
        String y = unbracketed(b);
        if (x.equalsIgnoreCase(y)) {
            return true;
        }
        if (x.contains(":") && y.contains(":")) {
            try {
                return java.net.InetAddress.getByName(x).equals(java.net.InetAddress.getByName(y));
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        return false;
    }
}
