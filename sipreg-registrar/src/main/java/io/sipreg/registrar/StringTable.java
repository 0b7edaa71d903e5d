package io.sipreg.registrar;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Text many bindings share (a transport, a listener, a phone model's User-Agent), numbered so that a packed binding
 * holds four bytes instead of a copy. Numbers are never reused: the table grows with the distinct values seen, which
 * a deployment has few of. Not thread-safe: its owner locks.
 */
final class StringTable {
    private final List<String> texts = new ArrayList<>();
    private final Map<String, Integer> numbers = new HashMap<>();

    int number(String text) {
        Integer known = numbers.get(text);
        if (known != null) {
            return known;
        }
        int number = texts.size();
        texts.add(text);
        numbers.put(text, number);
        return number;
    }

    String text(int number) {
        return texts.get(number);
    }
}
