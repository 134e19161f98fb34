package io.relay.workflow.ticket;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.relay.iadvize.IAdvizeEnrichment;
import io.relay.support.AdminApi;
import io.relay.support.Fixtures;
import io.relay.support.SignedRequests;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.stubbing.Answer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;
import tools.jackson.databind.JsonNode;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.doAnswer;

/**
 * The ticket workflow end to end, configured as {@code docs/workflows.md} shows it
 * ({@code application-ticket-example.yml}): signed webhooks in, iAdvize's APIs and the helpdesk on WireMock,
 * outcomes through the admin API. Run on H2 and PostgreSQL by the subclasses.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET, "spring.security.user.name=" + AdminApi.USER,
				"spring.security.user.password=" + AdminApi.PASSWORD, "relay.dispatch.poll-interval=50ms",
				"relay.dispatch.handlers.ticket.max-attempts=3", "relay.dispatch.handlers.ticket.initial-backoff=10ms",
				"relay.dispatch.handlers.ticket.max-backoff=50ms", "relay.workflows.log.enabled=false" })
@ActiveProfiles("ticket-example")
@ExtendWith(OutputCaptureExtension.class)
abstract class TicketWorkflowTests {

	static final String SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

	static final WireMockServer wireMock = start();

	@LocalServerPort
	int port;

	WebhookClient client;

	AdminApi admin;

	@MockitoSpyBean
	IAdvizeEnrichment iadvize;

	@DynamicPropertySource
	static void wireMock(DynamicPropertyRegistry registry) {
		registry.add("test.wiremock.url", wireMock::baseUrl);
	}

	@BeforeEach
	void setUp() {
		wireMock.resetAll();
		this.client = WebhookClient.onPort(this.port);
		this.admin = new AdminApi(this.port);
		wireMock.stubFor(post(urlPathEqualTo("/oauth2/token")).willReturn(okJson("""
				{"access_token": "access-token-5c1e9a", "expires_in": 86400, "token_type": "Bearer",
				 "refresh_token": "none"}""")));
		wireMock.stubFor(get(urlPathEqualTo("/ha/api/2/visitor/63429889")).willReturn(okJson("""
				{"meta": {"status": "success"}, "data": {"id": 63429889, "firstname": "Ada", "lastname": "Lovelace",
				 "email": "ada@example.com", "phone": "+33 6 12 34 56 78", "country": "France"}}""")));
		wireMock.stubFor(get(urlPathEqualTo("/ha/api/2/operator/15254")).willReturn(okJson("""
				{"meta": {"status": "success"}, "data": {"id": 15254, "name": "Doe", "first_name": "Jane",
				 "pseudo": "Jane D.", "email": "jane@shop.example", "roles": ["operator"]}}""")));
	}

	@Test
	void aConversationWithAKeywordBecomesATicketAndAReplayDoesNotMakeASecondOne() throws Exception {
		String conversation = UUID.randomUUID().toString();
		givenTranscript(conversation, "My parcel arrived broken, I want a REFUND.", "Sorry! I open a ticket.");
		wireMock.stubFor(post(urlPathEqualTo("/helpdesk/tickets"))
			.willReturn(aResponse().withStatus(201).withBody("{\"ticket\": {\"id\": 35436, \"status\": \"new\"}}")));

		Fixtures.Event event = closed(conversation, null);
		deliver(event);
		this.admin.awaitDelivery(event.eventId(), "ticket", "SUCCEEDED");

		List<LoggedRequest> sent = wireMock.findAll(postRequestedFor(urlPathEqualTo("/helpdesk/tickets")));
		assertThat(sent).hasSize(1);
		String link = "https://desk.example.com/ha/conversations/" + conversation;
		assertThat(sent.getFirst().getBodyAsString()).satisfies((body) -> assertThat(equalToJson("""
				{"ticket": {
				  "subject": "iAdvize conversation with Ada Lovelace (keyword)",
				  "requester": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+33 6 12 34 56 78"},
				  "comment": {"body": "VISITOR: My parcel arrived broken, I want a REFUND.\\nOPERATOR: Sorry! I open a ticket.\\n\\nConversation: %s"},
				  "assignee": {"name": "Jane D.", "email": "jane@shop.example", "iadvizeId": 15254},
				  "link": "%s",
				  "tags": ["refund", "broken"],
				  "satisfaction": null,
				  "channel": "CHAT",
				  "external_id": "%s"}}""".formatted(link, link, event.eventId())).match(body).isExactMatch())
			.as(body)
			.isTrue());
		assertThat(sent.getFirst().getHeader("Authorization")).isEqualTo("Basic " + Base64.getEncoder()
			.encodeToString("relay@example.com/token:helpdesk-api-token-9f2e".getBytes()));
		assertThat(sent.getFirst().getHeader("Idempotency-Key")).isEqualTo(event.eventId() + ":ticket");
		SignedRequests.verify(sent.getFirst(), SIGNING_SECRET);

		JsonNode reference = this.admin.event(event.eventId()).get("references").get(0);
		assertThat(reference.get("handler").asString()).isEqualTo("ticket");
		assertThat(reference.get("kind").asString()).isEqualTo("ticket");
		assertThat(reference.get("value").asString()).isEqualTo("35436");

		assertThat(this.admin.replay(event.eventId(), "ticket")).isEqualTo(1);
		JsonNode replayed = this.admin.awaitDelivery(event.eventId(), "ticket", "SKIPPED");
		assertThat(replayed.get("lastError").asString()).isEqualTo("ticket 35436 was already created for this conversation");
		wireMock.verify(1, postRequestedFor(urlPathEqualTo("/helpdesk/tickets")));
	}

	@Test
	void theTranscriptVisitorAndOperatorLookupsShareOneDeliveryTimeout() throws Exception {
		// Which lookups ran inside IAdvizeEnrichment.together (one relay.iadvize.delivery-timeout for all three, within
		// the delivery's lease), and which outside it (only a call-timeout each).
		ThreadLocal<Boolean> together = ThreadLocal.withInitial(() -> false);
		Queue<String> inside = new ConcurrentLinkedQueue<>();
		Queue<String> outside = new ConcurrentLinkedQueue<>();
		doAnswer((invocation) -> {
			together.set(true);
			try {
				return invocation.callRealMethod();
			}
			finally {
				together.set(false);
			}
		}).when(this.iadvize).together(any());
		Function<String, Answer<?>> recorded = (lookup) -> (invocation) -> {
			(together.get() ? inside : outside).add(lookup);
			return invocation.callRealMethod();
		};
		doAnswer(recorded.apply("transcript")).when(this.iadvize).transcript(any());
		doAnswer(recorded.apply("visitor")).when(this.iadvize).visitor(any());
		doAnswer(recorded.apply("operator")).when(this.iadvize).operator(any(), anyLong());
		String conversation = UUID.randomUUID().toString();
		givenTranscript(conversation, "My parcel arrived broken, I want a REFUND.");
		wireMock.stubFor(post(urlPathEqualTo("/helpdesk/tickets"))
			.willReturn(aResponse().withStatus(201).withBody("{\"ticket\": {\"id\": 35440}}")));

		Fixtures.Event event = closed(conversation, null);
		deliver(event);
		this.admin.awaitDelivery(event.eventId(), "ticket", "SUCCEEDED");

		assertThat(inside).containsExactlyInAnyOrder("transcript", "visitor", "operator");
		assertThat(outside).isEmpty();
	}

	@Test
	void aConversationClosedAgainAfterItsTicketIsSkipped() {
		String conversation = UUID.randomUUID().toString();
		givenTranscript(conversation, "It is broken");
		wireMock.stubFor(post(urlPathEqualTo("/helpdesk/tickets"))
			.willReturn(aResponse().withStatus(201).withBody("{\"ticket\": {\"id\": 35439}}")));
		Fixtures.Event first = closed(conversation, null);
		deliver(first);
		this.admin.awaitDelivery(first.eventId(), "ticket", "SUCCEEDED");

		// Reopened and closed again: another close event, another eventId, the same conversation
		Fixtures.Event again = closed(conversation, null);
		deliver(again);
		assertThat(this.admin.awaitDelivery(again.eventId(), "ticket", "SKIPPED").get("lastError").asString())
			.isEqualTo("ticket 35439 was already created for this conversation");
		wireMock.verify(1, postRequestedFor(urlPathEqualTo("/helpdesk/tickets")));
	}

	@Test
	void aVisitorOrOperatorThatCannotBeReadLeavesTheirFieldsEmptyAndOnlyABrokenLookupWarns(CapturedOutput output) {
		String conversation = UUID.randomUUID().toString();
		givenTranscript(conversation, "I want a refund");
		// Ids no other test uses: the visitor cache must not answer for them.
		String visitorId = "73429889";
		String operatorId = "25254";
		wireMock.stubFor(get(urlPathEqualTo("/ha/api/2/visitor/" + visitorId)).willReturn(aResponse().withStatus(404)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"meta\": {\"status\": \"fail\", \"message\": \"Unknown visitor\"}}")));
		wireMock.stubFor(get(urlPathEqualTo("/ha/api/2/operator/" + operatorId)).willReturn(aResponse().withStatus(400)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"meta\": {\"status\": \"fail\", \"message\": \"Invalid parameter\"}}")));
		wireMock.stubFor(post(urlPathEqualTo("/helpdesk/tickets"))
			.willReturn(aResponse().withStatus(201).withBody("{\"ticket\": {\"id\": 35441}}")));

		Fixtures.Event closed = closed(conversation, null);
		Fixtures.Event event = new Fixtures.Event(closed.eventId(),
				closed.body().replace("63429889", visitorId).replace("15254", operatorId));
		deliver(event);
		this.admin.awaitDelivery(event.eventId(), "ticket", "SUCCEEDED");

		String body = firstTicket();
		assertThat(has(body, "$.ticket.requester[?(@.name == null && @.email == null)]")).as(body).isTrue();
		assertThat(has(body, "$.ticket.assignee[?(@.name == null && @.iadvizeId == " + operatorId + ")]")).as(body)
			.isTrue();
		assertThat(output.getOut().lines().filter((line) -> line.contains(event.eventId())))
			.anySatisfy((line) -> assertThat(line).contains("INFO").contains("without requester details"))
			.anySatisfy((line) -> assertThat(line).contains("WARN")
				.contains("without operator details, whose lookup failed for good"))
			.noneSatisfy((line) -> assertThat(line).contains("WARN").contains("requester"));
	}

	@Test
	void anEventThatNamesNoVisitorMakesATicketWithoutRequesterAndWithoutAWarning(CapturedOutput output) {
		String conversation = UUID.randomUUID().toString();
		givenTranscript(conversation, "I want a refund");
		wireMock.stubFor(post(urlPathEqualTo("/helpdesk/tickets"))
			.willReturn(aResponse().withStatus(201).withBody("{\"ticket\": {\"id\": 35442}}")));

		Fixtures.Event closed = closed(conversation, null);
		Fixtures.Event event = new Fixtures.Event(closed.eventId(), closed.body()
			.replace("\"visitorExternalId\": \"63429889\",", "")
			.replace("\"visitorId\": \"b05f1b45-c891-4a9c-b47e-91ee6c8ffb44\",", ""));
		assertThat(event.body()).doesNotContain("visitor");
		deliver(event);
		this.admin.awaitDelivery(event.eventId(), "ticket", "SUCCEEDED");

		String body = firstTicket();
		assertThat(has(body, "$.ticket.requester[?(@.name == null && @.email == null)]")).as(body).isTrue();
		wireMock.verify(0, getRequestedFor(urlPathEqualTo("/ha/api/2/visitor/63429889")));
		assertThat(output.getOut().lines().filter((line) -> line.contains(event.eventId())))
			.anySatisfy((line) -> assertThat(line).contains("INFO").contains("the event names no visitor"))
			.noneSatisfy((line) -> assertThat(line).contains("WARN"));
	}

	@Test
	void aRetrySendsTheBodyOfTheFirstAttemptEvenWhenTheVisitorChangedMeanwhile() {
		String conversation = UUID.randomUUID().toString();
		givenTranscript(conversation, "The screen is broken");
		// The helpdesk fails the first request; meanwhile the visitor edits their name in iAdvize.
		wireMock.stubFor(post(urlPathEqualTo("/helpdesk/tickets")).inScenario("renamed")
			.whenScenarioStateIs(Scenario.STARTED)
			.willReturn(aResponse().withStatus(503))
			.willSetStateTo("renamed"));
		wireMock.stubFor(get(urlPathEqualTo("/ha/api/2/visitor/63429889")).inScenario("renamed")
			.whenScenarioStateIs("renamed")
			.willReturn(okJson("""
					{"meta": {"status": "success"}, "data": {"id": 63429889, "firstname": "Augusta",
					 "lastname": "King", "email": "ada@example.com"}}""")));
		wireMock.stubFor(post(urlPathEqualTo("/helpdesk/tickets")).inScenario("renamed")
			.whenScenarioStateIs("renamed")
			.willReturn(aResponse().withStatus(201).withBody("{\"ticket\": {\"id\": 35440}}")));

		Fixtures.Event event = closed(conversation, null);
		deliver(event);
		this.admin.awaitDelivery(event.eventId(), "ticket", "SUCCEEDED");

		List<LoggedRequest> sent = wireMock.findAll(postRequestedFor(urlPathEqualTo("/helpdesk/tickets")));
		assertThat(sent).hasSize(2);
		// The same Idempotency-Key with another body would be refused by a helpdesk that honours the key.
		assertThat(sent.get(1).getBodyAsString()).isEqualTo(sent.get(0).getBodyAsString()).contains("Ada Lovelace");
		assertThat(wireMock.findAll(getRequestedFor(urlPathEqualTo("/ha/api/2/visitor/63429889")))).hasSize(2);
	}

	@Test
	void aLowSatisfactionAnswerMakesATicketWithoutAKeyword() {
		String conversation = UUID.randomUUID().toString();
		givenTranscript(conversation, "Where is my order?", "It ships tomorrow.");
		wireMock.stubFor(post(urlPathEqualTo("/helpdesk/tickets"))
			.willReturn(aResponse().withStatus(201).withBody("{\"ticket\": {\"id\": 35437}}")));

		Fixtures.Event answer = satisfaction(conversation, 1);
		deliver(answer);
		this.admin.awaitDelivery(answer.eventId(), "ticket-satisfaction", "SUCCEEDED");
		Fixtures.Event closed = closed(conversation, null);
		deliver(closed);
		this.admin.awaitDelivery(closed.eventId(), "ticket", "SUCCEEDED");

		LoggedRequest sent = wireMock.findAll(postRequestedFor(urlPathEqualTo("/helpdesk/tickets"))).getFirst();
		assertThat(sent.getBodyAsString()).contains("\"subject\":\"iAdvize conversation with Ada Lovelace (low-satisfaction)\"",
				"\"satisfaction\":1", "\"tags\":[]");
	}

	@Test
	void withoutAKeywordATicketWaitsForTheSatisfactionAnswerOrIsSkipped() {
		String recent = UUID.randomUUID().toString();
		givenTranscript(recent, "Where is my order?", "It ships tomorrow.");
		Fixtures.Event justClosed = closed(recent, Instant.now());
		deliver(justClosed);
		JsonNode waiting = this.admin.awaitDelivery(justClosed.eventId(), "ticket", "FAILED");
		assertThat(waiting.get("lastError").asString()).contains("waiting for a satisfaction answer");
		assertThat(Instant.parse(waiting.get("nextAttemptAt").asString()))
			.isCloseTo(Instant.now().plus(Duration.ofMinutes(30)), within(Duration.ofMinutes(1)));

		String old = UUID.randomUUID().toString();
		givenTranscript(old, "Thanks, bye");
		Fixtures.Event closedLongAgo = closed(old, null);
		deliver(closedLongAgo);
		assertThat(this.admin.awaitDelivery(closedLongAgo.eventId(), "ticket", "SKIPPED").get("lastError").asString())
			.isEqualTo("no keyword in the transcript and no satisfaction answer at or below 2");
		wireMock.verify(0, postRequestedFor(urlPathEqualTo("/helpdesk/tickets")));
	}

	@Test
	void a503IsRetriedA400FailsForGoodAndAReplaySendsTheSameKey() throws Exception {
		String conversation = UUID.randomUUID().toString();
		givenTranscript(conversation, "The screen is broken");
		wireMock.stubFor(post(urlPathEqualTo("/helpdesk/tickets")).inScenario("helpdesk")
			.whenScenarioStateIs(Scenario.STARTED)
			.willReturn(aResponse().withStatus(503))
			.willSetStateTo("misconfigured"));
		wireMock.stubFor(post(urlPathEqualTo("/helpdesk/tickets")).inScenario("helpdesk")
			.whenScenarioStateIs("misconfigured")
			.willReturn(aResponse().withStatus(400).withBody("{\"error\": \"RecordInvalid\", \"details\": "
					+ "{\"requester\": \"helpdesk-api-token-9f2e is not allowed\"}}")));

		Fixtures.Event event = closed(conversation, null);
		deliver(event);
		JsonNode dead = this.admin.awaitDelivery(event.eventId(), "ticket", "DEAD");
		assertThat(dead.get("attempts").asInt()).isEqualTo(2);
		assertThat(dead.get("history").get(0).get("error").asString()).contains("answered HTTP 503");
		assertThat(dead.get("lastError").asString()).contains("answered HTTP 400: {\"error\": \"RecordInvalid\"")
			.doesNotContain("helpdesk-api-token-9f2e");

		wireMock.stubFor(post(urlPathEqualTo("/helpdesk/tickets")).inScenario("helpdesk")
			.whenScenarioStateIs("misconfigured")
			.willReturn(aResponse().withStatus(201).withBody("{\"ticket\": {\"id\": 35438}}")));
		this.admin.replay(event.eventId(), "ticket");
		this.admin.awaitDelivery(event.eventId(), "ticket", "SUCCEEDED");

		List<LoggedRequest> sent = wireMock.findAll(postRequestedFor(urlPathEqualTo("/helpdesk/tickets")));
		assertThat(sent).hasSize(3)
			.extracting((request) -> request.getHeader("Idempotency-Key"))
			.containsOnly(event.eventId() + ":ticket");
		for (LoggedRequest request : sent) {
			SignedRequests.verify(request, SIGNING_SECRET);
		}
	}

	private static String firstTicket() {
		return wireMock.findAll(postRequestedFor(urlPathEqualTo("/helpdesk/tickets"))).getFirst().getBodyAsString();
	}

	private static boolean has(String json, String path) {
		return matchingJsonPath(path).match(json).isExactMatch();
	}

	private void givenTranscript(String conversationId, String visitorSays, String... operatorSays) {
		StringBuilder edges = new StringBuilder(message("VisitorMessage", visitorSays));
		for (String text : operatorSays) {
			edges.append(", ").append(message("OperatorMessage", text));
		}
		wireMock.stubFor(post(urlPathEqualTo("/graphql")).withRequestBody(containing("RelayConversation"))
			.withRequestBody(matchingJsonPath("$.variables.id", equalTo(conversationId)))
			.willReturn(okJson("""
					{"data": {"conversation": {"id": "%s", "messages": {
					  "pageInfo": {"hasNextPage": false, "endCursor": "c1"}, "edges": [%s]}}}}"""
				.formatted(conversationId, edges))));
	}

	private static String message(String type, String text) {
		return """
				{"node": {"__typename": "%s", "createdAt": "2026-11-25T10:00:00Z",
				 "attachments": [{"__typename": "TextAttachment", "text": "%s"}]}}""".formatted(type, text);
	}

	private static Fixtures.Event closed(String conversationId, Instant closedAt) {
		Fixtures.Event event = Fixtures.withFreshId("v2.conversation.closed.json");
		String body = event.body().replace("4c8c7408-f73c-42cd-89e9-afbbee7d9024", conversationId);
		if (closedAt != null) {
			body = body.replace("\"createdAt\": \"2019-04-12T07:58:35.171Z\"", "\"createdAt\": \"" + closedAt + "\"");
		}
		return new Fixtures.Event(event.eventId(), body);
	}

	private static Fixtures.Event satisfaction(String conversationId, int csat) {
		Fixtures.Event event = Fixtures.withFreshId("satisfaction.answered.customerSatisfaction.json");
		return new Fixtures.Event(event.eventId(),
				event.body().replace("2d90a8a2-16df-45f5-897e-31adf9aa165d", conversationId)
					.replace("\"customerSatisfaction\" : 3", "\"customerSatisfaction\" : " + csat));
	}

	private void deliver(Fixtures.Event event) {
		assertThat(this.client.deliver(event.body()).statusCode()).isEqualTo(202);
	}

	private static WireMockServer start() {
		WireMockServer server = new WireMockServer(
				WireMockConfiguration.options().dynamicPort().http2PlainDisabled(true));
		server.start();
		Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
		return server;
	}

}
