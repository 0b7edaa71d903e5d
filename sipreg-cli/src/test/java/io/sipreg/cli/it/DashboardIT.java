package io.sipreg.cli.it;

import static io.sipreg.cli.it.RegistrarIT.addUser;
import static io.sipreg.cli.it.RegistrarIT.assertPasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromium-driver), against a real serve with the
 * admin token: a phone SIPp registers shows up without a reload, its history is drawn as a ladder, and the remove
 * button removes the binding from the server.
 */
class DashboardIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String DOMAIN = "dashboard.test";
    private static final String TOKEN = "dashboard-token-0123456789";
    private static final SipUser DESK = new SipUser("desk", DOMAIN, "desk-pass");
    private static final SipUser WRONG = new SipUser("desk", DOMAIN, "not-the-password");

    private Path data;
    private Path work;
    private ServerProcess server;
    private WebDriver browser;

    @BeforeEach
    void start() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium is not installed (apt-get install chromium chromium-driver); the dashboard is not checked");
        work = WorkDirectory.create("dashboard-it");
        data = work.resolve("data");
        addUser(data, DESK);
        server = ServerProcess.serve(data, DOMAIN, "--admin", "127.0.0.1:0", "--admin-token", TOKEN);
        var options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + work.resolve("profile"), "--window-size=1600,1200");
        var service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withLogFile(work.resolve("chromedriver.log").toFile()).build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void showsANewRegistrationLiveDrawsItsHistoryAndRemovesIt() throws Exception {
        AdminHttp admin = AdminHttp.of(server, TOKEN);
        // The token travels in the fragment, which the browser never sends; the page keeps it for the session.
        browser.get(admin.base() + "/#token=" + TOKEN);
        await("the live feed to connect", () -> browser.findElement(By.id("live")).getText().equals("live"));
        assertThat(browser.getTitle()).isEqualTo("sipreg dashboard");
        assertThat(browser.findElement(By.id("domain")).getText()).isEqualTo(DOMAIN);
        assertThat(rows()).isEmpty();

        assertPasses(Sipp.scenario("register-403.xml").target(server.udpPort()).users(WRONG).run());
        assertPasses(Sipp.scenario("register-401.xml").target(server.udpPort()).users(DESK).run());

        // No reload: the page hears of the new binding through its event stream.
        await("the binding to appear", () -> rows().size() == 1);
        WebElement row = rows().get(0);
        assertThat(row.getAttribute("data-aor")).isEqualTo(DESK.addressOfRecord());
        String contact = row.getAttribute("data-contact");
        assertThat(contact).startsWith("sip:desk@127.0.0.1:");
        assertThat(row.getText()).contains("udp 127.0.0.1:");
        await("the bindings count", () -> browser.findElement(By.id("stat-bindings")).getText().equals("1"));
        await("the latest attempts", () -> browser.findElements(By.cssSelector("#attempts li")).size() >= 4);

        row.findElement(By.cssSelector("a.aor")).click();
        await("the ladder", () -> browser.findElements(By.cssSelector("svg.ladder g.step")).size() >= 4);
        List<String> steps = browser.findElements(By.cssSelector("svg.ladder g.step")).stream()
                .map(g -> g.getAttribute("data-outcome")).toList();
        assertThat(steps).containsSubsequence("no-credentials", "wrong-password", "no-credentials", "registered");
        assertThat(browser.findElement(By.cssSelector("svg.ladder")).getText()).contains("403 Forbidden", "200 OK");
        await("a point on the registrations chart", () -> !browser.findElements(
                By.cssSelector("#chart-registrations polyline[data-series='registered']")).isEmpty());

        // Kept beside the test's other traces, to look at when the page is in doubt.
        Files.write(work.resolve("dashboard.png"),
                ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(org.openqa.selenium.OutputType.BYTES));

        WebElement remove = row.findElement(By.cssSelector("button.remove"));
        remove.click();
        assertThat(remove.getText()).isEqualTo("Confirm");
        remove.click();
        await("the row to go", () -> rows().isEmpty());

        CommandResult listed = ServerProcess.run("bindings", DESK.addressOfRecord(), "--json", "--data",
                data.toString());
        assertThat(listed.exitCode()).as(listed::toString).isZero();
        JsonNode bindings = new ObjectMapper().readTree(listed.stdout());
        assertThat(bindings).isEmpty();
        assertThat(server.output()).contains("DELETE /api/bindings?aor=" + AdminHttp.encode(DESK.addressOfRecord()));
    }

    private List<WebElement> rows() {
        return browser.findElements(By.cssSelector("#bindings tr.binding"));
    }

    /** Polls {@code condition} for up to 15 s; the page updates once a second. */
    private void await(String what, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.get()) {
                    return;
                }
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                // The table was redrawn under us; ask again.
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("waited 15 s for " + what + "; page:\n" + browser.getPageSource());
    }
}
