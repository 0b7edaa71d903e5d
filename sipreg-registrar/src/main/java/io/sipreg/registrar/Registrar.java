package io.sipreg.registrar;

import io.sipreg.message.ContactSet;
import io.sipreg.message.HeaderName;
import io.sipreg.message.NameAddress;
import io.sipreg.message.Parameters;
import io.sipreg.message.SipParseException;
import io.sipreg.message.SipRequest;
import io.sipreg.message.SipResponse;
import io.sipreg.message.SipUri;
import io.sipreg.message.Violation;
import io.sipreg.transaction.RequestHandler;
import io.sipreg.transport.Flow;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registrar (RFC 3261 §10.3): a function from a REGISTER and the flow it came on to a response. Each step of
 * §10.3 is one method below, in the RFC's order. Also answers OPTIONS (§11.2) and refuses every other method with
 * 405 (§8.2.1).
 *
 * <p>Retransmissions, malformed requests and sending are the transaction layer's business; this class never sends.
 * A 200 is only returned once the {@link LocationStore} has made the change durable; a store failure is a 500.
 */
public final class Registrar implements RequestHandler {
    static final String ALLOW = "REGISTER, OPTIONS";
    /** The option tags we implement (RFC 3261 §8.2.2.3): RFC 5626 SIP Outbound. */
    static final String OUTBOUND = "outbound";
    /** RFC 5626 §11: the header a registrar uses to tell an outbound client its keepalive interval. */
    static final String FLOW_TIMER = "Flow-Timer";

    private static final Logger log = LoggerFactory.getLogger(Registrar.class);

    private final RegistrarConfig config;
    private final LocationStore locations;
    private final Clock clock;
    private final LocalAddresses local;
    private final DigestAuthenticator authenticator;
    private final Responses responses;
    private volatile BindingObserver observer = BindingObserver.NONE;
    private volatile RegistrarActivity activity = RegistrarActivity.NONE;
    private volatile BruteForceGuard guard = BruteForceGuard.disabled();
    private volatile OverloadControl overload = OverloadControl.NONE;

    /**
     * @param localAddresses the bound listeners, so that a Request-URI naming the server's own IP (and port) counts
     *                       as the served domain
     * @throws IllegalArgumentException when {@link RegistrarConfig#validate()} reports problems
     */
    public Registrar(RegistrarConfig config, LocationStore locations, UserStore users, NonceService nonces,
                     Clock clock, Set<InetSocketAddress> localAddresses) {
        List<String> problems = config.validate();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid registrar configuration: " + String.join("; ", problems));
        }
        this.config = config;
        this.locations = Objects.requireNonNull(locations, "locations");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.local = new LocalAddresses(localAddresses);
        this.authenticator = new DigestAuthenticator(config, Objects.requireNonNull(users, "users"),
                Objects.requireNonNull(nonces, "nonces"), this::isServedHost);
        this.responses = new Responses(clock);
    }

    /**
     * Who hears about every committed change of bindings this registrar makes (the keepalive schedule). Called on the
     * store's writer thread after the change is durable and before the 200 goes out; it must not block.
     */
    public void setBindingObserver(BindingObserver observer) {
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    /**
     * Who hears how every REGISTER ended (metrics, the admin API's history). Called on the thread that completes the
     * answer; it must not block. Without one, nothing is built for it.
     */
    public void setActivity(RegistrarActivity activity) {
        this.activity = Objects.requireNonNull(activity, "activity");
    }

    /**
     * Removes one binding of {@code aor}, as an operator asks: durably, and the binding observer (the keepalive
     * schedule) hears of it as of any other removal. Completes with the bindings removed, none when there was none.
     */
    public CompletionStage<List<Binding>> removeBinding(String aor, String contactUri) {
        return remove(aor, b -> b.contactUri().equals(contactUri));
    }

    /** Removes every binding of {@code aor}, as {@link #removeBinding} does one. */
    public CompletionStage<List<Binding>> removeBindings(String aor) {
        return remove(aor, b -> true);
    }

    private CompletionStage<List<Binding>> remove(String aor, java.util.function.Predicate<Binding> which) {
        return locations.update(aor, current -> {
            var gone = new ArrayList<Binding>();
            for (Binding b : current) {
                if (which.test(b)) {
                    gone.add(b);
                }
            }
            return new BindingChange<List<Binding>>(List.of(), gone, List.copyOf(gone));
        }).thenApply(gone -> {
            if (!gone.isEmpty()) {
                notifyObserver(List.of(), gone);
                log.info("{}: removed by an operator: {}", aor, gone.stream().map(Binding::contactUri).toList());
            }
            return gone;
        });
    }

    /**
     * The counter of failed authentications whose blocks this registrar applies (by default none). Set before the
     * first request.
     */
    public void setGuard(BruteForceGuard guard) {
        this.guard = Objects.requireNonNull(guard, "guard");
    }

    /**
     * Answers {@code request}. The steps up to the store run on the calling thread and do not wait for disk (the
     * user lookup is served from memory while the users table is unchanged); the stage completes once the binding
     * change is durable, on the store's writer thread.
     */
    @Override
    public CompletionStage<SipResponse> handle(SipRequest request, Flow flow) {
        return handle(request, Origin.of(flow));
    }

    /** Answers {@code request}, which arrived on {@code origin}. Never throws; never completes exceptionally. */
    CompletionStage<SipResponse> handle(SipRequest request, Origin origin) {
        try {
            return switch (request.method()) {
                case "REGISTER" -> register(request, origin);
                case "OPTIONS" -> done(options(request));
                default -> done(methodNotAllowed(request));
            };
        } catch (SipParseException e) {
            // A header the transaction layer does not check (To, Contact, Expires...) is malformed.
            SipResponse bad = log(request, origin, responses.answer(request, 400, e.violation().reason()));
            return done(request.method().equals("REGISTER") ? report(request, origin, null, bad,
                    RegisterOutcome.REJECTED) : bad);
        } catch (RuntimeException e) {
            log.error("{} {} {} failed", origin, request.callId(), request.method(), e);
            return done(responses.answer(request, 500, "Server Internal Error"));
        }
    }

    /** When to answer 503 instead of challenging or writing; by default never. */
    public void setOverloadControl(OverloadControl overload) {
        this.overload = Objects.requireNonNull(overload, "overload");
    }

    // ---- REGISTER: RFC 3261 §10.3 ----

    private CompletionStage<SipResponse> register(SipRequest request, Origin origin) {
        Optional<RegisterRejection> refused = inspectRequestUri(request.requestUri());
        if (refused.isPresent()) {
            return refuse(request, origin, refused.get());
        }
        List<String> unsupported = unsupportedExtensions(request);
        if (!unsupported.isEmpty()) {
            // §8.2.2.3: the 420 lists what we do not support in Unsupported.
            return done(report(request, origin, null, log(request, origin,
                    responses.refuse(request, RegisterRejection.BAD_EXTENSION)
                            .with(HeaderName.UNSUPPORTED, String.join(", ", unsupported))),
                    RegisterOutcome.REJECTED));
        }
        DigestAuthenticator.Outcome outcome = authenticate(request, origin);
        if (outcome instanceof DigestAuthenticator.Outcome.Challenged && overload.shedsChallenges()) {
            // A new registration's next step is a binding write, which the store cannot take now.
            return overloaded(request, origin);
        }
        if (outcome instanceof DigestAuthenticator.Outcome.Challenged c) {
            return done(report(request, origin, null, log(request, origin,
                    responses.challenge(request, config.challenge(), authenticator.challenges(c.stale()))),
                    c.stale() ? RegisterOutcome.STALE_NONCE : RegisterOutcome.NO_CREDENTIALS));
        }
        if (outcome instanceof DigestAuthenticator.Outcome.Refused r) {
            return refuse(request, origin, r.rejection());
        }
        String username = ((DigestAuthenticator.Outcome.Authenticated) outcome).username();
        SipUri to = toUri(request);
        refused = authorize(username, to);
        if (refused.isPresent()) {
            return refuse(request, origin, refused.get());
        }
        Optional<String> aor = extractAddressOfRecord(to);
        if (aor.isEmpty()) {
            return refuse(request, origin, RegisterRejection.AOR_NOT_SERVED);
        }
        List<String> contactValues = request.headers().all(HeaderName.CONTACT);
        OptionalLong expiresHeader = expiresHeader(request);
        refused = checkWildcard(contactValues, expiresHeader);
        if (refused.isPresent()) {
            return refuse(request, origin, refused.get());
        }
        boolean wildcard = contactValues.size() == 1 && contactValues.get(0).equals("*");
        List<NameAddress> addresses = wildcard ? List.of() : addresses(request);
        refused = checkContactSchemes(addresses);
        if (refused.isPresent()) {
            return refuse(request, origin, refused.get());
        }
        refused = checkExpiries(addresses, expiresHeader);
        if (refused.isPresent()) {
            return refuse(request, origin, refused.get());
        }
        refused = checkOutbound(request, addresses);
        if (refused.isPresent()) {
            return refuse(request, origin, refused.get());
        }
        if (overload.storeFull()) {
            return overloaded(request, origin);
        }
        long now = clock.millis();
        var update = new BindingUpdate(request, aor.get(), request.callId(), request.cseq().sequence(), wildcard,
                requestedContacts(addresses, expiresHeader, supportsOutbound(request)), origin,
                request.headers().first(HeaderName.USER_AGENT).orElse(""), now, responses)
                .limitedTo(config.maxContacts(), config.maxContactsStatus());
        return updateBindings(request, origin, aor.get(), update);
    }

    /**
     * Step 3, with the brute-force guard around it: a block makes the outcome that of a wrong password (see
     * {@link DigestAuthenticator#authenticate(SipRequest, DigestAuthenticator.Blocker)}); failed guesses are counted,
     * and a success forgives a device its earlier typos.
     */
    private DigestAuthenticator.Outcome authenticate(SipRequest request, Origin origin) {
        BruteForceGuard g = guard;
        if (!g.enabled()) {
            return authenticator.authenticate(request);
        }
        // While no failure is on record anywhere (the usual state), no source key is even made.
        var scope = new BruteForceGuard.Scope[] {BruteForceGuard.Scope.NONE};
        DigestAuthenticator.Outcome outcome = authenticator.authenticate(request, username -> {
            if (g.isQuiet()) {
                return false;
            }
            scope[0] = g.blocking(source(origin), username);
            return scope[0] != BruteForceGuard.Scope.NONE && !isExempt(request, origin, scope[0]);
        });
        switch (outcome.attempt()) {
            case WRONG -> g.failed(source(origin), outcome.username());
            case REFUSED -> g.refused(source(origin), outcome.username(), scope[0]);
            case NONE -> {
                if (outcome instanceof DigestAuthenticator.Outcome.Authenticated && !g.isQuiet()) {
                    g.succeeded(source(origin), outcome.username());
                }
            }
        }
        return outcome;
    }

    /**
     * A device that already registered from this very address is not stopped by a block there, so that one guesser
     * behind an office NAT does not take the office's phones off the air. For a block of the user at this source,
     * the request must continue the device's registration: the Call-ID of a binding of the AOR made from this
     * address (RFC 3261 §10.2.4: a UA keeps its Call-ID across refreshes), or the {@code +sip.instance} of one (RFC
     * 5626 §4.1). A guesser makes up Call-IDs and never sees the device's. For a block of the whole source, any
     * binding of the AOR from this address will do: those users proved their password here before.
     *
     * <p>Not accepted: a nonce issued before the block. Nonces are not tied to a device, and the guesser holds
     * plenty of them.
     */
    private boolean isExempt(SipRequest request, Origin origin, BruteForceGuard.Scope scope) {
        java.net.InetAddress host = origin.remote().getAddress();
        List<Binding> current;
        try {
            Optional<String> aor = extractAddressOfRecord(toUri(request));
            if (aor.isEmpty()) {
                return false;
            }
            current = locations.current(aor.get());
        } catch (RuntimeException e) {
            return false;
        }
        List<String> instances = null;
        for (Binding b : current) {
            if (!BindingFlow.socketAddress(b.source()).map(a -> a.getAddress().equals(host)).orElse(false)) {
                continue;
            }
            if (scope == BruteForceGuard.Scope.SOURCE || b.callId().equals(request.callId())) {
                return true;
            }
            if (!b.instanceId().isEmpty()) {
                if (instances == null) {
                    instances = contactInstances(request);
                }
                if (instances.contains(b.instanceId())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String source(Origin origin) {
        return SourceKey.of(origin.remote().getAddress());
    }

    private static List<String> contactInstances(SipRequest request) {
        try {
            var instances = new ArrayList<String>(1);
            for (NameAddress address : addresses(request)) {
                String instance = RequestedContact.of(address, 0, Binding.Q_ABSENT, false).instanceId();
                if (!instance.isEmpty()) {
                    instances.add(instance);
                }
            }
            return instances;
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /**
     * With {@link Refusal#DROP}: whether {@code request} is a REGISTER with credentials that a block refuses, to be
     * dropped before it reaches a transaction. Counted as refused. Never throws.
     */
    public boolean dropsSilently(SipRequest request, Flow flow) {
        BruteForceGuard g = guard;
        if (g.policy().action() != Refusal.DROP || !g.enabled() || !request.method().equals("REGISTER")) {
            return false;
        }
        try {
            Optional<String> username = authenticator.claimedUsername(request);
            if (username.isEmpty()) {
                return false;
            }
            Origin origin = Origin.of(flow);
            String source = SourceKey.of(origin.remote().getAddress());
            BruteForceGuard.Scope scope = g.blocking(source, username.get());
            if (scope == BruteForceGuard.Scope.NONE || isExempt(request, origin, scope)) {
                return false;
            }
            g.refused(source, username.get(), scope);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Step 1: "The registrar inspects the Request-URI to determine whether it has access to bindings for the domain
     * identified in the Request-URI." We serve one domain, which a device may also write as our IP address.
     */
    private Optional<RegisterRejection> inspectRequestUri(SipUri requestUri) {
        if (!requestUri.isSip()) {
            return Optional.of(RegisterRejection.UNSUPPORTED_URI_SCHEME);
        }
        return isServedHost(requestUri) ? Optional.empty() : Optional.of(RegisterRejection.DOMAIN_NOT_SERVED);
    }

    /**
     * Step 2: "the registrar MUST process the Require header field values as described for UASs in Section 8.2.2."
     * The one extension we implement is RFC 5626 outbound; every other option tag in Require is unsupported
     * (§8.2.2.3).
     */
    private static List<String> unsupportedExtensions(SipRequest request) {
        List<String> required = optionTags(request, HeaderName.REQUIRE);
        if (required.isEmpty()) {
            return List.of();
        }
        var unsupported = new ArrayList<String>(required.size());
        for (String tag : required) {
            if (!tag.equalsIgnoreCase(OUTBOUND)) {
                unsupported.add(tag);
            }
        }
        return unsupported;
    }

    /**
     * Step 4: "the registrar determines if the authenticated user is authorized to modify registrations for this
     * address-of-record": a user may register only their own AOR. The To domain is checked in step 5; a non-SIP To
     * is left to step 5 as well.
     */
    private static Optional<RegisterRejection> authorize(String username, SipUri to) {
        if (!to.isSip() || username.equals(to.user())) {
            return Optional.empty();
        }
        return Optional.of(RegisterRejection.NOT_AUTHORIZED_FOR_AOR);
    }

    /**
     * Step 5: "The registrar extracts the address-of-record from the To header field ... If the address-of-record is
     * not valid for the domain in the Request-URI, the registrar MUST send a 404." The AOR is written with the
     * domain even when the To named our IP, so a device finds the same bindings either way.
     */
    private Optional<String> extractAddressOfRecord(SipUri to) {
        if (!to.isSip() || to.user().isEmpty() || !isServedHost(to)) {
            return Optional.empty();
        }
        SipUri named = to.host().equalsIgnoreCase(config.domain()) ? to
                : new SipUri(to.scheme(), to.user(), "", config.domain(), -1, Parameters.EMPTY, "");
        return Optional.of(named.toAddressOfRecord());
    }

    /**
     * Step 6: "If [Contact: *] is present, the request MUST contain only one Contact value, and the Expires header
     * field value MUST be zero", else the registrar returns 400.
     */
    private static Optional<RegisterRejection> checkWildcard(List<String> contactValues, OptionalLong expiresHeader) {
        if (!contactValues.contains("*")) {
            return Optional.empty();
        }
        if (contactValues.size() > 1) {
            return Optional.of(RegisterRejection.WILDCARD_NOT_ALONE);
        }
        if (expiresHeader.isEmpty() || expiresHeader.getAsLong() != 0) {
            return Optional.of(RegisterRejection.WILDCARD_NEEDS_EXPIRES_ZERO);
        }
        return Optional.empty();
    }

    /**
     * Step 7, before touching any binding: every Contact must be a SIP or SIPS URI. RFC 3261 lets a Contact name any
     * scheme, but a registrar that routes and keeps bindings alive over SIP can do nothing with another one, and
     * storing it would only let a client fill the location service with addresses of its choosing.
     */
    private static Optional<RegisterRejection> checkContactSchemes(List<NameAddress> addresses) {
        for (NameAddress address : addresses) {
            if (!address.uri().isSip() || address.uri().host().isEmpty()) {
                return Optional.of(RegisterRejection.CONTACT_NOT_SIP);
            }
        }
        return Optional.empty();
    }

    /**
     * Step 7, before touching any binding: no expiry may be shorter than we allow. The registrar MAY answer 423
     * (Interval Too Brief) to an interval above zero, below one hour and below its configured minimum (§10.2.8).
     * Zero is not brief: it removes the binding. Malformed expires and q parameters never get here: ContactSet
     * refuses them (§20.10) and the request is answered 400.
     */
    private Optional<RegisterRejection> checkExpiries(List<NameAddress> addresses, OptionalLong expiresHeader) {
        for (NameAddress address : addresses) {
            long expires = requestedExpiry(address, expiresHeader);
            if (expires > 0 && expires < config.minExpires()) {
                return Optional.of(RegisterRejection.INTERVAL_TOO_BRIEF);
            }
        }
        return Optional.empty();
    }

    /**
     * RFC 5626 §6, before any binding changes: an outbound registration names one flow, so at most one Contact may
     * carry a {@code reg-id}. We keep no Path (RFC 3327) and so can reach a device only over a flow it opened to us:
     * an outbound REGISTER that came through a proxy (more than one Via) is answered 439, as for a first hop without
     * outbound support. A client that requires outbound must say which instance and flow it registers (§4.2).
     */
    private static Optional<RegisterRejection> checkOutbound(SipRequest request, List<NameAddress> addresses) {
        int withRegId = 0;
        boolean usable = false;
        for (NameAddress address : addresses) {
            if (address.params().has("reg-id")) {
                withRegId++;
                usable |= address.params().has("+sip.instance");
            }
        }
        if (withRegId > 1) {
            return Optional.of(RegisterRejection.SEVERAL_REG_IDS);
        }
        if (usable && supportsOutbound(request) && request.headers().all(HeaderName.VIA).size() > 1) {
            return Optional.of(RegisterRejection.FIRST_HOP_LACKS_OUTBOUND);
        }
        boolean required = optionTags(request, HeaderName.REQUIRE).stream().anyMatch(OUTBOUND::equalsIgnoreCase);
        if (required && !usable && !addresses.isEmpty()) {
            return Optional.of(RegisterRejection.OUTBOUND_WITHOUT_INSTANCE);
        }
        return Optional.empty();
    }

    /** RFC 5626 §4.2.1: the client offers outbound in Supported, or insists on it in Require. */
    private static boolean supportsOutbound(SipRequest request) {
        return optionTags(request, HeaderName.SUPPORTED).stream().anyMatch(OUTBOUND::equalsIgnoreCase)
                || optionTags(request, HeaderName.REQUIRE).stream().anyMatch(OUTBOUND::equalsIgnoreCase);
    }

    /** The option tags of every {@code name} header, comma lists split (RFC 3261 §20.32, §20.37). */
    private static List<String> optionTags(SipRequest request, String name) {
        List<String> values = request.headers().all(name);
        if (values.isEmpty()) {
            return List.of();
        }
        var tags = new ArrayList<String>(values.size());
        for (String value : values) {
            for (String tag : value.split(",")) {
                if (!tag.isBlank()) {
                    tags.add(tag.strip());
                }
            }
        }
        return tags;
    }

    /**
     * Step 7: each contact's expiry is its {@code expires} parameter, else the Expires header, else our default
     * (§10.2.1.1), and never more than our maximum: step 7 lets the registrar choose a shorter expiration than
     * requested, and the 200 tells the device what it got.
     */
    private List<RequestedContact> requestedContacts(List<NameAddress> addresses, OptionalLong expiresHeader,
                                                     boolean outbound) {
        var contacts = new ArrayList<RequestedContact>(addresses.size());
        for (NameAddress address : addresses) {
            long expires = Math.min(requestedExpiry(address, expiresHeader), config.maxExpires());
            int q = address.params().get("q").map(Registrar::qValue).orElse(Binding.Q_ABSENT);
            contacts.add(RequestedContact.of(address, expires, q, outbound));
        }
        return contacts;
    }

    private long requestedExpiry(NameAddress address, OptionalLong expiresHeader) {
        Optional<String> param = address.params().get("expires");
        if (param.isPresent()) {
            return deltaSeconds(param.get()).orElse(config.defaultExpires());
        }
        return expiresHeader.orElse(config.defaultExpires());
    }

    /**
     * Steps 7 and 8 against the store: the decision runs with the AOR's bindings locked, and the 200 is returned only
     * after the change is durable. Failing that, 500: a 200 would promise the device a binding that does not exist.
     */
    private CompletionStage<SipResponse> updateBindings(SipRequest request, Origin origin, String aor,
                                                        BindingUpdate update) {
        CompletionStage<Decided> stored;
        try {
            stored = locations.update(aor, current -> Decided.of(update.decide(current)));
        } catch (RuntimeException e) {
            stored = CompletableFuture.failedFuture(e);
        }
        return stored.handle((decided, error) -> {
            if (error == null) {
                notifyObserver(decided.put(), decided.removed());
                return report(request, origin, aor, log(request, origin, outboundHeaders(update, decided.response())),
                        decided.outcome());
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof StoreException busy && busy.isBusy()) {
                overload.refusedByStore();
                return overloadedResponse(request);
            }
            if (cause instanceof StoreException) {
                log.warn("{} {} REGISTER {}: binding store failed: {}", origin, request.callId(), aor,
                        cause.getMessage());
                return report(request, origin, aor,
                        responses.refuse(request, RegisterRejection.BINDING_STORE_UNAVAILABLE), RegisterOutcome.REJECTED);
            }
            log.error("{} {} REGISTER {} failed", origin, request.callId(), aor, cause);
            return report(request, origin, aor, responses.answer(request, 500, "Server Internal Error"),
                    RegisterOutcome.REJECTED);
        });
    }

    /** The response, and what was committed, so the observer hears of it once it is durable. */
    private record Decided(SipResponse response, List<Binding> put, List<Binding> removed) {
        static BindingChange<Decided> of(BindingChange<SipResponse> change) {
            return new BindingChange<>(change.put(), change.remove(),
                    new Decided(change.result(), change.put(), change.remove()));
        }

        RegisterOutcome outcome() {
            if (response.status() != 200) {
                return RegisterOutcome.REJECTED;
            }
            if (!put.isEmpty()) {
                return RegisterOutcome.REGISTERED;
            }
            return removed.isEmpty() ? RegisterOutcome.FETCHED : RegisterOutcome.UNREGISTERED;
        }
    }

    private void notifyObserver(List<Binding> put, List<Binding> removed) {
        if (put.isEmpty() && removed.isEmpty()) {
            return;
        }
        try {
            observer.committed(put, removed);
        } catch (RuntimeException e) {
            log.warn("binding observer failed: {}", e.toString(), e);
        }
    }

    /**
     * RFC 5626 §6: a 2xx to a registration that used outbound carries {@code Require: outbound}, which it must not
     * when the reg-id was ignored; §4.4.1 and §11: {@code Flow-Timer} tells the client how often to send its CRLF or
     * STUN keepalives.
     */
    private SipResponse outboundHeaders(BindingUpdate update, SipResponse response) {
        if (response.status() != 200 || !update.usesOutbound()) {
            return response;
        }
        return response.with(HeaderName.REQUIRE, OUTBOUND).with(FLOW_TIMER, Integer.toString(config.flowTimer()));
    }

    // ---- OPTIONS and the rest ----

    /**
     * §11.2: OPTIONS to the server says what it can do. Allow lists the methods; Accept is empty because we take no
     * message bodies (§20.1: without Accept, application/sdp would be assumed); Supported names the one extension we
     * implement, RFC 5626 outbound.
     */
    private SipResponse options(SipRequest request) {
        SipUri uri = request.requestUri();
        if (!uri.isSip()) {
            return responses.refuse(request, RegisterRejection.UNSUPPORTED_URI_SCHEME);
        }
        if (!isServedHost(uri)) {
            return responses.refuse(request, RegisterRejection.DOMAIN_NOT_SERVED);
        }
        return responses.answer(request, 200, "OK")
                .with(HeaderName.ALLOW, ALLOW)
                .with(HeaderName.ACCEPT, "")
                .with(HeaderName.SUPPORTED, OUTBOUND);
    }

    /** §8.2.1: a method we do not implement gets 405 with the methods we do. */
    private SipResponse methodNotAllowed(SipRequest request) {
        return responses.answer(request, 405, "Method Not Allowed").with(HeaderName.ALLOW, ALLOW);
    }

    // ---- helpers ----

    private boolean isServedHost(SipUri uri) {
        if (uri.host().equalsIgnoreCase(config.domain())) {
            return local.isOurPort(uri.port());
        }
        return local.isOurs(uri.host(), uri.port());
    }

    private static SipUri toUri(SipRequest request) {
        String to = request.headers().first(HeaderName.TO)
                .orElseThrow(() -> new SipParseException(Violation.MISSING_TO, 0, HeaderName.TO));
        return NameAddress.parse(to, Violation.BAD_TO).uri();
    }

    private static List<NameAddress> addresses(SipRequest request) {
        return ContactSet.of(request.headers()) instanceof ContactSet.Contacts c ? c.addresses() : List.of();
    }

    /** The Expires header (§20.19); empty when absent. Malformed is a parse error, hence 400. */
    private static OptionalLong expiresHeader(SipRequest request) {
        Optional<String> value = request.headers().first(HeaderName.EXPIRES);
        if (value.isEmpty()) {
            return OptionalLong.empty();
        }
        OptionalLong seconds = deltaSeconds(value.get().strip());
        if (seconds.isEmpty()) {
            throw new SipParseException(Violation.BAD_EXPIRES, 0, HeaderName.EXPIRES);
        }
        return seconds;
    }

    /**
     * delta-seconds (§25.1: 1*DIGIT), clamped at 2**32-1 (§20.19) so that any length of digits is safe; capped to
     * maxExpires later.
     */
    static OptionalLong deltaSeconds(String text) {
        if (text.isEmpty()) {
            return OptionalLong.empty();
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return OptionalLong.empty();
            }
            value = Math.min(value * 10 + (c - '0'), 0xFFFF_FFFFL);
        }
        return OptionalLong.of(value);
    }

    /** qvalue (§25.1): "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")], as thousandths; Q_ABSENT when malformed. */
    static int qValue(String text) {
        if (text.isEmpty() || text.length() > 5 || (text.charAt(0) != '0' && text.charAt(0) != '1')) {
            return Binding.Q_ABSENT;
        }
        int whole = text.charAt(0) - '0';
        if (text.length() == 1) {
            return whole * 1000;
        }
        if (text.charAt(1) != '.') {
            return Binding.Q_ABSENT;
        }
        int fraction = 0;
        int digits = 0;
        for (int i = 2; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return Binding.Q_ABSENT;
            }
            fraction = fraction * 10 + (c - '0');
            digits++;
        }
        for (; digits < 3; digits++) {
            fraction *= 10;
        }
        int q = whole * 1000 + fraction;
        return q > 1000 ? Binding.Q_ABSENT : q;
    }

    /** RFC 3261 §21.5.4: "temporarily unable to process the request due to a temporary overloading". */
    private CompletionStage<SipResponse> overloaded(SipRequest request, Origin origin) {
        return done(log(request, origin, overloadedResponse(request)));
    }

    private SipResponse overloadedResponse(SipRequest request) {
        return responses.refuse(request, RegisterRejection.OVERLOADED)
                .with(HeaderName.RETRY_AFTER, Integer.toString(overload.retryAfter()));
    }

    private CompletionStage<SipResponse> refuse(SipRequest request, Origin origin, RegisterRejection rejection) {
        SipResponse response = responses.refuse(request, rejection);
        if (rejection == RegisterRejection.INTERVAL_TOO_BRIEF) {
            // §10.3 step 7: a 423 must carry Min-Expires, the shortest interval we accept (§20.23).
            response = response.with(HeaderName.MIN_EXPIRES, Integer.toString(config.minExpires()));
        }
        return done(report(request, origin, null, log(request, origin, response), RegisterOutcome.of(rejection)));
    }

    /** Tells the activity listener how this REGISTER ended; {@code aor} null when not known yet. */
    private SipResponse report(SipRequest request, Origin origin, String aor, SipResponse response,
                               RegisterOutcome outcome) {
        RegistrarActivity listener = activity;
        if (listener == RegistrarActivity.NONE) {
            return response;
        }
        try {
            listener.attempted(new RegisterAttempt(clock.millis(), aor != null ? aor : attemptAor(request),
                    request.callId(), origin.transport(), origin.source(), response.status(), response.reason(),
                    outcome, request.headers().first(HeaderName.USER_AGENT).orElse("")));
        } catch (RuntimeException e) {
            log.warn("activity listener failed: {}", e.toString(), e);
        }
        return response;
    }

    /** The AOR the To header names, written as a binding would be; "" when the To cannot be read. */
    private String attemptAor(SipRequest request) {
        try {
            SipUri to = toUri(request);
            return extractAddressOfRecord(to).orElseGet(to::toAddressOfRecord);
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static SipResponse log(SipRequest request, Origin origin, SipResponse response) {
        if (log.isDebugEnabled()) {
            log.debug("{} {} {} -> {} {}", origin, request.callId(), request.method(), response.status(),
                    response.reason());
        }
        return response;
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
