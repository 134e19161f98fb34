package io.relay.workflow.survey;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.relay.support.AdminClient;
import io.relay.support.Fixtures;
import io.relay.support.IAdvizeStubs;
import io.relay.support.MailContent;
import io.relay.support.TestSmtp;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The survey email end to end: a signed close event in, iAdvize on WireMock, GreenMail out; the link in the email
 * verified as the survey site would. Run on H2 and PostgreSQL by the subclasses.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET, "spring.security.user.name=" + AdminClient.USER,
				"spring.security.user.password=" + AdminClient.PASSWORD, "relay.dispatch.poll-interval=50ms",
				"relay.workflows.log.enabled=false", "relay.workflows.survey.enabled=true",
				"relay.workflows.survey.from=surveys@example.com",
				"relay.workflows.survey.url-template=https://survey.example.com/s/{projectId}?c={conversationId}&v={visitorId}&t={token}",
				"relay.workflows.survey.token-secret=" + SurveyTests.SECRET,
				"relay.workflows.survey.languages.42=fr",
				"relay.dispatch.handlers.survey.max-attempts=100", "relay.dispatch.handlers.survey.initial-backoff=20ms",
				"relay.dispatch.handlers.survey.max-backoff=100ms" })
abstract class SurveyTests {

	static final String SECRET = "survey-secret-shared-with-the-survey-site";

	private static final Pattern LINK = Pattern.compile("https://survey\\.example\\.com/\\S+");

	@RegisterExtension
	static WireMockExtension iadvize = WireMockExtension.newInstance().options(IAdvizeStubs.wireMock()).build();

	static final TestSmtp smtp = TestSmtp.start();

	final IAdvizeStubs stubs = new IAdvizeStubs(iadvize);

	@LocalServerPort
	int port;

	WebhookClient webhook;

	AdminClient admin;

	@DynamicPropertySource
	static void servers(DynamicPropertyRegistry registry) {
		new IAdvizeStubs(iadvize).register(registry);
		smtp.register(registry);
	}

	@BeforeEach
	void clients() {
		this.webhook = WebhookClient.onPort(this.port);
		this.admin = AdminClient.onPort(this.port);
	}

	@Test
	void emailsALinkWhoseTokenTheSurveySiteCanVerify() {
		String conversation = UUID.randomUUID().toString();
		String visitor = visitorWithEmail();
		Fixtures.Event event = deliver(conversation, visitor, Map.of());
		this.admin.awaitDelivery(event.eventId(), "survey", "SUCCEEDED");

		List<MailContent> mails = mailsTo(visitor);
		assertThat(mails).hasSize(1);
		MailContent mail = mails.getFirst();
		assertThat(mail.subject()).isEqualTo("How did we do? One minute to tell us");
		assertThat(mail.text()).startsWith("Hello Ada,");
		String link = link(mail.text());
		assertThat(mail.html()).contains("href=\"" + link.replace("&", "&amp;") + "\"");

		URI uri = URI.create(link);
		assertThat(uri.getPath()).isEqualTo("/s/1549");
		Map<String, String> query = query(uri);
		assertThat(query).containsEntry("c", conversation).containsEntry("v", "b05f1b45-c891-4a9c-b47e-91ee6c8ffb44");
		// What the survey site does with the link's fields and the shared secret:
		assertThat(SurveyTokens.verify(SECRET, query.get("c"), query.get("v"), "1549", query.get("t"), Instant.now(),
				Duration.ofDays(30))).isTrue();
		assertThat(SurveyTokens.verify(SECRET, UUID.randomUUID().toString(), query.get("v"), "1549", query.get("t"),
				Instant.now(), Duration.ofDays(30))).isFalse();
		assertThat(SurveyTokens.verify("another-secret-of-at-least-32-chars", query.get("c"), query.get("v"), "1549",
				query.get("t"), Instant.now(), Duration.ofDays(30))).isFalse();
	}

	@Test
	void theLanguageFollowsTheProject() {
		String visitor = visitorWithEmail();
		Fixtures.Event event = deliver(UUID.randomUUID().toString(), visitor, Map.of("projectId", "42"));
		this.admin.awaitDelivery(event.eventId(), "survey", "SUCCEEDED");
		MailContent mail = mailsTo(visitor).getFirst();
		assertThat(mail.subject()).isEqualTo("Votre avis compte : une minute pour nous répondre");
		assertThat(mail.text()).startsWith("Bonjour Ada,");
		assertThat(URI.create(link(mail.text())).getPath()).isEqualTo("/s/42");
	}

	@Test
	void aVisitorWithoutEmailIsSkipped() {
		String visitor = IAdvizeStubs.newVisitorId();
		this.stubs.visitor(visitor, null, "Ada");
		Fixtures.Event event = deliver(UUID.randomUUID().toString(), visitor, Map.of());
		JsonNode delivery = this.admin.awaitDelivery(event.eventId(), "survey", "SKIPPED");
		assertThat(delivery.get("lastError").asString()).isEqualTo("visitor has no email address");
	}

	@Test
	void aReplaySendsNothingNew() {
		String visitor = visitorWithEmail();
		Fixtures.Event event = deliver(UUID.randomUUID().toString(), visitor, Map.of());
		this.admin.awaitDelivery(event.eventId(), "survey", "SUCCEEDED");
		this.admin.replay(event.eventId(), "survey");
		await().until(() -> this.admin.delivery(event.eventId(), "survey"),
				(delivery) -> delivery.get("history").size() == 2 && "SKIPPED".equals(delivery.get("status").asString()));
		assertThat(mailsTo(visitor)).hasSize(1);
	}

	@Test
	void withTheSmtpServerDownTheDeliveryRetriesAndSendsExactlyOneEmailOnceItIsBack() {
		String visitor = visitorWithEmail();
		smtp.stop();
		try {
			Fixtures.Event event = deliver(UUID.randomUUID().toString(), visitor, Map.of());
			await().until(() -> this.admin.delivery(event.eventId(), "survey"),
					(delivery) -> delivery != null && delivery.get("attempts").asInt() >= 3);
			smtp.restart();
			this.admin.awaitDelivery(event.eventId(), "survey", "SUCCEEDED");
		}
		finally {
			smtp.restart();
		}
		await().during(Duration.ofMillis(500)).until(() -> mailsTo(visitor).size() == 1);
	}

	private String visitorWithEmail() {
		String visitor = IAdvizeStubs.newVisitorId();
		this.stubs.visitor(visitor, email(visitor), "Ada");
		return visitor;
	}

	private static String email(String visitor) {
		return "visitor." + visitor + "@example.net";
	}

	private Fixtures.Event deliver(String conversation, String visitor, Map<String, String> changes) {
		Fixtures.Event event = IAdvizeStubs.closed(conversation, visitor, changes);
		assertThat(this.webhook.deliver(event.body()).statusCode()).isEqualTo(202);
		return event;
	}

	private List<MailContent> mailsTo(String visitor) {
		return smtp.messagesTo(email(visitor)).stream().map(MailContent::of).toList();
	}

	private static String link(String text) {
		Matcher matcher = LINK.matcher(text);
		assertThat(matcher.find()).as("a survey link in %s", text).isTrue();
		return matcher.group();
	}

	private static Map<String, String> query(URI uri) {
		return Arrays.stream(uri.getRawQuery().split("&"))
			.map((pair) -> pair.split("=", 2))
			.collect(Collectors.toMap((pair) -> pair[0], (pair) -> URLDecoder.decode(pair[1], StandardCharsets.UTF_8)));
	}

}
