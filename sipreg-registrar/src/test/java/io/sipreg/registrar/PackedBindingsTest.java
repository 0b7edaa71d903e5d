package io.sipreg.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PackedBindingsTest {

    private static Binding binding(String aor, String contactUri, long expiresAt, boolean nat, String userAgent) {
        return new Binding(aor, contactUri, "<" + contactUri + ">;+sip.instance=\"<urn:uuid:1>\"", expiresAt, 500,
                "call-" + contactUri, 7, "198.51.100.7:40211", "UDP", "192.0.2.1:5060", 12, nat, userAgent,
                "urn:uuid:1", 1, List.of(), 1_000, 2_000);
    }

    @Test
    void aBindingReadBackEqualsTheOneWritten() {
        var table = new PackedBindings();
        Binding plain = binding("sip:alice@example.com", "sip:alice@10.0.0.1:5060", 60_000, true, "baresip");
        Binding wide = new Binding("sip:\u0101lice@example.com", "sip:a@h", "\"\u4e2d\" <sip:a@h>", 5, Binding.Q_ABSENT,
                "c", 1, "[2001:db8::1]:5060", "TLS", "[::]:5061", 0, false, "", "", 0,
                List.of("<sip:p1@h;lr>", "<sip:\u4e2d@h;lr>"), 0, 0);

        table.update("sip:alice@example.com", none -> List.of(plain));
        table.update("sip:\u0101lice@example.com", none -> List.of(wide));

        assertThat(table.get("sip:alice@example.com")).containsExactly(plain);
        assertThat(table.get("sip:\u0101lice@example.com")).containsExactly(wide);
        assertThat(table.get("sip:bob@example.com")).isNull();
        assertThat(table.size()).isEqualTo(2);
        assertThat(table.count(10)).isEqualTo(new BindingCount(1, 1));
    }

    @Test
    void aRecordLargerThanASegmentGetsAnArrayOfItsOwn() {
        var table = new PackedBindings();
        var many = new ArrayList<Binding>();
        String longUri = "sip:alice@" + "h".repeat(15_000) + ".example.com";
        for (int i = 0; i < 40; i++) {
            many.add(binding("sip:alice@example.com", longUri + ";n=" + i, 60_000, false, "phone"));
        }

        table.update("sip:alice@example.com", none -> many);
        table.update("sip:bob@example.com", none -> List.of(binding("sip:bob@example.com", "sip:b@h", 1, false, "")));

        assertThat(table.get("sip:alice@example.com")).isEqualTo(many);
        table.update("sip:alice@example.com", all -> null);
        assertThat(table.get("sip:alice@example.com")).isNull();
        assertThat(table.footprint()[0]).isLessThan(2L * PackedBindings.SEGMENT_BYTES);
    }

    @Test // a refresh storm: every AOR rewritten again and again; dead records must be reclaimed, none lost
    void matchesAMapThroughRefreshesRemovalsPurgesAndCompaction() {
        var table = new PackedBindings();
        Map<String, List<Binding>> model = new HashMap<>();
        var random = new Random(7);
        int aors = 20_000;
        for (int round = 0; round < 300_000; round++) {
            String aor = "sip:u" + random.nextInt(aors) + "@load.test";
            int op = random.nextInt(20);
            List<Binding> next;
            if (op == 0) {
                next = null;
            } else {
                int n = op < 17 ? 1 : 1 + random.nextInt(4);
                next = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    next.add(binding(aor, "sip:d" + i + "@10.1." + random.nextInt(255) + ".1:" + (5060 + round % 9),
                            random.nextInt(1_000_000), random.nextBoolean(), "ua-" + random.nextInt(5)));
                }
            }
            List<Binding> written = next;
            table.update(aor, before -> {
                assertThat(before).isEqualTo(model.get(aor));
                return written;
            });
            if (next == null) {
                model.remove(aor);
            } else {
                model.put(aor, next);
            }
            if (round % 50_000 == 49_999) {
                long now = round * 3L;
                int expected = 0;
                for (var entry : new ArrayList<>(model.entrySet())) {
                    var kept = entry.getValue().stream().filter(b -> !b.isExpiredAt(now)).toList();
                    expected += entry.getValue().size() - kept.size();
                    if (kept.isEmpty()) {
                        model.remove(entry.getKey());
                    } else {
                        model.put(entry.getKey(), kept);
                    }
                }
                long[] earliest = {Long.MAX_VALUE};
                assertThat(table.purgeExpired(now, t -> earliest[0] = Math.min(earliest[0], t))).isEqualTo(expected);
                assertThat(earliest[0]).isGreaterThan(now);
            }
        }

        for (var entry : model.entrySet()) {
            assertThat(table.get(entry.getKey())).as(entry.getKey()).isEqualTo(entry.getValue());
        }
        assertThat(table.all()).hasSize(model.size());
        assertThat(table.size()).isEqualTo(model.values().stream().mapToInt(List::size).sum());
        long[] footprint = table.footprint();
        assertThat(footprint[0]).as("segments held vs live records")
                .isLessThanOrEqualTo(footprint[1] * 3 / 2 + 5L * PackedBindings.SEGMENT_BYTES);
    }
}
