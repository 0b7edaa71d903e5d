package io.sipreg.cli.it;

import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The ladder {@code sipreg register} prints, read as a user reads it: one line per message,
 * {@code   0.012  udp  127.0.0.1:40211 -> 127.0.0.1:5060  REGISTER sip:example.com  CSeq 1 REGISTER ...}, and the
 * outcome sentences between them.
 */
final class RegisterLadder {

    private RegisterLadder() {}

    /** A line for a message we sent to {@code 127.0.0.1:remotePort}, whose summary starts with {@code summary}. */
    static Pattern sent(Transport transport, int remotePort, String summaryRegex) {
        return message(transport, "->", remotePort, summaryRegex);
    }

    /** A line for a message we received from {@code 127.0.0.1:remotePort}. */
    static Pattern received(Transport transport, int remotePort, String summaryRegex) {
        return message(transport, "<-", remotePort, summaryRegex);
    }

    /** A line of the output that is not part of the ladder, e.g. {@code ^registered sip:alice@example.com for}. */
    static Pattern line(String regex) {
        return Pattern.compile(regex);
    }

    /**
     * Asserts that the output has, for each step in turn, a line after the previous step's line that contains a
     * match of it; returns those lines. Lines between the steps (a retransmitted 401, say) are allowed.
     */
    static List<String> assertInOrder(String output, Pattern... steps) {
        String[] lines = output.split("\n");
        var matched = new ArrayList<String>();
        int next = 0;
        for (Pattern step : steps) {
            int found = -1;
            for (int i = next; i < lines.length && found < 0; i++) {
                if (step.matcher(lines[i]).find()) {
                    found = i;
                }
            }
            if (found < 0) {
                fail("no line matching /" + step + "/ after " + (matched.isEmpty() ? "the start"
                        : "'" + matched.get(matched.size() - 1) + "'") + " in the output of sipreg register:\n"
                        + output);
            }
            matched.add(lines[found]);
            next = found + 1;
        }
        return matched;
    }

    private static Pattern message(Transport transport, String direction, int remotePort, String summaryRegex) {
        return Pattern.compile("^\\s*\\d+\\.\\d{3}  " + transport.uriParameter() + "\\s+127\\.0\\.0\\.1:\\d+ "
                + direction + " 127\\.0\\.0\\.1:" + remotePort + "  " + summaryRegex);
    }
}
