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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = {"Explain the SIP registrations in capture files (pcap or pcapng, as written by tcpdump,"
                + " dumpcap or Wireshark): a ladder per registration attempt and keepalive series, a plain-language"
                + " diagnosis, and a summary.",
                "SIP is found by content on any port, over UDP and TCP, IPv4 and IPv6.",
                "Exit status: 0 when the files were analyzed (even if registrations failed), 2 when a file is not"
                        + " a capture."})
final class AnalyzeCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Capture files (pcap or pcapng).")
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
        int exit = 0;
        for (Path file : files) {
            try {
                analyzer.analyze(file, listener);
            } catch (UnusableCaptureException e) {
                out.flush();
                System.err.println("sipreg: " + e.getMessage());
                exit = 2;
            } catch (IOException e) {
                out.flush();
                System.err.println("sipreg: " + file + ": cannot read: " + e.getMessage());
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
