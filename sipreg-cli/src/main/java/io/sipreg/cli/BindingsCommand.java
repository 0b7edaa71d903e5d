package io.sipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.sipreg.admin.BindingJson;
import io.sipreg.registrar.Binding;
import io.sipreg.registrar.PostgresStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bindings", mixinStandardHelpOptions = true,
        description = {"Print the current bindings (works while serve runs on the same data directory or database,"
                + " and after; with the admin server on, serve is asked through its API).",
                "Columns: AOR, contact, remaining seconds, q, Call-ID, CSeq, source (transport and the address the"
                        + " REGISTER came from), NAT (the device is behind NAT), NODE (with a shared store: the node"
                        + " holding its flow), User-Agent."})
final class BindingsCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "AOR", description = "Only this address-of-record, e.g. sip:alice@example.com.")
    String aor;

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    boolean json;

    @Mixin
    DataOption data;

    @Mixin
    AdminOption admin;

    @Override
    public Integer call() throws Exception {
        Optional<AdminClient> client = AdminClient.locate(admin, data.directory);
        if (client.isPresent()) {
            String query = "/api/bindings?limit=0" + (aor == null ? "" : "&aor=" + AdminClient.encode(normalise(aor)));
            Optional<JsonNode> answer = client.get().get(query);
            if (answer.isPresent()) {
                JsonNode bindings = answer.get().path("bindings");
                if (json) {
                    System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(bindings));
                } else {
                    var rows = new ArrayList<String[]>();
                    rows.add(HEADER);
                    for (JsonNode b : bindings) {
                        rows.add(new String[] {b.path("aor").asText(), b.path("contact").asText(),
                                b.path("expires").asText(), b.path("q").asText(), b.path("callId").asText(),
                                b.path("cseq").asText(), b.path("transport").asText().toLowerCase(java.util.Locale.ROOT)
                                + " " + b.path("source").asText(), b.path("nat").asBoolean() ? "yes" : "no",
                                b.path("userAgent").asText()});
                    }
                    printRows(rows);
                }
                return 0;
            }
        }
        List<Binding> bindings;
        // With a shared store, each binding's node: the one that sends its keepalives.
        Map<Binding, String> nodes = new IdentityHashMap<>();
        try (var store = data.openExisting()) {
            Optional<String> only = aor == null ? Optional.empty() : Optional.of(normalise(aor));
            if (store instanceof PostgresStore shared) {
                bindings = new ArrayList<>();
                for (PostgresStore.Placed p : shared.placed(only)) {
                    bindings.add(p.binding());
                    nodes.put(p.binding(), p.node());
                }
            } else {
                bindings = only.map(store::bindings).orElseGet(store::all);
            }
        }
        Instant now = Instant.now();
        if (json) {
            printJson(bindings, nodes, now);
        } else {
            printTable(bindings, nodes, now);
        }
        return 0;
    }

    /** The NODE column goes before USER-AGENT, which is last because it is free text. */
    private static String[] withNode(boolean shared, String node, String[] row) {
        if (!shared) {
            return row;
        }
        String[] longer = Arrays.copyOf(row, row.length + 1);
        longer[row.length - 1] = node;
        longer[row.length] = row[row.length - 1];
        return longer;
    }

    private static String normalise(String aor) {
        String a = aor.strip();
        if (a.startsWith("<") && a.endsWith(">")) {
            a = a.substring(1, a.length() - 1);
        }
        if (!a.regionMatches(true, 0, "sip:", 0, 4) && !a.regionMatches(true, 0, "sips:", 0, 5)) {
            a = "sip:" + a;
        }
        try {
            return io.sipreg.message.SipUri.parse(a).toAddressOfRecord();
        } catch (RuntimeException e) {
            throw new UserError("'" + aor + "' is not a SIP address-of-record");
        }
    }

    private static void printJson(List<Binding> bindings, Map<Binding, String> nodes, Instant now) throws Exception {
        var mapper = new ObjectMapper();
        ArrayNode array = mapper.createArrayNode();
        for (Binding b : bindings) {
            var o = BindingJson.put(array.addObject(), b, now);
            if (nodes.containsKey(b)) {
                o.put("node", nodes.get(b));
            }
        }
        System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(array));
    }

    private static void printTable(List<Binding> bindings, Map<Binding, String> nodes, Instant now) {
        var rows = new ArrayList<String[]>();
        boolean shared = !nodes.isEmpty();
        rows.add(withNode(shared, "NODE",
                HEADER));
        for (Binding b : bindings) {
            rows.add(withNode(shared, nodes.get(b), new String[] {b.aor(), b.contactUri(),
                    Long.toString(b.remainingSeconds(now)), b.qText(), b.callId(), Long.toString(b.cseq()),
                    b.transport().toLowerCase(java.util.Locale.ROOT) + " " + b.source(), b.nat() ? "yes" : "no",
                    b.userAgent()}));
        }
        printRows(rows);
    }

    /** The table, {@code rows} starting with its header. */
    private static void printRows(List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            var sb = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                sb.append(i == row.length - 1 ? row[i] : String.format("%-" + widths[i] + "s  ", row[i]));
            }
            System.out.println(sb.toString().stripTrailing());
        }
        if (rows.size() == 1) {
            System.out.println("(no bindings)");
        }
    }

    private static final String[] HEADER =
            {"AOR", "CONTACT", "EXPIRES", "Q", "CALL-ID", "CSEQ", "SOURCE", "NAT", "USER-AGENT"};
}
