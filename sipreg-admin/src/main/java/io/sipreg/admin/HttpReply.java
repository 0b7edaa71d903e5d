package io.sipreg.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;

/** A whole HTTP response: status, content type and body. */
record HttpReply(int status, String contentType, byte[] body) {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String JSON_TYPE = "application/json; charset=utf-8";

    static HttpReply json(int status, JsonNode node) {
        try {
            return new HttpReply(status, JSON_TYPE, JSON.writeValueAsBytes(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree that cannot be written", e);
        }
    }

    static HttpReply json(JsonNode node) {
        return json(200, node);
    }

    /** {@code {"error": "..."}} with {@code status}: every refusal names its cause. */
    static HttpReply error(int status, String message) {
        return json(status, JSON.createObjectNode().put("error", message));
    }

    static HttpReply text(int status, String contentType, String body) {
        return new HttpReply(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }
}
