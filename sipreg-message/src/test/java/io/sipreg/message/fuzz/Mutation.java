package io.sipreg.message.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One change a hostile or broken sender makes to a real message. Positions are fractions of the input's length,
 * so one mutation applies to any input and a failing list can be minimized by dropping elements. {@link #toString}
 * says what was done, which is what a failure report prints.
 */
public sealed interface Mutation {
    byte[] apply(byte[] input);

    /** Bytes that are not UTF-8: an overlong NUL, a lone continuation, a surrogate, a cut sequence, 0xFF. */
    List<byte[]> INVALID_UTF8 = List.of(new byte[] {(byte) 0xC0, (byte) 0x80}, new byte[] {(byte) 0x80},
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xE2, (byte) 0x82},
            new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80});

    /** Header lines a device, an attacker or a bug may add. */
    List<String> HEADERS = List.of("Contact: <sip:x@[::1]:5060;transport=tcp>;expires=0", "Contact: *",
            "Contact: \"\\\"\" <sip:%00@h>", "Content-Length: 4294967296", "Content-Length: -1", "l: 0",
            "Via: SIP/2.0/UDP [::1", "CSeq: 1 INVITE", "Expires: 99999999999999999999", "Max-Forwards: 256",
            "Call-ID: ", "To: <sip:", "From: a <sip:b@c>;tag=\"", "Authorization: Digest username=\"a\\",
            "X-Folded: a\r\n b\r\n\tc", "Route: <sip:a;lr>,<sip:b;lr>,,,", ": no name", "Bad Name: x",
            "Supported: outbound,,,", "Require: " + "x,".repeat(200));

    private static int at(double fraction, int length) {
        return Math.min(length, (int) (fraction * (length + 1)));
    }

    /** Flips one bit. */
    record BitFlip(double where, int bit) implements Mutation {
        @Override
        public byte[] apply(byte[] input) {
            if (input.length == 0) {
                return input;
            }
            byte[] out = input.clone();
            int i = Math.min(input.length - 1, at(where, input.length));
            out[i] ^= (byte) (1 << bit);
            return out;
        }
    }

    /** Cuts the input short, as a lost segment or a truncated datagram does. */
    record Truncate(double where) implements Mutation {
        @Override
        public byte[] apply(byte[] input) {
            return Arrays.copyOf(input, at(where, input.length));
        }
    }

    /** Replaces the tail with the tail of itself from elsewhere: repeated headers, bodies inside headers. */
    record Splice(double cut, double from) implements Mutation {
        @Override
        public byte[] apply(byte[] input) {
            int c = at(cut, input.length);
            int f = at(from, input.length);
            byte[] out = Arrays.copyOf(input, c + input.length - f);
            System.arraycopy(input, f, out, c, input.length - f);
            return out;
        }
    }

    /** Inserts bytes at a position: a header line at a line start, NUL or invalid UTF-8 anywhere. */
    record Insert(double where, byte[] bytes, boolean atLineStart, String label) implements Mutation {
        @Override
        public byte[] apply(byte[] input) {
            int i = at(where, input.length);
            if (atLineStart) {
                while (i < input.length && input[i] != '\n') {
                    i++;
                }
                i = Math.min(input.length, i + 1);
            }
            byte[] out = new byte[input.length + bytes.length];
            System.arraycopy(input, 0, out, 0, i);
            System.arraycopy(bytes, 0, out, i, bytes.length);
            System.arraycopy(input, i, out, i + bytes.length, input.length - i);
            return out;
        }

        @Override
        public String toString() {
            return "Insert[" + label + " at " + where + (atLineStart ? ", line start" : "") + "]";
        }
    }

    /** Repeats a slice many times: header bombs, a huge header line. */
    record Repeat(double where, int length, int times) implements Mutation {
        @Override
        public byte[] apply(byte[] input) {
            int from = at(where, input.length);
            int n = Math.min(length, input.length - from);
            byte[] out = new byte[input.length + n * times];
            System.arraycopy(input, 0, out, 0, from + n);
            for (int k = 1; k <= times; k++) {
                System.arraycopy(input, from, out, from + n * k, n);
            }
            System.arraycopy(input, from + n, out, from + n * (times + 1), input.length - from - n);
            return out;
        }
    }

    /** Overwrites bytes in place: a length or type field set to an extreme, a binary format's favourite damage. */
    record Overwrite(double where, byte[] bytes) implements Mutation {
        @Override
        public byte[] apply(byte[] input) {
            byte[] out = input.clone();
            int i = at(where, input.length);
            System.arraycopy(bytes, 0, out, i, Math.min(bytes.length, out.length - i));
            return out;
        }

        @Override
        public String toString() {
            return "Overwrite[" + HexFormat.of().formatHex(bytes) + " at " + where + "]";
        }
    }

    /** Values that break length and offset arithmetic: 0, 1, -1, the sign bit, just under and over common limits. */
    List<byte[]> EXTREMES = List.of(new byte[] {0, 0, 0, 0}, new byte[] {0, 0, 0, 1}, new byte[] {1, 0, 0, 0},
            new byte[] {-1, -1, -1, -1}, new byte[] {(byte) 0x80, 0, 0, 0}, new byte[] {0, 0, 0, (byte) 0x80},
            new byte[] {0x7F, -1, -1, -1}, new byte[] {-1, -1, -1, 0x7F}, new byte[] {0, 1, 0, 0},
            new byte[] {0, 0, 1, 0}, new byte[] {(byte) 0xFC, -1, 0, 0}, new byte[] {0, 0, -1, (byte) 0xFC});

    /** One mutation, drawn with weights that favour the small changes. */
    static Mutation random(SplittableRandom r) {
        double where = r.nextDouble();
        int kind = r.nextInt(18);
        if (kind >= 16) {
            return new Overwrite(where, EXTREMES.get(r.nextInt(EXTREMES.size())));
        }
        if (kind < 4) {
            return new BitFlip(where, r.nextInt(8));
        }
        if (kind < 6) {
            return new Truncate(where);
        }
        if (kind < 8) {
            return new Splice(where, r.nextDouble());
        }
        if (kind < 11) {
            String h = HEADERS.get(r.nextInt(HEADERS.size()));
            return new Insert(where, (h + "\r\n").getBytes(StandardCharsets.UTF_8), true, "header " + h);
        }
        if (kind < 13) {
            return new Insert(where, new byte[] {0}, false, "NUL");
        }
        if (kind < 15) {
            byte[] b = INVALID_UTF8.get(r.nextInt(INVALID_UTF8.size()));
            return new Insert(where, b, false, "bytes " + HexFormat.of().formatHex(b));
        }
        return new Repeat(where, 1 + r.nextInt(80), 1 + r.nextInt(400));
    }

    /** Control bytes and non-ASCII as {@code <XX>}, so a failing input can be read and pasted back. */
    static String printable(byte[] b) {
        var sb = new StringBuilder();
        int shown = Math.min(b.length, 4_000);
        for (int i = 0; i < shown; i++) {
            int c = b[i] & 0xFF;
            sb.append(c == '\n' || (c >= 32 && c < 127) ? String.valueOf((char) c) : String.format("<%02X>", c));
        }
        return shown < b.length ? sb + "... (" + b.length + " bytes)" : sb.toString();
    }
}
