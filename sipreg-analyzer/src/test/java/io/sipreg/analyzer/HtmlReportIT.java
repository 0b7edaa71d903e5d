package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The HTML report in a real headless Chromium (Debian's chromium and chromium-driver), opened from a file with
 * no network: it renders, draws one lane per address, lists the findings, and shows a message when clicked.
 */
class HtmlReportIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path dir;
    private WebDriver browser;

    @BeforeEach
    void startChromium() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium is not installed (apt-get install chromium chromium-driver); the HTML report is not checked");
        var options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + dir.resolve("profile"), "--window-size=1600,1200");
        var service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withLogFile(dir.resolve("chromedriver.log").toFile()).build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stopChromium() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void drawsTheLaddersAndTheFindings() throws IOException {
        Path html = report("baresip-sipreg-udp.pcap", "nat-port-mismatch.pcap");
        browser.get(html.toUri().toString());

        assertThat(browser.getTitle()).startsWith("sipreg analyze: ");
        List<WebElement> ladders = browser.findElements(By.cssSelector("svg.ladder"));
        assertThat(ladders).hasSizeGreaterThanOrEqualTo(3);
        assertThat(ladders.get(0).getSize().getWidth()).isGreaterThan(400);
        assertThat(ladders.get(0).getSize().getHeight()).isGreaterThan(100);

        List<String> firstLanes = texts(ladders.get(0).findElements(By.cssSelector("text.lane-label")));
        assertThat(firstLanes).containsExactly("127.0.0.1:5062", "127.0.0.1:5080");
        List<String> natLanes = texts(browser.findElements(By.cssSelector("section.file:nth-of-type(2) text.lane-label")));
        assertThat(natLanes).contains("10.20.0.2:5060").anyMatch(l -> l.startsWith("10.20.0.1:40"))
                .contains("10.20.0.1:5070");

        List<String> codes = browser.findElements(By.cssSelector(".findings li.finding")).stream()
                .map(e -> e.getAttribute("data-code")).toList();
        assertThat(codes).contains("registered", "unregistered", "port-mismatch", "nat-detected");
        WebElement mismatch = browser.findElement(By.cssSelector(".findings li.finding[data-code='port-mismatch']"));
        assertThat(mismatch.getAttribute("class")).contains("error");
        assertThat(mismatch.isDisplayed()).isTrue();

        WebElement detail = browser.findElement(By.id("detail"));
        assertThat(detail.isDisplayed()).isFalse();
        ladders.get(0).findElements(By.cssSelector("g.msg")).get(0).click();
        for (int i = 0; i < 50 && !detail.isDisplayed(); i++) {
            sleep();
        }
        assertThat(detail.isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("detail-text")).getText())
                .contains("REGISTER sip:example.com", "Via: SIP/2.0/UDP 127.0.0.1:5062");
    }

    @Test // a proxy's two hops in one ladder; a finding about DNS frames, which are no SIP message to show
    void drawsThreeLanesForAProxyAndListsFindingsAboutTheFile() throws IOException {
        Path html = report("sipp-kamailio-proxy-sipreg.pcap", "dns-nxdomain.pcap");
        browser.get(html.toUri().toString());

        List<WebElement> ladders = browser.findElements(By.cssSelector("svg.ladder"));
        assertThat(ladders).isNotEmpty();
        assertThat(texts(ladders.get(0).findElements(By.cssSelector("text.lane-label"))))
                .containsExactly("127.0.0.1:5070", "127.0.0.1:5060", "127.0.0.1:5080");
        assertThat(ladders.get(0).findElements(By.cssSelector("g.msg"))).hasSize(8);

        WebElement dns = browser.findElement(By.cssSelector(".findings li.finding[data-code='dns-failed']"));
        assertThat(dns.getAttribute("class")).contains("error");
        assertThat(dns.getText()).contains("nowhere.test", "NXDOMAIN");
        // its frames are DNS packets: clicking one shows nothing rather than failing
        dns.findElements(By.cssSelector(".frames a")).get(0).click();
        assertThat(browser.findElement(By.id("detail")).isDisplayed()).isFalse();
        assertThat(browser.findElements(By.cssSelector(".findings li.finding")).stream()
                .map(e -> e.getAttribute("data-code")).toList()).doesNotContain("cseq-not-incremented");
    }

    private Path report(String... captures) throws IOException {
        Path html = dir.resolve("report.html");
        try (var report = new HtmlReport(html)) {
            var analyzer = new CaptureAnalyzer(new AnalyzerOptions("", java.util.Set.of(), true));
            for (String capture : captures) {
                analyzer.analyze(Captures.path(capture), report);
            }
        } catch (UnusableCaptureException e) {
            throw new AssertionError(e);
        }
        return html;
    }

    private static List<String> texts(List<WebElement> elements) {
        return elements.stream().map(WebElement::getText).toList();
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
