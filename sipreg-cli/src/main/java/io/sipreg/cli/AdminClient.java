package io.sipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The admin API of a running {@code serve}, as the CLI commands use it. */
final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String base;
    private final String token;
    private final HttpClient http;
    private final boolean explicit;

    private AdminClient(String base, String token, boolean explicit) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.token = token;
        this.explicit = explicit;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    }

    /**
     * The server to ask: the one {@code --admin-url} names, else the one {@code <data>/admin.json} names while its
     * process runs; empty when there is none, and the command reads the database itself.
     */
    static Optional<AdminClient> locate(AdminOption option, Path dataDirectory) {
        String envToken = Optional.ofNullable(System.getenv("SIPREG_ADMIN_TOKEN")).orElse("");
        if (option != null && option.url != null) {
            return Optional.of(new AdminClient(option.url, option.token != null ? option.token : envToken, true));
        }
        if (dataDirectory == null) {
            return Optional.empty();     // a shared store named by --store or --config: no data directory to look in
        }
        Optional<AdminEndpoint> endpoint;
        try {
            endpoint = AdminEndpoint.read(dataDirectory);
        } catch (IOException e) {
            return Optional.empty();
        }
        return endpoint.filter(AdminEndpoint::serverAlive).map(e -> new AdminClient(e.url(),
                option != null && option.token != null ? option.token : e.token().isEmpty() ? envToken : e.token(),
                false));
    }

    /**
     * The answer of {@code GET path}; empty when the server found through the data directory does not answer (the
     * caller falls back to the database). An explicit {@code --admin-url} that does not answer is an error.
     */
    Optional<JsonNode> get(String path) {
        return exchange(HttpRequest.newBuilder(uri(path)).GET());
    }

    Optional<JsonNode> post(String path, JsonNode body) {
        return exchange(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    Optional<JsonNode> delete(String path) {
        return exchange(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    /** Where the answers come from, for messages. */
    String base() {
        return base;
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private URI uri(String path) {
        try {
            return URI.create(base + path);
        } catch (IllegalArgumentException e) {
            throw new UserError("bad admin URL " + base + ": " + e.getMessage());
        }
    }

    private Optional<JsonNode> exchange(HttpRequest.Builder builder) {
        builder.timeout(TIMEOUT);
        if (!token.isEmpty()) {
            builder.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response;
        try {
            response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException | HttpConnectTimeoutException e) {
            if (explicit) {
                throw new UserError(base + ": the admin API does not answer (" + e.getClass().getSimpleName() + ")");
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UserError(base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted");
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UserError(base + " answered " + response.statusCode() + " without JSON");
        }
        if (response.statusCode() >= 300) {
            String error = body != null && body.path("error").isTextual() ? body.path("error").asText()
                    : "status " + response.statusCode();
            throw new UserError(error, response.statusCode() == 404 ? 1 : 2);
        }
        return Optional.of(body);
    }
}
