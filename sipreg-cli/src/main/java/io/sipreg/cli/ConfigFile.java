package io.sipreg.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A TOML or YAML settings file read into dotted keys ({@code registrar.min-expires}), each remembering the line
 * it was written on so every complaint can name the place ({@code sipreg.toml:14: ...}).
 */
final class ConfigFile {

    /** One setting as written: its value and where. */
    record Setting(String key, JsonNode value, int line) {
    }

    private final Path path;
    private final Map<String, Setting> settings;

    private ConfigFile(Path path, Map<String, Setting> settings) {
        this.path = path;
        this.settings = settings;
    }

    static ConfigFile read(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserError(path + ": no such file");
        } catch (IOException e) {
            throw new UserError(path + ": cannot read: " + e.getMessage());
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean toml = name.endsWith(".toml");
        if (!toml && !name.endsWith(".yaml") && !name.endsWith(".yml")) {
            throw new UserError(path + ": unknown config format; use a .toml, .yaml or .yml file");
        }
        var mapper = new ObjectMapper(toml ? new TomlFactory() : new YAMLFactory());
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new UserError(place(path, line) + "syntax error: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new ConfigFile(path, Map.of());
        }
        if (!root.isObject()) {
            throw new UserError(place(path, 1) + "expected a table of settings");
        }
        Map<String, Integer> lines = toml ? tomlLines(text) : yamlLines(text);
        var settings = new LinkedHashMap<String, Setting>();
        flatten("", root, lines, settings);
        return new ConfigFile(path, settings);
    }

    Path path() {
        return path;
    }

    Map<String, Setting> settings() {
        return settings;
    }

    /** {@code file:line: } or {@code file: } when the line is unknown. */
    String at(Setting setting) {
        return place(path, setting.line());
    }

    private static String place(Path path, int line) {
        return line > 0 ? path + ":" + line + ": " : path + ": ";
    }

    private static void flatten(String prefix, JsonNode node, Map<String, Integer> lines, Map<String, Setting> out) {
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            String key = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
            if (entry.getValue().isObject()) {
                flatten(key, entry.getValue(), lines, out);
            } else {
                out.put(key, new Setting(key, entry.getValue(), lines.getOrDefault(key, 0)));
            }
        }
    }

    /** YAML carries token locations; record the line of every key. */
    private static Map<String, Integer> yamlLines(String text) {
        var lines = new HashMap<String, Integer>();
        try (JsonParser parser = new YAMLFactory().createParser(text)) {
            Deque<String> path = new ArrayDeque<>();
            String pending = null;
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                switch (token) {
                    case FIELD_NAME -> {
                        pending = parser.currentName();
                        String key = path.isEmpty() ? pending : String.join(".", reversed(path)) + "." + pending;
                        lines.put(key, parser.currentTokenLocation().getLineNr());
                    }
                    case START_OBJECT -> {
                        if (pending != null) {
                            path.push(pending);
                        }
                        pending = null;
                    }
                    case END_OBJECT -> {
                        if (!path.isEmpty()) {
                            path.pop();
                        }
                    }
                    case START_ARRAY -> parser.skipChildren();
                    default -> pending = null;
                }
            }
        } catch (IOException e) {
            // Already parsed once successfully; locations are a courtesy.
        }
        return lines;
    }

    private static Iterable<String> reversed(Deque<String> stack) {
        var list = new java.util.ArrayList<>(stack);
        java.util.Collections.reverse(list);
        return list;
    }

    /**
     * The TOML reader keeps no locations, so find each key by its line: {@code [table]} headers set the prefix,
     * {@code key = value} lines (bare, quoted or dotted keys) name a setting.
     */
    private static Map<String, Integer> tomlLines(String text) {
        var lines = new HashMap<String, Integer>();
        String table = "";
        String[] rows = text.split("\n", -1);
        for (int i = 0; i < rows.length; i++) {
            String row = rows[i].strip();
            if (row.isEmpty() || row.startsWith("#")) {
                continue;
            }
            if (row.startsWith("[") && !row.startsWith("[[")) {
                int end = row.indexOf(']');
                if (end > 0) {
                    table = unquoteKey(row.substring(1, end));
                }
                continue;
            }
            int eq = row.indexOf('=');
            if (eq > 0) {
                String key = unquoteKey(row.substring(0, eq));
                lines.putIfAbsent(table.isEmpty() ? key : table + "." + key, i + 1);
            }
        }
        return lines;
    }

    private static String unquoteKey(String key) {
        var sb = new StringBuilder();
        for (String part : key.split("\\.")) {
            String p = part.strip();
            if (p.length() >= 2 && (p.startsWith("\"") && p.endsWith("\"") || p.startsWith("'") && p.endsWith("'"))) {
                p = p.substring(1, p.length() - 1);
            }
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(p);
        }
        return sb.toString();
    }
}
