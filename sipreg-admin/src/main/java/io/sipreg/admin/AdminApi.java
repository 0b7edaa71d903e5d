package io.sipreg.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipreg.message.SipUri;
import io.sipreg.registrar.Binding;
import io.sipreg.registrar.BindingCount;
import io.sipreg.registrar.KeepaliveScheduler;
import io.sipreg.registrar.RegisterOutcome;
import io.sipreg.registrar.StoreException;
import io.sipreg.registrar.User;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The JSON API under {@code /api}: bindings (list, search, remove), users (list, add, remove), the history of
 * attempts per AOR, blocked sources, and a status summary. Runs on the admin worker thread, never on an event loop:
 * store reads and writes block.
 */
final class AdminApi {
    private static final int DEFAULT_LIMIT = 1_000;

    private final RegistrarView view;
    private final RegistrarMetrics metrics;
    private final AttemptHistory history;

    AdminApi(RegistrarView view, RegistrarMetrics metrics, AttemptHistory history) {
        this.view = view;
        this.metrics = metrics;
        this.history = history;
    }

    HttpReply handle(String method, String path, Map<String, List<String>> query, String body) {
        try {
            return switch (path) {
                case "/api/status" -> only("GET", method, this::status);
                case "/api/bindings" -> switch (method) {
                    case "GET" -> bindings(query);
                    case "DELETE" -> removeBinding(query);
                    default -> notAllowed(method, "GET, DELETE");
                };
                case "/api/users" -> switch (method) {
                    case "GET" -> users();
                    case "POST" -> addUser(body);
                    case "DELETE" -> removeUser(query);
                    default -> notAllowed(method, "GET, POST, DELETE");
                };
                case "/api/attempts" -> only("GET", method, () -> attempts(query));
                case "/api/blocked" -> only("GET", method, this::blocked);
                default -> HttpReply.error(404, "no such endpoint: " + path);
            };
        } catch (StoreException e) {
            return HttpReply.error(503, "store unavailable: " + e.getMessage());
        }
    }

    private static HttpReply only(String allowed, String method, java.util.function.Supplier<HttpReply> action) {
        return allowed.equals(method) ? action.get() : notAllowed(method, allowed);
    }

    private static HttpReply notAllowed(String method, String allowed) {
        return HttpReply.error(405, method + " not allowed here; use " + allowed);
    }

    // ---- status ----

    private HttpReply status() {
        ObjectNode o = HttpReply.JSON.createObjectNode();
        long now = System.currentTimeMillis();
        BindingCount count = metrics.bindingCount();
        o.put("domain", view.domain());
        o.put("startedAt", Instant.ofEpochMilli(view.startedAtMillis()).toString());
        o.put("uptimeSeconds", (now - view.startedAtMillis()) / 1000);
        o.put("bindings", count.bindings());
        o.put("natBindings", count.nat());
        o.put("transactions", view.transactions().getAsInt());
        o.put("storeQueue", view.store().pendingWrites());
        ObjectNode outcomes = o.putObject("outcomes");
        for (RegisterOutcome outcome : RegisterOutcome.values()) {
            outcomes.put(outcome.token(), metrics.outcomeCount(outcome));
        }
        keepaliveCounts(o.putObject("keepalive"));
        return HttpReply.json(o);
    }

    void keepaliveCounts(ObjectNode o) {
        KeepaliveScheduler.Counts counts = view.keepalives().counts();
        o.put("pinged", view.keepalives().pinged());
        o.put("sent", counts.sent());
        o.put("answered", counts.answered());
        o.put("unanswered", counts.unanswered());
        o.put("removed", counts.removed());
    }

    // ---- bindings ----

    /**
     * {@code ?aor=} one AOR exactly; {@code ?q=} any binding whose AOR, contact, source or User-Agent contains the
     * text (case ignored); {@code ?limit=} at most that many (default 1000, 0 for all). The total counts every match.
     */
    private HttpReply bindings(Map<String, List<String>> query) {
        Optional<String> aor = param(query, "aor");
        Optional<String> text = param(query, "q").map(q -> q.toLowerCase(Locale.ROOT));
        int limit;
        try {
            limit = param(query, "limit").map(Integer::parseInt).orElse(DEFAULT_LIMIT);
        } catch (NumberFormatException e) {
            return HttpReply.error(400, "limit must be a whole number");
        }
        if (limit < 0) {
            return HttpReply.error(400, "limit must be >= 0");
        }
        List<Binding> all;
        if (aor.isPresent()) {
            Optional<String> key = addressOfRecord(aor.get());
            if (key.isEmpty()) {
                return HttpReply.error(400, "'" + aor.get() + "' is not a SIP address-of-record");
            }
            all = view.store().bindings(key.get());
        } else {
            all = view.store().all();
        }
        Instant now = Instant.now();
        ObjectNode o = HttpReply.JSON.createObjectNode();
        ArrayNode list = HttpReply.JSON.createArrayNode();
        int total = 0;
        for (Binding b : all) {
            if (text.isPresent() && !matches(b, text.get())) {
                continue;
            }
            total++;
            if (limit == 0 || list.size() < limit) {
                list.add(bindingJson(b, now));
            }
        }
        o.put("total", total);
        o.set("bindings", list);
        return HttpReply.json(o);
    }

    private static boolean matches(Binding b, String text) {
        return b.aor().toLowerCase(Locale.ROOT).contains(text) || b.contactUri().toLowerCase(Locale.ROOT).contains(text)
                || b.source().contains(text) || b.userAgent().toLowerCase(Locale.ROOT).contains(text);
    }

    /** The fields of {@code sipreg bindings --json}, and how the binding's keepalives fare. */
    private ObjectNode bindingJson(Binding b, Instant now) {
        ObjectNode o = BindingJson.put(HttpReply.JSON.createObjectNode(), b, now);
        o.put("expiresAt", Instant.ofEpochMilli(b.expiresAt()).toString());
        o.put("registeredAt", Instant.ofEpochMilli(b.registeredAt()).toString());
        o.put("lastUpdated", Instant.ofEpochMilli(b.lastUpdated()).toString());
        Optional<KeepaliveScheduler.KeepaliveStatus> keepalive = view.keepalives().status(b.aor(), b.contactUri());
        if (keepalive.isPresent()) {
            KeepaliveScheduler.KeepaliveStatus k = keepalive.get();
            ObjectNode ka = o.putObject("keepalive");
            ka.put("sent", k.sent());
            putTime(ka, "lastSentAt", k.lastSentAtMillis());
            putTime(ka, "lastAnsweredAt", k.lastAnsweredAtMillis());
            ka.put("failuresInRow", k.failuresInRow());
        } else {
            o.putNull("keepalive");
        }
        return o;
    }

    private static void putTime(ObjectNode o, String field, long millis) {
        if (millis == 0) {
            o.putNull(field);
        } else {
            o.put(field, Instant.ofEpochMilli(millis).toString());
        }
    }

    /** {@code DELETE /api/bindings?aor=...&contact=...}: one binding, or every binding of the AOR without contact. */
    private HttpReply removeBinding(Map<String, List<String>> query) {
        Optional<String> aorParam = param(query, "aor");
        if (aorParam.isEmpty()) {
            return HttpReply.error(400, "which binding? give aor (and contact)");
        }
        Optional<String> aor = addressOfRecord(aorParam.get());
        if (aor.isEmpty()) {
            return HttpReply.error(400, "'" + aorParam.get() + "' is not a SIP address-of-record");
        }
        Optional<String> contact = param(query, "contact");
        List<Binding> gone;
        try {
            gone = (contact.isPresent() ? view.registrar().removeBinding(aor.get(), contact.get())
                    : view.registrar().removeBindings(aor.get())).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return HttpReply.error(503, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return HttpReply.error(503, "the binding could not be removed: " + cause.getMessage());
        }
        if (gone.isEmpty()) {
            return HttpReply.error(404, "no binding of " + aor.get() + contact.map(c -> " with contact " + c).orElse(""));
        }
        ObjectNode o = HttpReply.JSON.createObjectNode();
        o.put("aor", aor.get());
        ArrayNode removed = o.putArray("removed");
        gone.forEach(b -> removed.add(b.contactUri()));
        return HttpReply.json(o);
    }

    // ---- users ----

    private HttpReply users() {
        ArrayNode list = HttpReply.JSON.createArrayNode();
        for (User u : view.store().list()) {
            list.addObject().put("user", u.username()).put("domain", u.domain())
                    .put("aor", "sip:" + u.username() + "@" + u.domain());
        }
        return HttpReply.json(list);
    }

    /** {@code POST /api/users} with {@code {"user": "alice", "domain": "example.com", "password": "..."}}. */
    private HttpReply addUser(String body) {
        JsonNode request;
        try {
            request = HttpReply.JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return HttpReply.error(400, "the body is not JSON: " + e.getOriginalMessage());
        }
        if (request == null || !request.isObject()) {
            return HttpReply.error(400, "expected a JSON object with user, domain and password");
        }
        String user = request.path("user").asText("");
        String domain = request.path("domain").asText(view.domain());
        String password = request.path("password").asText("");
        Optional<String> problem = User.nameProblem(user, domain);
        if (problem.isPresent()) {
            return HttpReply.error(400, problem.get());
        }
        if (password.isEmpty()) {
            return HttpReply.error(400, "the password is empty");
        }
        boolean existed = view.store().find(user, domain).isPresent();
        User added = User.withPassword(user, domain, password);
        view.store().put(added);
        ObjectNode o = HttpReply.JSON.createObjectNode();
        o.put("aor", "sip:" + added.username() + "@" + added.domain());
        o.put("created", !existed);
        return HttpReply.json(existed ? 200 : 201, o);
    }

    /** {@code DELETE /api/users?user=alice&domain=example.com}. */
    private HttpReply removeUser(Map<String, List<String>> query) {
        Optional<String> user = param(query, "user");
        if (user.isEmpty()) {
            return HttpReply.error(400, "which user? give user (and domain)");
        }
        String domain = param(query, "domain").orElse(view.domain()).toLowerCase(Locale.ROOT);
        String aor = "sip:" + user.get() + "@" + domain;
        if (!view.store().remove(user.get(), domain)) {
            return HttpReply.error(404, "no user " + aor);
        }
        return HttpReply.json(HttpReply.JSON.createObjectNode().put("removed", aor));
    }

    // ---- history ----

    /** {@code ?aor=}: the AOR's last attempts, oldest first; without it the latest of every AOR. */
    private HttpReply attempts(Map<String, List<String>> query) {
        ObjectNode o = HttpReply.JSON.createObjectNode();
        Optional<String> aorParam = param(query, "aor");
        List<AttemptHistory.Entry> entries;
        if (aorParam.isPresent()) {
            Optional<String> aor = addressOfRecord(aorParam.get());
            if (aor.isEmpty()) {
                return HttpReply.error(400, "'" + aorParam.get() + "' is not a SIP address-of-record");
            }
            o.put("aor", aor.get());
            entries = history.of(aor.get());
        } else {
            entries = history.since(0);
        }
        ArrayNode list = o.putArray("attempts");
        entries.forEach(e -> list.add(entryJson(e)));
        return HttpReply.json(o);
    }

    static ObjectNode entryJson(AttemptHistory.Entry e) {
        ObjectNode o = HttpReply.JSON.createObjectNode();
        o.put("seq", e.seq());
        o.put("at", Instant.ofEpochMilli(e.atMillis()).toString());
        o.put("aor", e.aor());
        o.put("kind", e.kind());
        o.put("status", e.status());
        o.put("outcome", e.outcome());
        o.put("reason", e.reason());
        o.put("callId", e.callId());
        o.put("source", e.source());
        o.put("userAgent", e.userAgent());
        return o;
    }

    /**
     * Sources refused for too many failed authentications, as the brute-force guard stored them (the same table
     * {@code sipreg blocks list} reads): the ones still in force.
     */
    private HttpReply blocked() {
        var list = HttpReply.JSON.createArrayNode();
        long now = System.currentTimeMillis();
        for (var b : view.blocks().blocks()) {
            if (b.until() <= now) {
                continue;
            }
            var o = list.addObject();
            o.put("source", b.source());
            o.put("user", b.user());
            o.put("everyUser", b.coversEveryUser());
            o.put("startedAt", java.time.Instant.ofEpochMilli(b.startedAt()).toString());
            o.put("until", java.time.Instant.ofEpochMilli(b.until()).toString());
            o.put("offence", b.offence());
            o.put("failures", b.failures());
            o.put("refused", b.refused());
        }
        return HttpReply.json(list);
    }

    // ---- helpers ----

    private static Optional<String> param(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty() || values.get(0).isBlank()) {
            return Optional.empty();
        }
        return Optional.of(values.get(0).strip());
    }

    /** {@code alice@example.com}, {@code sip:alice@example.com} or {@code <sip:...>} in the store's AOR form. */
    static Optional<String> addressOfRecord(String text) {
        String a = text.strip();
        if (a.startsWith("<") && a.endsWith(">")) {
            a = a.substring(1, a.length() - 1);
        }
        if (!a.regionMatches(true, 0, "sip:", 0, 4) && !a.regionMatches(true, 0, "sips:", 0, 5)) {
            a = "sip:" + a;
        }
        try {
            return Optional.of(SipUri.parse(a).toAddressOfRecord());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
