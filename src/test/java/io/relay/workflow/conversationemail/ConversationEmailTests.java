package io.relay.workflow.conversationemail;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

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
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.notFound;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The recap email end to end: a signed {@code v2.conversation.closed} in, iAdvize on WireMock, a real SMTP server
 * (GreenMail) out, the outcome read from the admin API. Run on H2 and PostgreSQL by the subclasses.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET, "spring.security.user.name=" + AdminClient.USER,
				"spring.security.user.password=" + AdminClient.PASSWORD, "relay.dispatch.poll-interval=50ms",
				"relay.workflows.log.enabled=false", "relay.workflows.conversation-email.enabled=true",
				"relay.workflows.conversation-email.from=Example Shop <shop@example.com>",
				"relay.workflows.conversation-email.reply-to=help@example.com",
				"relay.workflows.conversation-email.channels=CHAT,VIDEO",
				"relay.workflows.conversation-email.time-zone=Europe/Paris",
				"relay.workflows.conversation-email.opt-out=opted-out.example",
				"relay.workflows.conversation-email.languages.42=fr",
				"relay.dispatch.handlers.conversation-email.max-attempts=100",
				"relay.dispatch.handlers.conversation-email.initial-backoff=20ms",
				"relay.dispatch.handlers.conversation-email.max-backoff=100ms" })
abstract class ConversationEmailTests {

	@RegisterExtension
	static WireMockExtension iadvize = WireMockExtension.newInstance().options(IAdvizeStubs.wireMock()).build();

	static final TestSmtp smtp = TestSmtp.start();

	final IAdvizeStubs stubs = new IAdvizeStubs(iadvize);

	@LocalServerPort
	int port;

	@Autowired
	JdbcTemplate jdbc;

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
		this.stubs.login();
		this.stubs.operator(15254, "Alex");
	}

	@Test
	void emailsTheVisitorARecapOfTheConversation() {
		Conversation conversation = conversation("ada");
		this.stubs.transcript(conversation.id(), List.of(
				List.of("VisitorMessage", "2026-11-25T10:00:00Z", "Is my order <b>shipped</b>?"),
				List.of("SystemMessage", "2026-11-25T10:00:30Z", "Conversation transferred"),
				List.of("OperatorMessage", "2026-11-25T10:01:00Z", "It left our warehouse today."),
				java.util.Arrays.asList("SystemMessage", "2026-11-25T10:02:00Z", null)));
		Fixtures.Event event = deliver(conversation);

		this.admin.awaitDelivery(event.eventId(), "conversation-email", "SUCCEEDED");
		List<MailContent> mails = mailsTo(conversation);
		assertThat(mails).hasSize(1);
		MailContent mail = mails.getFirst();
		assertThat(mail.subject()).startsWith("Your conversation with us on ");
		assertThat(mail.from()).isEqualTo("Example Shop <shop@example.com>");
		assertThat(mail.replyTo()).isEqualTo("help@example.com");
		assertThat(mail.messageId()).startsWith("<relay.conversation-email.").endsWith("@example.com>");
		// Times in the configured zone (Europe/Paris), formatted for the language (en: 11:00 AM, with a narrow space).
		assertThat(mail.text()).contains("Hello Ada,", "and Alex.")
			.containsPattern("11:00\\hAM You: Is my order <b>shipped</b>\\?")
			.containsPattern("11:01\\hAM Alex: It left our warehouse today\\.")
			.doesNotContain("Conversation transferred");
		assertThat(mail.html()).contains("Hello Ada,", "Is my order &lt;b&gt;shipped&lt;/b&gt;?",
				"It left our warehouse today.", ">Alex<")
			.doesNotContain("<b>shipped</b>", "Conversation transferred");
	}

	@Test
	void anOperatorWithoutAPseudonymIsNamedByFirstNameAndNeverBySurname() {
		iadvize.stubFor(get(urlPathEqualTo("/ha/api/2/operator/25254")).willReturn(okJson("""
				{"meta": {"status": "success"}, "data": {"id": 25254, "first_name": "Jane", "name": "Doe"}}""")));
		iadvize.stubFor(get(urlPathEqualTo("/ha/api/2/operator/25255")).willReturn(okJson("""
				{"meta": {"status": "success"}, "data": {"id": 25255, "pseudo": " ", "name": "Doe"}}""")));
		Map<Long, String> recaps = new HashMap<>();
		for (long operatorId : new long[] { 25254, 25255 }) {
			Conversation conversation = conversation("ada");
			this.stubs.transcript(conversation.id(), List.of(
					List.of("VisitorMessage", "2026-11-25T10:00:00Z", "Is my order shipped?"),
					List.of("OperatorMessage", "2026-11-25T10:01:00Z", "It left our warehouse today.")));
			Fixtures.Event closed = IAdvizeStubs.closed(conversation.id(), conversation.visitorId());
			Fixtures.Event event = new Fixtures.Event(closed.eventId(), closed.body().replace("15254", "" + operatorId));
			assertThat(this.webhook.deliver(event.body()).statusCode()).isEqualTo(202);
			this.admin.awaitDelivery(event.eventId(), "conversation-email", "SUCCEEDED");
			recaps.put(operatorId, mailsTo(conversation).getFirst().text());
		}

		assertThat(recaps.get(25254L)).contains("and Jane.", "Jane: It left our warehouse today.").doesNotContain("Doe");
		assertThat(recaps.get(25255L)).contains("Advisor: It left our warehouse today.").doesNotContain("Doe", "us and");
	}

	@Test
	void theRecapIsInTheProjectsLanguage() {
		// The example of docs/workflows.md.
		Conversation conversation = conversation("ada");
		this.stubs.transcript(conversation.id(), List.of(List.of("VisitorMessage", "2026-11-25T10:00:00Z",
				"Is my order shipped?"), List.of("OperatorMessage", "2026-11-25T10:01:00Z", "It left our warehouse today.")));
		Fixtures.Event event = IAdvizeStubs.closed(conversation.id(), conversation.visitorId(),
				Map.of("projectId", "42", "createdAt", "\"2026-11-25T10:02:00Z\""));
		assertThat(this.webhook.deliver(event.body()).statusCode()).isEqualTo(202);
		this.admin.awaitDelivery(event.eventId(), "conversation-email", "SUCCEEDED");

		MailContent mail = mailsTo(conversation).getFirst();
		assertThat(mail.subject()).isEqualTo("Votre conversation avec nous du 25 novembre 2026");
		assertThat(mail.text().replace("\r\n", "\n")).isEqualTo("""
				Bonjour Ada,

				Merci pour votre conversation avec nous et Alex. En voici une copie (25 novembre 2026).

				11:00 Vous : Is my order shipped?
				11:01 Alex : It left our warehouse today.

				Répondez simplement à cet email pour toute autre question.
				""");
	}

	@Test
	void aVeryLongConversationIsRecappedFromItsBeginningWithinALimit() {
		Conversation conversation = conversation("ada");
		List<List<String>> messages = new java.util.ArrayList<>();
		int max = ConversationEmailHandler.MAX_MESSAGE_LENGTH;
		messages.add(List.of("VisitorMessage", "2026-11-25T10:00:00Z", "Pasted: " + "x".repeat(5000)));
		messages.add(List.of("VisitorMessage", "2026-11-25T10:00:01Z", "Fits: " + "y".repeat(max - 6)));
		messages.add(List.of("VisitorMessage", "2026-11-25T10:00:02Z", "One over: " + "z".repeat(max - 9)));
		for (int i = 3; i < ConversationEmailHandler.MAX_MESSAGES + 5; i++) {
			messages.add(List.of((i % 2 == 0) ? "VisitorMessage" : "OperatorMessage", "2026-11-25T10:01:00Z",
					"message " + i));
		}
		this.stubs.transcript(conversation.id(), messages);
		Fixtures.Event event = deliver(conversation);
		this.admin.awaitDelivery(event.eventId(), "conversation-email", "SUCCEEDED");

		MailContent mail = mailsTo(conversation).getFirst();
		assertThat(mail.text().replace("\r\n", "\n")).contains(": Pasted: " + "x".repeat(max - 9) + "…\n")
			.doesNotContain("x".repeat(max - 8))
			.contains(": Fits: " + "y".repeat(max - 6) + "\n")
			.contains(": One over: " + "z".repeat(max - 11) + "…\n")
			.doesNotContain("z".repeat(max - 10))
			.contains(": message " + (ConversationEmailHandler.MAX_MESSAGES - 1) + "\n",
					": message 299\n... and 5 more message(s), not shown here.\n\nSimply reply")
			.doesNotContain(": message " + ConversationEmailHandler.MAX_MESSAGES + "\n");
		assertThat(mail.html()).contains("... and 5 more message(s), not shown here.");
	}

	@Test
	void aVisitorWithoutEmailIsSkipped() {
		Conversation conversation = conversation("ada");
		this.stubs.visitor(conversation.visitorId(), null, "Ada");
		Fixtures.Event event = deliver(conversation);

		JsonNode delivery = this.admin.awaitDelivery(event.eventId(), "conversation-email", "SKIPPED");
		assertThat(delivery.get("lastError").asString()).isEqualTo("visitor has no email address");
		assertThat(mailsTo(conversation)).isEmpty();
	}

	@Test
	void aVisitorIAdvizeDoesNotKnowIsSkipped() {
		Conversation conversation = conversation("ada");
		iadvize.stubFor(get(urlPathEqualTo("/ha/api/2/visitor/" + conversation.visitorId()))
			.willReturn(notFound().withHeader("Content-Type", "application/json")
				.withBody("{\"meta\": {\"status\": \"fail\", \"message\": \"Unknown 'visitor' with 'id' "
						+ conversation.visitorId() + ".\"}}")));
		Fixtures.Event event = deliver(conversation);

		JsonNode delivery = this.admin.awaitDelivery(event.eventId(), "conversation-email", "SKIPPED");
		assertThat(delivery.get("lastError").asString()).isEqualTo("visitor not found");
	}

	@Test
	void anEventThatNamesNoVisitorIsSkippedNotDead() {
		Conversation conversation = conversation("ada");
		Fixtures.Event event = IAdvizeStubs.closed(conversation.id(), conversation.visitorId(),
				Map.of("visitorExternalId", "null", "visitorId", "null"));
		assertThat(this.webhook.deliver(event.body()).statusCode()).isEqualTo(202);

		JsonNode delivery = this.admin.awaitDelivery(event.eventId(), "conversation-email", "SKIPPED");
		assertThat(delivery.get("lastError").asString()).isEqualTo("visitor not found");
		assertThat(mailsTo(conversation)).isEmpty();
	}

	@Test
	void aReplayOrAnotherCloseEventOfTheConversationSendsNothingNew() {
		Conversation conversation = conversation("ada");
		this.stubs.transcript(conversation.id(), oneExchange());
		Fixtures.Event event = deliver(conversation);
		this.admin.awaitDelivery(event.eventId(), "conversation-email", "SUCCEEDED");

		this.admin.replay(event.eventId(), "conversation-email");
		JsonNode replayed = await().until(() -> this.admin.delivery(event.eventId(), "conversation-email"),
				(delivery) -> delivery.get("history").size() == 2 && "SKIPPED".equals(delivery.get("status").asString()));
		assertThat(replayed.get("lastError").asString()).startsWith("already sent for this conversation at ")
			.contains(event.eventId() + ":conversation-email");

		Fixtures.Event again = deliver(conversation);
		this.admin.awaitDelivery(again.eventId(), "conversation-email", "SKIPPED");
		assertThat(mailsTo(conversation)).hasSize(1);
	}

	@Test
	void withTheSmtpServerDownTheDeliveryRetriesAndSendsExactlyOneEmailOnceItIsBack() {
		Conversation conversation = conversation("ada");
		this.stubs.transcript(conversation.id(), oneExchange());
		smtp.stop();
		try {
			Fixtures.Event event = deliver(conversation);
			JsonNode failing = await().until(() -> this.admin.delivery(event.eventId(), "conversation-email"),
					(delivery) -> delivery != null && delivery.get("attempts").asInt() >= 3);
			assertThat(failing.get("status").asString()).isIn("FAILED", "RUNNING");
			assertThat(failing.get("history").get(0).get("error").asString())
				.startsWith("could not connect to the SMTP server");
			smtp.restart();
			this.admin.awaitDelivery(event.eventId(), "conversation-email", "SUCCEEDED");
		}
		finally {
			smtp.restart();
		}
		await().during(java.time.Duration.ofMillis(500)).until(() -> mailsTo(conversation).size() == 1);
	}

	@Test
	void fewerVisitorMessagesThanTheMinimumAnOptedOutAddressOrAnotherChannelGetNothing() {
		Conversation silent = conversation("ada");
		this.stubs.transcript(silent.id(), List.of(List.of("OperatorMessage", "2026-11-25T10:01:00Z", "Hello?")));
		Fixtures.Event silentEvent = deliver(silent);
		assertThat(this.admin.awaitDelivery(silentEvent.eventId(), "conversation-email", "SKIPPED").get("lastError")
			.asString()).contains("fewer than relay.workflows.conversation-email.min-visitor-messages (1)");

		Conversation optedOut = new Conversation(UUID.randomUUID().toString(), IAdvizeStubs.newVisitorId(),
				"someone@news.opted-out.example");
		this.stubs.visitor(optedOut.visitorId(), optedOut.email(), "Ada");
		Fixtures.Event optedOutEvent = deliver(optedOut);
		assertThat(this.admin.awaitDelivery(optedOutEvent.eventId(), "conversation-email", "SKIPPED")
			.get("lastError")
			.asString()).startsWith("recipient opted out");

		Conversation sms = conversation("ada");
		Fixtures.Event smsEvent = IAdvizeStubs.closed(sms.id(), sms.visitorId(), Map.of("channel", "\"SMS\""));
		assertThat(this.webhook.deliver(smsEvent.body()).statusCode()).isEqualTo(202);
		await().until(() -> this.admin.eventStored(smsEvent.eventId()));
		assertThat(this.admin.delivery(smsEvent.eventId(), "conversation-email")).isNull();
	}

	@Test
	void anEmailThatMayHaveGoneOutIsNeverSentAgain() {
		Conversation conversation = conversation("ada");
		this.stubs.transcript(conversation.id(), oneExchange());
		// An attempt claimed the email an hour ago and never came back (Relay was killed between send and mark).
		Instant claimed = Instant.now().minus(1, ChronoUnit.HOURS);
		this.jdbc.update("insert into workflow_mail (workflow, conversation_id, idempotency_key, status, message_id, "
				+ "attempts, created_at, updated_at) values ('conversation-email', ?, 'earlier:conversation-email', "
				+ "'SENDING', '<relay.test@example.com>', 1, ?, ?)", conversation.id(), Timestamp.from(claimed),
				Timestamp.from(claimed));
		Fixtures.Event event = deliver(conversation);

		JsonNode delivery = this.admin.awaitDelivery(event.eventId(), "conversation-email", "DEAD");
		assertThat(delivery.get("lastError").asString()).startsWith("the email for this conversation may have been sent")
			.contains("<relay.test@example.com>");
		assertThat(this.jdbc.queryForObject("select status from workflow_mail where conversation_id = ?", String.class,
				conversation.id())).isEqualTo("UNCONFIRMED");
		assertThat(mailsTo(conversation)).isEmpty();
	}

	@Test
	void theDeprecatedCloseEventIsRecappedFromTheRestApi() {
		// Its visitor (a unique id) and its conversation (a number) are known to the REST API only.
		long conversationId = ThreadLocalRandom.current().nextLong(1_000_000L, 9_000_000_000L);
		String uniqueId = UUID.randomUUID().toString().replace("-", "");
		String email = "grace." + uniqueId + "@example.net";
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor")).withQueryParam("filters[unique_id]", equalTo(uniqueId))
			.willReturn(okJson("{\"meta\":{\"status\":\"success\"},\"data\":[{\"id\":560,\"unique_id\":\"" + uniqueId
					+ "\",\"firstname\":\"Grace\",\"email\":\"" + email + "\"}],\"pagination\":{\"page\":1,\"pages\":1,"
					+ "\"limit\":100,\"count\":1}}")));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/conversation.json-unicode/" + conversationId)).willReturn(okJson(
				"{\"meta\":{\"status\":\"success\"},\"data\":{\"id\":" + conversationId + ",\"channel\":\"chat\","
						+ "\"history\":[[2,\"2017-04-22 10:58:00\",\"Has my parcel left?\",1492851480000],"
						+ "[1,\"2017-04-22 10:59:00\",\"It left this morning.\",1492851540000]]}}")));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/operator/1")).willReturn(okJson(
				"{\"meta\":{\"status\":\"success\"},\"data\":{\"id\":1,\"pseudo\":\"Sam\"}}")));
		Fixtures.Event documented = Fixtures.withFreshId("deprecated.conversation.closed.json");
		String body = documented.body()
			.replaceFirst("\"conversationId\": 1,", "\"conversationId\": " + conversationId + ",")
			.replace("593de0891b628a50b09835dc6c0e92565329c74baa90e", uniqueId);
		assertThat(body).contains(uniqueId, Long.toString(conversationId));
		assertThat(this.webhook.deliver(body).statusCode()).isEqualTo(202);

		this.admin.awaitDelivery(documented.eventId(), "conversation-email", "SUCCEEDED");
		List<MailContent> mails = smtp.messagesTo(email).stream().map(MailContent::of).toList();
		assertThat(mails).singleElement().satisfies((mail) -> assertThat(mail.text())
			.contains("Hello Grace,", "You: Has my parcel left?", "Sam: It left this morning.", "and Sam."));
	}

	private static List<List<String>> oneExchange() {
		return List.of(List.of("VisitorMessage", "2026-11-25T10:00:00Z", "Where is my parcel?"),
				List.of("OperatorMessage", "2026-11-25T10:01:00Z", "On its way."));
	}

	/** A fresh conversation whose visitor iAdvize knows with a unique address. */
	private Conversation conversation(String firstName) {
		String visitorId = IAdvizeStubs.newVisitorId();
		Conversation conversation = new Conversation(UUID.randomUUID().toString(), visitorId,
				firstName + "." + visitorId + "@example.net");
		this.stubs.visitor(visitorId, conversation.email(), "Ada");
		return conversation;
	}

	private Fixtures.Event deliver(Conversation conversation) {
		Fixtures.Event event = IAdvizeStubs.closed(conversation.id(), conversation.visitorId());
		assertThat(this.webhook.deliver(event.body()).statusCode()).isEqualTo(202);
		return event;
	}

	private List<MailContent> mailsTo(Conversation conversation) {
		return smtp.messagesTo(conversation.email()).stream().map(MailContent::of).toList();
	}

	record Conversation(String id, String visitorId, String email) {
	}

}
