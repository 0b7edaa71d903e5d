package io.sipreg.cli;

import io.sipreg.analyzer.AnalysisListener;
import io.sipreg.analyzer.AnalyzerOptions;
import io.sipreg.analyzer.CaptureAnalyzer;
import io.sipreg.analyzer.HtmlReport;
import io.sipreg.analyzer.JsonReport;
import io.sipreg.analyzer.TextReport;
import io.sipreg.analyzer.UnusableCaptureException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = {"Explain the SIP registrations in capture files (pcap or pcapng, as written by tcpdump,"
                + " dumpcap or Wireshark, gzip-compressed or not): a ladder per registration attempt and keepalive"
                + " series, a plain-language diagnosis, and a summary.",
                "SIP is found by content on any port, over UDP and TCP, IPv4 and IPv6.",
                "FILE - reads a capture from standard input as it arrives, and reports each registration as soon as"
                        + " it is concluded: tcpdump -i any -U -w - udp port 5060 | sipreg analyze -",
                "Exit status: 0 when the files were analyzed (even if registrations failed), 2 when a file is not"
                        + " a capture."})
final class AnalyzeCommand implements Callable<Integer> {

    /** What the reports call standard input. */
    private static final String STANDARD_INPUT = "(standard input)";
    /** After Ctrl-C, how long the report of a piped capture may take to finish once the capture program has stopped. */
    private static final long FINISH_AFTER_INTERRUPT_SECONDS = 5;

    @Parameters(arity = "1..*", paramLabel = "FILE",
            description = "Capture files (pcap or pcapng); - for standard input.")
    List<Path> files;

    @Option(names = "--json", description = "Print one JSON document (an array of them for several files).")
    boolean json;

    @Option(names = "--html", paramLabel = "OUT.html",
            description = "Also write a self-contained HTML report with the ladders drawn as sequence diagrams.")
    Path html;

    @Option(names = "--filter", paramLabel = "AOR|CALL-ID",
            description = "Only the registrations of this address-of-record (alice@example.com) or Call-ID.")
    String filter;

    @Option(names = "--port", split = ",", paramLabel = "PORT",
            description = "Only packets from or to these ports (default: any port; SIP is detected by content).")
    List<Integer> ports;

    private static boolean isStandardInput(Path file) {
        return file.toString().equals("-");
    }

    @Override
    public Integer call() {
        var portSet = new HashSet<Integer>();
        for (int p : ports == null ? List.<Integer>of() : ports) {
            if (p < 1 || p > 65_535) {
                throw new UserError("--port " + p + ": a port is 1 to 65535");
            }
            portSet.add(p);
        }
        var options = new AnalyzerOptions(filter == null ? "" : filter.strip(), portSet, html != null);
        var out = new PrintStream(new BufferedOutputStream(System.out, 1 << 16), false, StandardCharsets.UTF_8);
        var listeners = new ArrayList<AnalysisListener>();
        JsonReport jsonReport = json ? new JsonReport(out, files.size()) : null;
        listeners.add(json ? jsonReport : new TextReport(out));
        HtmlReport htmlReport = html == null ? null : new HtmlReport(html);
        if (htmlReport != null) {
            listeners.add(htmlReport);
        }
        var listener = AnalysisListener.all(listeners);
        var analyzer = new CaptureAnalyzer(options);
        var finished = new CountDownLatch(1);
        if (files.stream().anyMatch(AnalyzeCommand::isStandardInput)) {
            // Ctrl-C in a terminal stops the capture program in the pipe too, which ends our input: let the report of
            // what was captured be finished then, rather than cut off.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    finished.await(FINISH_AFTER_INTERRUPT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sipreg-analyze-finish"));
        }
        try {
            return analyzeAll(analyzer, listener, out, jsonReport, htmlReport);
        } finally {
            finished.countDown();
        }
    }

    private int analyzeAll(CaptureAnalyzer analyzer, AnalysisListener listener, PrintStream out, JsonReport jsonReport,
                           HtmlReport htmlReport) {
        int exit = 0;
        for (Path file : files) {
            String name = isStandardInput(file) ? STANDARD_INPUT : file.toString();
            try {
                if (isStandardInput(file)) {
                    analyzer.analyze(System.in, name, listener);
                } else {
                    analyzer.analyze(file, listener);
                }
            } catch (UnusableCaptureException e) {
                out.flush();
                System.err.println("sipreg: " + e.getMessage());
                exit = 2;
            } catch (IOException e) {
                out.flush();
                System.err.println("sipreg: " + name + ": cannot read: " + e.getMessage());
                exit = 2;
            }
        }
        if (jsonReport != null) {
            jsonReport.close();
        }
        out.flush();
        if (htmlReport != null) {
            htmlReport.close();
            System.err.println("sipreg: HTML report written to " + html);
        }
        return exit;
    }
}
