package io.sipreg.analyzer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * JSON text in UTF-8, built in a growable buffer, written exactly as Jackson's generator writes it (its escapes:
 * {@code \"} and {@code \\}; controls and non-ASCII text are left to Jackson itself), for the parts of the report
 * there are hundreds of thousands of. Not thread-safe.
 */
final class JsonBytes {
    private static final JsonFactory FACTORY = new JsonFactory();

    private byte[] buffer = new byte[1 << 12];
    private int size;
    /** For the rare string with a control character or non-ASCII text. */
    private ByteArrayOutputStream slowBytes;
    private JsonGenerator slow;

    int size() {
        return size;
    }

    void reset() {
        size = 0;
    }

    void writeTo(OutputStream out) throws IOException {
        out.write(buffer, 0, size);
    }

    byte[] toByteArray() {
        return java.util.Arrays.copyOf(buffer, size);
    }

    /** Bytes as they are: constants of the document's layout. */
    JsonBytes raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, size, bytes.length);
        size += bytes.length;
        return this;
    }

    JsonBytes raw(char c) {
        ensure(1);
        buffer[size++] = (byte) c;
        return this;
    }

    /** A JSON string: quoted, with the escapes Jackson writes. */
    JsonBytes string(String s) {
        int n = s.length();
        ensure(2 * n + 2);
        int at = size;
        buffer[at++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7F) {
                return slowString(s);
            }
            if (c == '"' || c == '\\') {
                buffer[at++] = '\\';
            }
            buffer[at++] = (byte) c;
        }
        buffer[at++] = '"';
        size = at;
        return this;
    }

    JsonBytes number(long v) {
        if (v == Long.MIN_VALUE) {
            return raw(Long.toString(v).getBytes(StandardCharsets.US_ASCII));
        }
        ensure(20);
        if (v < 0) {
            buffer[size++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long p = v; p >= 10; p /= 10) {
            digits++;
        }
        int at = size + digits;
        size = at;
        do {
            buffer[--at] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v > 0);
        return this;
    }

    /** As Jackson writes a double by default: {@link Double#toString}, a quoted string when not finite. */
    JsonBytes number(double v) {
        String text = Double.toString(v);
        return Double.isFinite(v) ? raw(text.getBytes(StandardCharsets.US_ASCII)) : string(text);
    }

    private JsonBytes slowString(String s) {
        try {
            if (slow == null) {
                slowBytes = new ByteArrayOutputStream();
                slow = FACTORY.createGenerator(slowBytes);
            }
            slowBytes.reset();
            slow.writeString(s);
            slow.flush();
            // A generator at the root separates values by a space: written one at a time, each comes alone.
            byte[] text = slowBytes.toByteArray();
            int from = text[0] == ' ' ? 1 : 0;
            ensure(text.length);
            System.arraycopy(text, from, buffer, size, text.length - from);
            size += text.length - from;
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
        }
    }
}
