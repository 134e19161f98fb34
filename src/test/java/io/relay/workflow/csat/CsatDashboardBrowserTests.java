package io.relay.workflow.csat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import io.relay.support.WebhookClient;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The page in a real browser (Debian's headless Chromium driven by Selenium): it loads behind the admin login,
 * shows the figures, and a signed {@code satisfaction.answered} posted to the webhook appears on it without a
 * reload. Skipped only when {@code /usr/bin/chromium} is absent; CI installs it ({@code .ci/run}).
 * <p>
 * It also takes the screenshot of the docs: {@code -Drelay.screenshots=docs/images} writes it there
 * (otherwise under {@code target/screenshots}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.security.user.name=" + AdminHttp.USER, "spring.security.user.password=" + AdminHttp.PASSWORD,
				"relay.dispatch.poll-interval=50ms", "relay.workflows.csat-dashboard.default-days=14",
				"relay.workflows.csat-dashboard.comments-shown=6",
				"spring.datasource.url=jdbc:h2:mem:csat-browser;DB_CLOSE_DELAY=-1" })
class CsatDashboardBrowserTests {

	private static final Logger logger = LoggerFactory.getLogger(CsatDashboardBrowserTests.class);

	/** Debian's paths, unless {@code RELAY_CHROMIUM} and {@code RELAY_CHROMEDRIVER} say otherwise (.ci/run sets them). */
	private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("RELAY_CHROMIUM", "/usr/bin/chromium"));

	private static final Path CHROMEDRIVER = Path
		.of(System.getenv().getOrDefault("RELAY_CHROMEDRIVER", "/usr/bin/chromedriver"));

	/**
	 * Relay's clock and the test's: the wall clock moved to noon (UTC) of today, so that no run crosses midnight
	 * between seeding two weeks of answers and counting them on the page (the range's first day would drop out).
	 */
	static final Clock NOON = Clock.offset(Clock.systemUTC(),
			Duration.between(Instant.now(), LocalDate.now(ZoneOffset.UTC).atTime(LocalTime.NOON).toInstant(ZoneOffset.UTC)));

	private static @Nullable ChromeDriver browser;

	@LocalServerPort
	int port;

	@Autowired
	DashboardUpdates updates;

	@TestConfiguration(proxyBeanMethods = false)
	static class NoonClock {

		@Bean
		@Primary
		Clock noonClock() {
			return NOON;
		}

	}

	@BeforeAll
	static void startBrowser() {
		String missing = CHROMIUM + " or " + CHROMEDRIVER + " is absent. Install Debian's chromium and chromium-driver "
				+ "(apt-get install -y chromium chromium-driver, as .ci/run does) to run the browser tests";
		boolean present = Files.exists(CHROMIUM) && Files.exists(CHROMEDRIVER);
		// In CI (.ci/run sets RELAY_REQUIRE_BROWSER) a missing browser fails the build instead of skipping quietly.
		if ("1".equals(System.getenv("RELAY_REQUIRE_BROWSER"))) {
			assertThat(present).as(missing).isTrue();
		}
		assumeTrue(present, "Skipped: " + missing);
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
				"--disable-background-networking", "--no-first-run", "--window-size=1280,1000", "--lang=en-US");
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		browser = new ChromeDriver(service, options);
		browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
	}

	@AfterAll
	static void stopBrowser() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void theOpenPageShowsASignedAnswerWithoutReload() throws IOException {
		ChromeDriver browser = browser();
		WebhookClient webhook = WebhookClient.onPort(this.port);
		AdminHttp http = new AdminHttp(this.port);
		int answers = seed(webhook);
		await("the seeded answers counted").atMost(Duration.ofSeconds(60))
			.until(() -> csatCount(http.json("/dashboard/api/summary")) == answers);

		// Every Content-Security-Policy violation of the pages to come, recorded before any of their scripts runs.
		browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", """
				window.cspViolations = [];
				document.addEventListener('securitypolicyviolation',
				    (violation) => window.cspViolations.push(violation.violatedDirective + ' ' + violation.blockedURI));
				"""));
		// A manager on the other side of the world: at noon UTC it is already tomorrow in Auckland.
		browser.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", "Pacific/Auckland"));
		// The admin login in the URL: Chromium authenticates the page with it, then its same-origin requests.
		browser.get("http://" + AdminHttp.USER + ":" + AdminHttp.PASSWORD + "@127.0.0.1:" + this.port + "/dashboard");
		await("the page live with the figures").atMost(Duration.ofSeconds(20))
			.until(() -> "live".equals(state(browser)) && text(browser, "csat-count").equals(Integer.toString(answers)));
		assertThat(text(browser, "csat-satisfied")).matches("\\d{1,3}\\.\\d");
		assertThat(browser.executeScript("return typeof Chart")).isEqualTo("function");
		assertThat(browser.executeScript("return Object.keys(window.relayDashboard.charts).length")).isEqualTo(3L);
		assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
		assertThat(browser.findElements(By.cssSelector("#by-channel tr"))).hasSizeGreaterThan(2);
		assertThat(browser.getPageSource()).doesNotContain(AdminHttp.PASSWORD, WebhookClient.SECRET);
		assertThat(browser.executeScript("return window.cspViolations")).as("blocked by the Content-Security-Policy")
			.asInstanceOf(InstanceOfAssertFactories.LIST)
			.isEmpty();
		browser.executeScript("window.sameDocument = true");

		String conversation = UUID.randomUUID().toString();
		String comment = "Answered while the page was open: <b>thanks</b> & goodbye "
				+ "<img src=x onerror='window.pwned=1'><script>window.pwned=2</script>";
		OffsetDateTime now = OffsetDateTime.now(NOON);
		Instant posted = Instant.now();
		assertThat(webhook.deliver(satisfaction(conversation, "\"customerSatisfaction\": 5", now)).statusCode())
			.isEqualTo(202);
		assertThat(webhook.deliver(satisfaction(conversation, "\"satisfactionComment\": \"" + comment + "\"",
				now.plusSeconds(1))).statusCode()).isEqualTo(202);

		await("the new answer on the open page").atMost(Duration.ofSeconds(15))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> text(browser, "csat-count").equals(Integer.toString(answers + 1))
					&& firstComment(browser).equals(comment));
		logger.info("The answer was on the page {} ms after it was posted",
				Duration.between(posted, Instant.now()).toMillis());
		assertThat(browser.executeScript("return window.sameDocument === true")).as("no reload").isEqualTo(true);
		// A visitor's text stays text: no element made of it, nothing of it run.
		assertThat(browser.findElements(By.cssSelector("#comments b, #comments img, #comments script"))).isEmpty();
		assertThat(browser.executeScript("return typeof window.pwned")).isEqualTo("undefined");
		// Its time in the dashboard's zone (UTC), named, on the day it counts on: not the browser's tomorrow.
		String day = now.toLocalDate().format(DateTimeFormatter.ofPattern("M/d/yyyy"));
		assertThat(String.valueOf(browser.executeScript("return document.querySelector('#comments li .meta').textContent")))
			.startsWith(day + ", 12:")
			.contains(" UTC");
		assertThat(text(browser, "updated")).endsWith(" UTC");
		assertThat(browser.executeScript("return window.cspViolations")).asInstanceOf(InstanceOfAssertFactories.LIST)
			.isEmpty();

		screenshot(browser, "csat-dashboard.png");
	}

	@Test
	void aPageWhoseStreamIsRefusedReconnectsOnItsOwn() {
		ChromeDriver browser = browser();
		browser.get("http://" + AdminHttp.USER + ":" + AdminHttp.PASSWORD + "@127.0.0.1:" + this.port + "/dashboard");
		await("the page live").atMost(Duration.ofSeconds(20)).until(() -> "live".equals(state(browser)));

		// Relay ends the stream and answers the browser's reconnection with a 503, as while it stops: the browser
		// gives such a stream up for good (EventSource reconnects after network errors only).
		this.updates.stop();
		try {
			// The browser tries again a second after the stream ended (the stream's retry field) and is refused.
			await("the stream refused").during(Duration.ofSeconds(3))
				.atMost(Duration.ofSeconds(10))
				.until(() -> "reconnecting".equals(state(browser)));
		}
		finally {
			this.updates.start();
		}
		await("the page live again").atMost(Duration.ofSeconds(30)).until(() -> "live".equals(state(browser)));

		// The stream works again: a new answer reaches the open page. (An NPS answer on the range's first day: the
		// other test counts CSAT answers and comments, which this leaves alone.)
		await("the first figures").atMost(Duration.ofSeconds(10)).until(() -> !text(browser, "nps-count").isEmpty());
		long before = Long.parseLong(text(browser, "nps-count"));
		WebhookClient webhook = WebhookClient.onPort(this.port);
		OffsetDateTime firstDay = OffsetDateTime.now(NOON).minusDays(13).withHour(0).withMinute(5);
		assertThat(webhook.deliver(satisfaction(UUID.randomUUID().toString(), "\"netPromoterScore\": 10", firstDay))
			.statusCode()).isEqualTo(202);
		await("the new answer on the page").atMost(Duration.ofSeconds(10))
			.until(() -> Long.parseLong(text(browser, "nps-count")) == before + 1);
	}

	@Test
	void aPageToldThatRelayIsBusyLoadsAgainWhenToldTo() {
		// Relay's 503 for too many summaries computed at once, with its Retry-After.
		aPageWhoseFirstLoadsFailLoadsAgainOnItsOwn(503, "'Retry-After': '1', ");
	}

	@Test
	void aPageWhoseLoadsAProxyRefusedLoadsAgainOnItsOwn() {
		// A proxy's 502 during a rolling restart: no Retry-After, the page's own wait (5 s).
		aPageWhoseFirstLoadsFailLoadsAgainOnItsOwn(502, "");
	}

	/**
	 * The page's first two loads (its own and the stream's 'ready') are answered {@code status}: only the page's
	 * own retry can bring the figures.
	 */
	private void aPageWhoseFirstLoadsFailLoadsAgainOnItsOwn(int status, String headers) {
		ChromeDriver browser = browser();
		Object script = browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", """
				window.summariesRefused = 0;
				const realFetch = window.fetch.bind(window);
				window.fetch = (resource, options) => {
				  if (String(resource).includes('/dashboard/api/summary') && window.summariesRefused < 2) {
				    window.summariesRefused++;
				    return Promise.resolve(new Response(JSON.stringify({ status: %d, detail: 'refused' }), { status: %d,
				        headers: { %s'Content-Type': 'application/problem+json' } }));
				  }
				  return realFetch(resource, options);
				};
				""".formatted(status, status, headers)));
		try {
			browser.get("http://" + AdminHttp.USER + ":" + AdminHttp.PASSWORD + "@127.0.0.1:" + this.port
					+ "/dashboard");
			await("the figures after the refusals").atMost(Duration.ofSeconds(20))
				.until(() -> Long.valueOf(2).equals(browser.executeScript("return window.summariesRefused"))
						&& !"0".equals(String.valueOf(browser.executeScript("return document.body.dataset.renders || '0'"))));
			assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
		}
		finally {
			browser.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument",
					Map.of("identifier", ((Map<?, ?>) script).get("identifier")));
		}
	}

	@Test
	void timesAreShownInTheDashboardsZoneEvenOneIntlDoesNotName() {
		ChromeDriver browser = browser();
		browser.get("http://" + AdminHttp.USER + ":" + AdminHttp.PASSWORD + "@127.0.0.1:" + this.port + "/dashboard");
		await("the page live").atMost(Duration.ofSeconds(20)).until(() -> "live".equals(state(browser)));
		String noon = "2026-11-29T12:00:00Z";
		// Java's names of fixed offsets, which relay.workflows.csat-dashboard.time-zone takes, and a region.
		assertThat(inZone(browser, noon, "GMT+01:00")).startsWith("11/29/2026, 1:00:00 PM");
		assertThat(inZone(browser, noon, "UTC-05:30")).startsWith("11/29/2026, 6:30:00 AM");
		assertThat(inZone(browser, noon, "Z")).isEqualTo("11/29/2026, 12:00:00 PM UTC");
		assertThat(inZone(browser, noon, "Europe/Paris")).isEqualTo("11/29/2026, 1:00:00 PM GMT+1");
	}

	private static String inZone(ChromeDriver browser, String instant, String zone) {
		return String.valueOf(browser.executeScript("return window.relayDashboard.inZone(arguments[0], arguments[1])",
				instant, zone));
	}

	private static ChromeDriver browser() {
		assertThat(browser).isNotNull();
		return browser;
	}

	private static String state(ChromeDriver browser) {
		return String.valueOf(browser.executeScript("return document.body.dataset.state"));
	}

	/** Read by script, in one go: the page redraws its elements, and an element found earlier may be gone. */
	private static String text(ChromeDriver browser, String id) {
		return String.valueOf(browser.executeScript("return document.getElementById(arguments[0]).textContent", id));
	}

	private static String firstComment(ChromeDriver browser) {
		return String.valueOf(browser
			.executeScript("const first = document.querySelector('#comments li .text'); return first ? first.textContent : ''"));
	}

	private static long csatCount(JsonNode summary) {
		return summary.get("csat").get("count").asLong();
	}

	/**
	 * Two weeks of plausible answers, through the webhook like real ones: conversations on four channels, five
	 * operators and two projects, each pushed, then answered (CSAT, most with an NPS, some with a comment).
	 * @return how many CSAT answers were sent
	 */
	private static int seed(WebhookClient webhook) {
		Random random = new Random(7);
		String[] channels = { "CHAT", "CHAT", "CHAT", "CALL", "SMS", "FACEBOOK" };
		String[] comments = { "Quick and friendly, thank you!", "Solved my delivery problem in two minutes.",
				"Had to repeat my order number three times.", "Very helpful advice on sizes.",
				"The agent did not understand my question.", "Great service, as always.",
				"Waited a bit long before someone answered.", "Clear answer about the return policy." };
		LocalDate today = LocalDate.now(NOON);
		List<String> bodies = new ArrayList<>();
		int answers = 0;
		for (int daysAgo = 13; daysAgo >= 0; daysAgo--) {
			int conversations = 3 + random.nextInt(4);
			for (int i = 0; i < conversations; i++) {
				String conversation = UUID.randomUUID().toString();
				OffsetDateTime start = today.minusDays(daysAgo)
					.atTime(LocalTime.of(8 + random.nextInt(10), random.nextInt(60)))
					.atOffset(ZoneOffset.UTC);
				// Answered 12 minutes after the start: every seeded answer must be in the past, or it sorts before
				// the answer the test posts at "now" (the test failed when run within 12 minutes after a seeded start).
				OffsetDateTime latestStart = OffsetDateTime.now(NOON).minusMinutes(15);
				if (start.isAfter(latestStart)) {
					start = latestStart.minusMinutes(15 + random.nextInt(60));
				}
				long operator = 15250 + random.nextInt(5);
				long project = (random.nextInt(3) == 0) ? 3031 : 3030;
				bodies.add(pushed(conversation, channels[random.nextInt(channels.length)], operator, project, start));
				int csat = Math.min(5, Math.max(1, 5 - (int) Math.floor(Math.abs(random.nextGaussian()) * 1.6)));
				OffsetDateTime answered = start.plusMinutes(12);
				bodies.add(satisfaction(conversation, project, "\"customerSatisfaction\": " + csat, answered));
				answers++;
				if (random.nextInt(4) != 0) {
					int nps = Math.min(10, Math.max(0, csat * 2 + random.nextInt(3) - 1));
					bodies.add(satisfaction(conversation, project, "\"netPromoterScore\": " + nps,
							answered.plusSeconds(5)));
				}
				if (random.nextInt(3) == 0) {
					bodies.add(satisfaction(conversation, project,
							"\"satisfactionComment\": \"" + comments[random.nextInt(comments.length)] + "\"",
							answered.plusSeconds(20)));
				}
			}
		}
		for (String body : bodies) {
			assertThat(webhook.deliver(body).statusCode()).isEqualTo(202);
		}
		return answers;
	}

	private static String pushed(String conversation, String channel, long operator, long project,
			OffsetDateTime at) {
		return """
				{"eventId": "%s", "eventType": "v2.conversation.pushed", "platform": "sd", "projectId": %d,
				 "clientId": 1, "conversationId": "%s", "operatorId": %d, "channel": "%s",
				 "visitorId": "%s", "createdAt": "%s", "sentAt": "%s"}
				""".formatted(UUID.randomUUID(), project, conversation, operator, channel, UUID.randomUUID(), at, at);
	}

	private static String satisfaction(String conversation, String answer, OffsetDateTime at) {
		return satisfaction(conversation, 3030, answer, at);
	}

	private static String satisfaction(String conversation, long project, String answer, OffsetDateTime at) {
		return """
				{"eventId": "%s", "eventType": "satisfaction.answered", "platform": "sd", "projectId": %d,
				 "clientId": 1, "createdAt": "%s", "sentAt": "%s", "conversationId": "%s", %s}
				""".formatted(UUID.randomUUID(), project, at, at, conversation, answer);
	}

	private static void screenshot(ChromeDriver browser, String name) throws IOException {
		// The whole page: the window's height is the page's plus the browser's own frame.
		Number height = (Number) browser.executeScript("return document.documentElement.scrollHeight");
		Number frame = (Number) browser.executeScript("return window.outerHeight - window.innerHeight");
		browser.manage().window().setSize(new Dimension(1280, height.intValue() + frame.intValue()));
		File shot = browser.getScreenshotAs(OutputType.FILE);
		String directory = System.getProperty("relay.screenshots", "target/screenshots");
		Path target = Path.of(directory).resolve(name);
		Files.createDirectories(target.getParent());
		Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
		logger.info("Screenshot: {}", target.toAbsolutePath());
	}

}
