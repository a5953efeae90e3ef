package io.standings.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.standings.testing.RealServices;
import io.standings.testing.TestRun;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The live leaderboard page in headless Chromium (the OS packages chromium + chromedriver; skipped
 * with a message when they are missing): the top list follows events produced to the real broker
 * over SSE, and an entity lookup shows its neighbours. Screenshots go to target/screenshots/.
 */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = RealServices.AUTO_CREATE, value = "true"))
class LeaderboardPageIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    TestRun run;
    private WebDriver browser;
    private Path profile;

    @BeforeEach
    void startBrowser() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Headless Chromium is not installed (apt-get install -y chromium chromium-driver): page test skipped");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        profile = Files.createTempDirectory("standings-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1024,900", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @Test
    void theTopListUpdatesLiveAndALookupShowsTheNeighbours() throws IOException {
        send("alice", 120);
        send("bob", 95);
        send("carol", 80);
        send("dave", 64);
        send("<i>eve", 50);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                RestAssured.given().get("/api/v1/boards/arena").then().statusCode(200)
                        .body("entries", org.hamcrest.Matchers.equalTo(5)));

        browser.get("http://localhost:" + RestAssured.port + "/?board=arena");
        await().atMost(Duration.ofSeconds(15)).until(() -> topEntities().size() == 5);
        assertThat(topEntities()).containsExactly("alice", "bob", "carol", "dave", "<i>eve");
        assertThat(browser.findElement(By.id("status")).getText()).isEqualTo("live");

        send("mallory", 150);
        await().atMost(Duration.ofSeconds(15)).until(() -> !topEntities().isEmpty() && topEntities().get(0).equals("mallory"));
        assertThat(topEntities()).hasSize(6);
        assertThat(firstRank()).isEqualTo("1");

        WebElement input = browser.findElement(By.id("entity"));
        input.sendKeys("carol");
        browser.findElement(By.cssSelector("#find button")).click();
        await().atMost(Duration.ofSeconds(15)).until(() -> browser.findElement(By.id("found")).getText().contains("rank 4"));
        List<String> around = browser.findElements(By.cssSelector("#around tbody tr td.entity")).stream()
                .map(WebElement::getText).toList();
        // radius 3 around carol (rank 4 of 6): mallory, alice, bob above; dave, eve below.
        assertThat(around).containsExactly("mallory", "alice", "bob", "carol", "dave", "<i>eve");
        assertThat(browser.findElement(By.cssSelector("#around tr.me td.entity")).getText()).isEqualTo("carol");

        // carol is overtaken: her entry stream refreshes the neighbourhood.
        send("trent", 90);
        await().atMost(Duration.ofSeconds(15)).until(() -> browser.findElement(By.id("found")).getText().contains("rank 5"));
        screenshot("leaderboard-desktop.png");

        browser.manage().window().setSize(new Dimension(390, 844));
        screenshot("leaderboard-phone.png");
        Long overflow = (Long) ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(overflow).as("no horizontal scrolling on a phone").isLessThanOrEqualTo(0L);
    }

    private List<String> topEntities() {
        return browser.findElements(By.cssSelector("#top tbody tr td.entity")).stream().map(WebElement::getText).toList();
    }

    private String firstRank() {
        return browser.findElement(By.cssSelector("#top tbody tr td.num")).getText();
    }

    private void screenshot(String name) throws IOException {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private void send(String entity, double value) {
        run.send("arena/" + entity, "{\"board\":\"arena\",\"entity\":\"" + entity + "\",\"op\":\"set\",\"value\":" + value
                + "}");
    }
}
