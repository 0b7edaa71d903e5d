package io.sipreg.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

/** The dashboard's files, read from the jar once: plain HTML, an ES module and a style sheet, no build step. */
final class Dashboard {
    private static final Map<String, String> FILES = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/dashboard.js", "dashboard.js",
            "/dashboard.css", "dashboard.css");

    private final Map<String, HttpReply> replies;

    private Dashboard(Map<String, HttpReply> replies) {
        this.replies = replies;
    }

    static Dashboard load() {
        var replies = new java.util.HashMap<String, HttpReply>();
        FILES.forEach((path, file) -> replies.put(path, new HttpReply(200, type(file), read(file))));
        return new Dashboard(Map.copyOf(replies));
    }

    Optional<HttpReply> file(String path) {
        return Optional.ofNullable(replies.get(path));
    }

    private static String type(String file) {
        if (file.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        return file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
    }

    private static byte[] read(String file) {
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard/" + file)) {
            if (in == null) {
                throw new IllegalStateException("dashboard/" + file + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
