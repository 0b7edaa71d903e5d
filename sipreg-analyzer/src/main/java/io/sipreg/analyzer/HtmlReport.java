package io.sipreg.analyzer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * A single self-contained HTML file: the findings on top, then each conversation as an SVG sequence diagram with
 * one lane per address; clicking a message shows it in full. No script, style or font is loaded from anywhere,
 * so it opens offline and can be mailed. A report on a huge capture keeps the first {@link #MAX_CONVERSATIONS}
 * conversations and says so.
 */
public final class HtmlReport implements AnalysisListener, AutoCloseable {
    static final int MAX_CONVERSATIONS = 500;
    private static final int MAX_EVENTS = 300;
    private static final int LANE_WIDTH = 230;
    private static final int ROW_HEIGHT = 34;
    private static final int LEFT = 150;
    private static final int TOP = 50;

    private record FileSection(String file, String format, List<Conversation> conversations, List<Finding> findings,
                               Summary summary, int dropped) {
    }

    private final Path target;
    private final List<FileSection> sections = new ArrayList<>();
    private String file;
    private String format;
    private List<Conversation> conversations;
    private List<Finding> fileFindings;
    private int dropped;

    public HtmlReport(Path target) {
        this.target = target;
    }

    @Override
    public void start(String name, String captureFormat) {
        file = name;
        format = captureFormat;
        conversations = new ArrayList<>();
        fileFindings = new ArrayList<>();
        dropped = 0;
    }

    @Override
    public void conversation(Conversation c) {
        if (conversations.size() < MAX_CONVERSATIONS) {
            conversations.add(c);
        } else {
            dropped++;
        }
    }

    @Override
    public void finding(Finding f) {
        if (fileFindings.size() < MAX_CONVERSATIONS) {
            fileFindings.add(f);
        }
    }

    @Override
    public void end(Summary summary) {
        sections.add(new FileSection(file, format, conversations, fileFindings, summary, dropped));
    }

    /** Writes the file. */
    @Override
    public void close() {
        try (Writer w = Files.newBufferedWriter(target, StandardCharsets.UTF_8)) {
            w.write(render());
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write the HTML report", e);
        }
    }

    String render() {
        var h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>sipreg analyze: ")
                .append(esc(sections.isEmpty() ? "" : sections.get(0).file())).append("</title>\n<style>\n")
                .append(STYLE).append("</style></head>\n<body>\n");
        h.append("<h1>SIP registration analysis</h1>\n");
        var messages = new StringBuilder("{");
        int sectionIndex = 0;
        for (FileSection s : sections) {
            sectionIndex++;
            Summary sum = s.summary();
            h.append("<section class=\"file\"><h2 class=\"file-name\">").append(esc(s.file())).append("</h2>\n<p class=\"summary\">")
                    .append(esc(s.format())).append(" &middot; ").append(sum.packets()).append(" packets &middot; ")
                    .append(sum.sipMessages()).append(" SIP messages &middot; outcomes: ");
            var outcomes = new ArrayList<String>();
            new TreeMap<>(sum.outcomes()).forEach((k, v) -> outcomes.add(esc(k) + " " + v));
            h.append(outcomes.isEmpty() ? "none" : String.join(", ", outcomes)).append("</p>\n");
            h.append("<div class=\"findings\"><h3>Findings</h3>\n<ul>\n");
            int count = 0;
            for (Finding f : s.findings()) {
                finding(h, f, "", sectionIndex);
                count++;
            }
            int convIndex = 0;
            for (Conversation c : s.conversations()) {
                convIndex++;
                for (Finding f : c.findings()) {
                    finding(h, f, "#" + convIndex + " ", sectionIndex);
                    count++;
                }
            }
            if (count == 0) {
                h.append("<li class=\"none\">No findings.</li>\n");
            }
            h.append("</ul></div>\n");
            if (s.dropped() > 0) {
                h.append("<p class=\"note\">").append(s.dropped()).append(" more conversations are not drawn; use --filter"
                        + " to pick one.</p>\n");
            }
            convIndex = 0;
            for (Conversation c : s.conversations()) {
                convIndex++;
                conversation(h, messages, c, sectionIndex, convIndex);
            }
            h.append("</section>\n");
        }
        if (messages.length() > 1) {
            messages.setLength(messages.length() - 1);
        }
        messages.append('}');
        h.append("<div id=\"detail\" class=\"detail\" hidden><div class=\"detail-head\"><span id=\"detail-title\"></span>"
                + "<button id=\"detail-close\" type=\"button\">close</button></div><pre id=\"detail-text\"></pre></div>\n");
        h.append("<script type=\"application/json\" id=\"messages\">")
                .append(messages.toString().replace("</", "<\\/")).append("</script>\n");
        h.append("<script>\n").append(SCRIPT).append("</script>\n</body></html>\n");
        return h.toString();
    }

    private static void finding(StringBuilder h, Finding f, String where, int section) {
        h.append("<li class=\"finding ").append(f.severity().lowerCase()).append("\" data-code=\"").append(esc(f.code()))
                .append("\"><span class=\"sev\">").append(f.severity().lowerCase()).append("</span> <code>")
                .append(esc(f.code())).append("</code> ").append(esc(where)).append(esc(f.message()));
        if (!f.frames().isEmpty()) {
            h.append(" <span class=\"frames\">frames");
            int shown = 0;
            for (long frame : f.frames()) {
                if (shown++ == 20) {
                    h.append(" &hellip;");
                    break;
                }
                h.append(" <a href=\"#f").append(section).append('-').append(frame).append("\" data-frame=\"")
                        .append(section).append('-').append(frame).append("\">").append(frame).append("</a>");
            }
            h.append("</span>");
        }
        h.append("</li>\n");
    }

    private static void conversation(StringBuilder h, StringBuilder messages, Conversation c, int section, int index) {
        List<LadderEvent> events = c.events().size() > MAX_EVENTS ? c.events().subList(0, MAX_EVENTS) : c.events();
        List<Endpoint> lanes = LadderPrinter.lanes(c, events);
        int width = LEFT + lanes.size() * LANE_WIDTH + 320;
        int height = TOP + events.size() * ROW_HEIGHT + 20;
        h.append("<section class=\"conversation\" id=\"c").append(section).append('-').append(index).append("\"><h3>#")
                .append(index).append(' ').append(esc(c.title())).append("</h3>\n<p class=\"outcome ")
                .append(esc(c.outcome())).append("\">outcome: <b>").append(esc(c.outcome())).append("</b>");
        if (c.challenge() > 0) {
            h.append(" &middot; challenge ").append(c.challenge());
        }
        if (c.setupMs() >= 0) {
            h.append(" &middot; setup ").append(c.setupMs()).append(" ms");
        }
        h.append(" &middot; ").append(esc(Instant.ofEpochSecond(0, c.events().get(0).timeNanos()).toString())).append("</p>\n");
        h.append("<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\">\n");
        h.append("<defs><marker id=\"arrow").append(section).append('-').append(index)
                .append("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">"
                        + "<path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n");
        for (int i = 0; i < lanes.size(); i++) {
            int x = laneX(i);
            h.append("<text class=\"lane-label\" x=\"").append(x).append("\" y=\"20\" text-anchor=\"middle\">")
                    .append(esc(c.laneLabel(lanes.get(i)))).append("</text>");
            h.append("<line class=\"lane\" x1=\"").append(x).append("\" y1=\"30\" x2=\"").append(x).append("\" y2=\"")
                    .append(height - 5).append("\"/>\n");
        }
        long t0 = events.get(0).timeNanos();
        int row = 0;
        for (LadderEvent e : events) {
            int y = TOP + row * ROW_HEIGHT + 14;
            int x1 = laneX(lanes.indexOf(c.lane(e.source())));
            int x2 = laneX(lanes.indexOf(c.lane(e.destination())));
            String id = section + "-" + e.frame();
            String kind = e instanceof IcmpUnreachable ? "icmp" : ((CapturedMessage) e).isRequest() ? "request" : "response";
            if (e instanceof CapturedMessage m && !m.violations().isEmpty()) {
                kind += " malformed";
            }
            h.append("<g class=\"msg ").append(kind).append("\" id=\"f").append(id).append("\" data-frame=\"").append(id)
                    .append("\" tabindex=\"0\">");
            h.append("<rect class=\"hit\" x=\"0\" y=\"").append(y - 22).append("\" width=\"").append(width)
                    .append("\" height=\"").append(ROW_HEIGHT - 4).append("\"/>");
            h.append("<text class=\"time\" x=\"8\" y=\"").append(y + 4).append("\">")
                    .append(String.format(Locale.ROOT, "%.3f", (e.timeNanos() - t0) / 1e9)).append(" s  #").append(e.frame())
                    .append("</text>");
            h.append("<line class=\"arrow\" x1=\"").append(x1).append("\" y1=\"").append(y).append("\" x2=\"").append(x2)
                    .append("\" y2=\"").append(y).append("\" marker-end=\"url(#arrow").append(section).append('-')
                    .append(index).append(")\"/>");
            h.append("<text class=\"label\" x=\"").append((x1 + x2) / 2).append("\" y=\"").append(y - 5)
                    .append("\" text-anchor=\"middle\">").append(esc(LadderPrinter.label(e))).append("</text>");
            h.append("<text class=\"details\" x=\"").append(laneX(lanes.size() - 1) + 14).append("\" y=\"").append(y + 4)
                    .append("\">").append(esc(shorten(LadderPrinter.details(e), 60))).append("</text>");
            h.append("</g>\n");
            messages.append('"').append(id).append("\":\"").append(jsonEscape(fullText(e))).append("\",");
            row++;
        }
        h.append("</svg>\n");
        if (events.size() < c.events().size()) {
            h.append("<p class=\"note\">").append(c.events().size() - events.size()).append(" more messages not drawn.</p>\n");
        }
        h.append("<ul class=\"conv-findings\">");
        for (Finding f : c.findings()) {
            h.append("<li class=\"").append(f.severity().lowerCase()).append("\"><code>").append(esc(f.code()))
                    .append("</code> ").append(esc(f.message())).append("</li>");
        }
        h.append("</ul></section>\n");
    }

    private static String fullText(LadderEvent e) {
        if (e instanceof IcmpUnreachable u) {
            return "ICMP " + u.reason() + " from " + u.reporter().address() + "\nquoting a " + u.quotedTransport().lowerCase()
                    + " packet " + u.quotedSource() + " -> " + u.quotedDestination() + "\n\n"
                    + new String(u.quotedPayload(), StandardCharsets.UTF_8);
        }
        var m = (CapturedMessage) e;
        var sb = new StringBuilder();
        sb.append("frame ").append(m.frame()).append("  ").append(m.transport().lowerCase()).append(' ')
                .append(m.source()).append(" -> ").append(m.destination()).append('\n');
        for (var v : m.violations()) {
            sb.append("! ").append(v.getMessage()).append('\n');
        }
        sb.append('\n').append(m.raw().length > 0 ? m.text() : "(message text not kept)");
        return sb.toString();
    }

    private static int laneX(int lane) {
        return LEFT + lane * LANE_WIDTH + LANE_WIDTH / 2 - 40;
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
    }

    static String esc(String s) {
        var sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String jsonEscape(String s) {
        var sb = new StringBuilder(s.length() + 32);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static final String STYLE = """
            body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
            h1 { font-size: 1.4em; } h2 { font-size: 1.2em; margin-top: 1.5em; } h3 { font-size: 1.05em; }
            .summary, .outcome, .note { color: #555; }
            .findings ul, .conv-findings { list-style: none; padding-left: 0; }
            .finding, .conv-findings li { margin: .3em 0; padding: .3em .6em; border-left: 4px solid #999; background: #f7f7f7; }
            .error { border-left-color: #c62828 !important; } .warning { border-left-color: #ef8f00 !important; }
            .info { border-left-color: #2e7d32 !important; }
            .sev { font-weight: bold; text-transform: uppercase; font-size: .8em; }
            .finding.error .sev { color: #c62828; } .finding.warning .sev { color: #b36b00; } .finding.info .sev { color: #2e7d32; }
            .frames a { margin-left: .2em; }
            svg.ladder { display: block; margin: .5em 0; font: 12px monospace; }
            .lane { stroke: #888; stroke-dasharray: 4 3; } .lane-label { font-weight: bold; fill: #333; }
            .arrow { stroke: #1565c0; stroke-width: 1.5; } marker path { fill: #1565c0; }
            .response .arrow { stroke: #2e7d32; } .icmp .arrow { stroke: #c62828; stroke-dasharray: 5 3; }
            .malformed .label { fill: #c62828; }
            .label { fill: #111; } .time, .details { fill: #666; }
            .hit { fill: transparent; } .msg { cursor: pointer; } .msg:hover .hit, .msg.selected .hit { fill: #fff3c4; }
            .detail { position: fixed; right: 1em; bottom: 1em; width: min(46em, 60vw); max-height: 70vh; overflow: auto;
                      background: #fff; border: 1px solid #888; box-shadow: 0 2px 12px rgba(0,0,0,.25); }
            .detail-head { display: flex; justify-content: space-between; padding: .3em .6em; background: #eee; }
            .detail pre { margin: 0; padding: .6em; font: 12px monospace; white-space: pre-wrap; }
            """;

    private static final String SCRIPT = """
            (function () {
              var messages = JSON.parse(document.getElementById('messages').textContent);
              var panel = document.getElementById('detail');
              var selected = null;
              function show(id) {
                var text = messages[id];
                if (text === undefined) { return; }
                if (selected) { selected.classList.remove('selected'); }
                selected = document.getElementById('f' + id);
                if (selected) { selected.classList.add('selected'); }
                document.getElementById('detail-title').textContent = 'frame ' + id.split('-')[1];
                document.getElementById('detail-text').textContent = text;
                panel.hidden = false;
              }
              document.querySelectorAll('g.msg').forEach(function (g) {
                g.addEventListener('click', function () { show(g.dataset.frame); });
                g.addEventListener('keydown', function (e) { if (e.key === 'Enter') { show(g.dataset.frame); } });
              });
              document.querySelectorAll('.frames a').forEach(function (a) {
                a.addEventListener('click', function () { show(a.dataset.frame); });
              });
              document.getElementById('detail-close').addEventListener('click', function () { panel.hidden = true; });
            })();
            """;
}
