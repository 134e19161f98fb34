package io.relay.workflow.lead;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.relay.dispatch.Delivery;
import io.relay.support.AdminApi;
import io.relay.support.Fixtures;
import io.relay.support.HeldResponses;
import io.relay.support.SignedRequests;
import io.relay.support.WebhookClient;
import io.relay.workflow.outbound.IdempotentRequests;
import io.relay.workflow.outbound.StandardWebhooks;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;
import tools.jackson.databind.JsonNode;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;

/**
 * The lead workflow end to end, configured as {@code docs/workflows.md} shows it
 * ({@code application-lead-example.yml}): signed webhooks in, iAdvize's REST API and the CRM on WireMock, outcomes
 * through the admin API. Run on H2 and PostgreSQL by the subclasses.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET, "spring.security.user.name=" + AdminApi.USER,
				"spring.security.user.password=" + AdminApi.PASSWORD, "relay.dispatch.poll-interval=50ms",
				"relay.dispatch.handlers.lead.max-attempts=50", "relay.dispatch.handlers.lead.initial-backoff=10ms",
				"relay.dispatch.handlers.lead.max-backoff=200ms", "relay.workflows.log.enabled=false",
				// Longer than the example's 5 s: a CRM answer the overlap test holds must not time out on a slow machine.
				"relay.workflows.lead.http.read-timeout=30s" })
@ActiveProfiles("lead-example")
abstract class LeadWorkflowTests {

	static final String SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

	static final HeldResponses held = new HeldResponses();

	static final WireMockServer wireMock = start();

	@LocalServerPort
	int port;

	@Autowired
	JdbcTemplate jdbc;

	@MockitoSpyBean
	LeadVisitors visitors;

	@Autowired
	IdempotentRequests requests;

	WebhookClient client;

	AdminApi admin;

	@DynamicPropertySource
	static void wireMock(DynamicPropertyRegistry registry) {
		registry.add("test.wiremock.url", wireMock::baseUrl);
	}

	@BeforeEach
	void setUp() {
		wireMock.resetAll();
		this.client = WebhookClient.onPort(this.port);
		this.admin = new AdminApi(this.port);
	}

	@Test
	void aClosedConversationsVisitorIsCreatedInTheCrmAsConfiguredSignedAndWithTheIdempotencyKey() throws Exception {
		String visitorId = visitorNumber();
		String email = "ada-" + UUID.randomUUID() + "@example.com";
		givenRestVisitor("ha", visitorId, email, "+33 6 12 34 56 78");
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts"))
			.willReturn(aResponse().withStatus(201).withBody("{\"id\": \"crm-42\"}")));

		Fixtures.Event event = closed(visitorId, "CHAT");
		deliver(event);
		this.admin.awaitDelivery(event.eventId(), "lead", "SUCCEEDED");

		LoggedRequest sent = single(postRequestedFor(urlPathEqualTo("/crm/contacts")));
		assertThat(sent.getBodyAsString()).satisfies((body) -> assertThat(equalToJson("""
				{"email": "%s", "phone": "+33 6 12 34 56 78", "name": "Ada Lovelace", "country": "France",
				 "source": {"system": "iadvize", "channel": "CHAT", "conversationId": "4c8c7408-f73c-42cd-89e9-afbbee7d9024",
				            "projectId": 1549, "event": "v2.conversation.closed"},
				 "note": "Lead from iAdvize: Ada Lovelace (v2.conversation.closed)"}""".formatted(email))
			.match(body)
			.isExactMatch()).as(body).isTrue());
		assertThat(sent.getHeader("Authorization")).isEqualTo("Bearer crm-token-5d0c2a9e71f3");
		assertThat(sent.getHeader("X-Source")).isEqualTo("iadvize");
		assertThat(sent.getHeader("Content-Type")).startsWith("application/json");
		assertThat(sent.getHeader("Idempotency-Key")).isEqualTo(Delivery.idempotencyKey(event.eventId(), "lead"));
		SignedRequests.verify(sent, SIGNING_SECRET);

		JsonNode detail = this.admin.event(event.eventId());
		assertThat(detail.get("references")).hasSize(1);
		assertThat(detail.get("references").get(0).get("handler").asString()).isEqualTo("lead");
		assertThat(detail.get("references").get(0).get("kind").asString()).isEqualTo("contact");
		assertThat(detail.get("references").get(0).get("value").asString()).isEqualTo("crm-42");
	}

	@Test
	void withinTheWindowTheSameVisitorIsSkippedAndAfterItTheContactIsUpdated() {
		String visitorId = visitorNumber();
		String uniqueId = "593de0891b628a50b" + UUID.randomUUID().toString().replace("-", "");
		String email = "grace-" + UUID.randomUUID() + "@example.com";
		String contact = "crm-" + UUID.randomUUID();
		givenRestVisitor("ha", visitorId, email, null);
		// visitor.updated names the visitor by its older unique id; the email differs only in case
		givenVisitorByUniqueId(uniqueId, """
				{"id": 560, "unique_id": "%s", "firstname": "Grace", "lastname": "Hopper", "email": "%s",
				 "country": "US"}""".formatted(uniqueId, email.toUpperCase()));
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts"))
			.willReturn(aResponse().withStatus(201).withBody("{\"id\": \"" + contact + "\"}")));
		wireMock.stubFor(patch(urlPathEqualTo("/crm/contacts/" + contact)).willReturn(aResponse().withStatus(200)));

		Fixtures.Event first = closed(visitorId, "CHAT");
		deliver(first);
		this.admin.awaitDelivery(first.eventId(), "lead", "SUCCEEDED");

		Fixtures.Event second = visitorUpdated(uniqueId);
		deliver(second);
		JsonNode skipped = this.admin.awaitDelivery(second.eventId(), "lead", "SKIPPED");
		assertThat(skipped.get("lastError").asString()).contains("relay.workflows.lead.window (PT24H)");

		// A day later: the window is over
		Instant dayAgo = Instant.now().minus(Duration.ofHours(25)).truncatedTo(ChronoUnit.SECONDS);
		this.jdbc.update("update lead_visitor set first_sent_at = ?, last_sent_at = ? where external_id = ?",
				Timestamp.from(dayAgo), Timestamp.from(dayAgo), contact);
		Fixtures.Event third = visitorUpdated(uniqueId);
		deliver(third);
		this.admin.awaitDelivery(third.eventId(), "lead", "SUCCEEDED");

		LoggedRequest update = single(patchRequestedFor(urlPathEqualTo("/crm/contacts/" + contact)));
		assertThat(update.getBodyAsString()).satisfies((body) -> assertThat(equalToJson("""
				{"email": "%s", "phone": null, "name": "Grace Hopper", "country": "US",
				 "lastEvent": "visitor.updated", "previouslySentAt": "%s"}""".formatted(email.toUpperCase(), dayAgo))
			.match(body)
			.isExactMatch()).as(body).isTrue());
		assertThat(update.getHeader("Idempotency-Key")).isEqualTo(third.eventId() + ":lead:update");
		wireMock.verify(1, postRequestedFor(urlPathEqualTo("/crm/contacts")));
		assertThat(this.admin.event(third.eventId()).get("references").get(0).get("value").asString())
			.isEqualTo(contact);

		// Another day later, an operator replays the first event, which created the contact: now an update, under a
		// key of its own (under the create's key, it would carry the create's body to the update URL).
		this.jdbc.update("update lead_visitor set first_sent_at = ?, last_sent_at = ? where external_id = ?",
				Timestamp.from(dayAgo), Timestamp.from(dayAgo), contact);
		assertThat(this.admin.replay(first.eventId(), "lead")).isEqualTo(1);
		await().atMost(Duration.ofSeconds(30))
			.until(() -> wireMock.findAll(patchRequestedFor(urlPathEqualTo("/crm/contacts/" + contact))).size() == 2);
		LoggedRequest replayed = wireMock.findAll(patchRequestedFor(urlPathEqualTo("/crm/contacts/" + contact))).get(1);
		assertThat(replayed.getHeader("Idempotency-Key")).isEqualTo(first.eventId() + ":lead:update");
		assertThat(replayed.getBodyAsString().replaceAll("\\s", ""))
			.contains("\"lastEvent\":\"v2.conversation.closed\"")
			.doesNotContain("\"source\"");
		wireMock.verify(1, postRequestedFor(urlPathEqualTo("/crm/contacts")));
	}

	@Test
	void twoEventsOfOneVisitorAtOnceMakeOneContact() {
		String visitorId = visitorNumber();
		String uniqueId = "5f1c" + UUID.randomUUID().toString().replace("-", "");
		String email = "twice-" + UUID.randomUUID() + "@example.com";
		givenRestVisitor("ha", visitorId, email, null);
		givenVisitorByUniqueId(uniqueId, """
				{"id": 561, "email": "%s"}""".formatted(email));
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts"))
			.willReturn(aResponse().withStatus(201).withBody("{\"id\": \"crm-9\"}")));

		Fixtures.Event closed = closed(visitorId, "CHAT");
		Fixtures.Event updated = visitorUpdated(uniqueId);
		// The CRM holds the first create until the other delivery has found it in flight: they overlap for sure.
		held.hold("/crm/contacts");
		try {
			deliver(closed);
			deliver(updated);
			await().atMost(Duration.ofSeconds(30)).until(() -> Stream.of(closed, updated)
				.map((event) -> this.admin.delivery(event.eventId(), "lead"))
				.anyMatch((delivery) -> delivery != null && delivery.get("history").toString()
					.contains("another delivery is sending this visitor to the CRM")));
		}
		finally {
			held.release();
		}

		List<JsonNode> outcomes = List.of(awaitFinished(closed.eventId()), awaitFinished(updated.eventId()));
		assertThat(outcomes).extracting((delivery) -> delivery.get("status").asString())
			.containsExactlyInAnyOrder("SUCCEEDED", "SKIPPED");
		assertThat(outcomes).filteredOn((delivery) -> delivery.get("status").asString().equals("SKIPPED"))
			.singleElement()
			.satisfies((skipped) -> assertThat(skipped.get("lastError").asString())
				.contains("relay.workflows.lead.window"));
		wireMock.verify(1, postRequestedFor(urlPathEqualTo("/crm/contacts")));
	}

	@Test
	void aCreateWhoseOutcomeIsUnknownIsSentAgainUnderItsKeyByTheNextDeliveryForTheVisitor() {
		String visitorId = visitorNumber();
		String uniqueId = "7a2e" + UUID.randomUUID().toString().replace("-", "");
		String email = "unknown-outcome-" + UUID.randomUUID() + "@example.com";
		givenRestVisitor("ha", visitorId, email, null);
		givenVisitorByUniqueId(uniqueId, """
				{"id": 562, "firstname": "Other", "email": "%s"}""".formatted(email));
		// A 500 may come after the CRM made the contact: the create's outcome is unknown.
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts")).willReturn(aResponse().withStatus(500)));

		Fixtures.Event closed = closed(visitorId, "CHAT");
		deliver(closed);
		// The close event's delivery has sent its create (a delivery is RUNNING with one attempt from the start)
		await().until(() -> wireMock.findAll(postRequestedFor(urlPathEqualTo("/crm/contacts"))
			.withHeader("Idempotency-Key", equalTo(closed.eventId() + ":lead"))), (sent) -> !sent.isEmpty());
		Fixtures.Event updated = visitorUpdated(uniqueId);
		deliver(updated);
		// The second event's delivery has sent (not only waited for the first one's claim)
		await().until(() -> this.admin.delivery(updated.eventId(), "lead"), (delivery) -> delivery != null
				&& delivery.get("history").toString().contains("answered HTTP 500"));
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts"))
			.willReturn(aResponse().withStatus(201).withBody("{\"id\": \"crm-11\"}")));

		List<JsonNode> outcomes = List.of(awaitFinished(closed.eventId()), awaitFinished(updated.eventId()));
		assertThat(outcomes).extracting((delivery) -> delivery.get("status").asString())
			.containsExactlyInAnyOrder("SUCCEEDED", "SKIPPED");
		List<LoggedRequest> creates = wireMock.findAll(postRequestedFor(urlPathEqualTo("/crm/contacts")));
		// Every create is the first one: its key and its body (rendered from the close event), whoever sent it.
		assertThat(creates).extracting((request) -> request.getHeader("Idempotency-Key"))
			.containsOnly(closed.eventId() + ":lead");
		assertThat(creates).extracting(LoggedRequest::getBodyAsString)
			.containsOnly(creates.getFirst().getBodyAsString());
		assertThat(creates.getFirst().getBodyAsString()).contains("v2.conversation.closed");
		assertThat(this.jdbc.queryForObject("select count(*) from lead_visitor where external_id = 'crm-11' and "
				+ "pending_key is null", Integer.class)).isOne();
	}

	@Test
	void aDeliveryWhoseClaimWasTakenBeforeItsCreateSendsNothingAndTriesAgain() {
		String visitorId = visitorNumber();
		givenRestVisitor("ha", visitorId, "lapsed-" + UUID.randomUUID() + "@example.com", null);
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts"))
			.willReturn(aResponse().withStatus(201).withBody("{\"id\": \"crm-13\"}")));
		Fixtures.Event event = closed(visitorId, "CHAT");
		AtomicBoolean taken = new AtomicBoolean();
		doAnswer((invocation) -> {
			if (invocation.getArgument(1, String.class).equals(Delivery.idempotencyKey(event.eventId(), "lead"))
					&& taken.compareAndSet(false, true)) {
				// Its claim lapsed and another delivery (another instance) took it, and has let it lapse since.
				this.jdbc.update("update lead_visitor set claimed_by = 'another-delivery', claimed_until = ? where "
						+ "visitor_key = ?", Timestamp.from(Instant.now().minusSeconds(1)),
						invocation.getArgument(0, String.class));
			}
			return invocation.callRealMethod();
		}).when(this.visitors).creating(any(), any(), any());

		deliver(event);
		JsonNode delivery = this.admin.awaitDelivery(event.eventId(), "lead", "SUCCEEDED");

		assertThat(delivery.get("attempts").asInt()).isEqualTo(2);
		assertThat(delivery.get("history").get(0).get("error").asString())
			.isEqualTo("the claim on this visitor lapsed and another delivery took it before the create was sent");
		wireMock.verify(1, postRequestedFor(urlPathEqualTo("/crm/contacts")));
		// The body kept for the attempt that sent nothing was given back: only the second attempt counts.
		assertThat(this.jdbc.queryForObject("select attempts from outbound_request where idempotency_key = ?",
				Integer.class, Delivery.idempotencyKey(event.eventId(), "lead"))).isOne();
	}

	@Test
	void aCreateIsMarkedPendingOnlyOnceItsBodyIsKeptSoThatADeliveryTakingOverSendsItUnderItsKey() {
		String visitorId = visitorNumber();
		givenRestVisitor("ha", visitorId, "pending-" + UUID.randomUUID() + "@example.com", null);
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts"))
			.willReturn(aResponse().withStatus(201).withBody("{\"id\": \"crm-14\"}")));
		Fixtures.Event event = closed(visitorId, "CHAT");
		List<Boolean> keptWhenMarked = new CopyOnWriteArrayList<>();
		doAnswer((invocation) -> {
			Object marked = invocation.callRealMethod();
			// What a delivery taking over at this moment (this one stalls, its claim lapses) reads in decide():
			// a pending key counts only with its body kept, else it creates under its own key: a second contact.
			keptWhenMarked.add(this.requests.has(invocation.getArgument(2, String.class)));
			return marked;
		}).when(this.visitors).creating(any(), any(), any());

		deliver(event);
		this.admin.awaitDelivery(event.eventId(), "lead", "SUCCEEDED");

		assertThat(keptWhenMarked).containsExactly(true);
		wireMock.verify(1, postRequestedFor(urlPathEqualTo("/crm/contacts")));
	}

	@Test
	void aRetrySendsTheBodyOfTheFirstAttemptEvenWhenTheVisitorChangedMeanwhile() {
		String visitorId = visitorNumber();
		String email = "renamed-" + UUID.randomUUID() + "@example.com";
		givenRestVisitor("ha", visitorId, email, null);
		// The CRM fails the first create; meanwhile the visitor edits their name in iAdvize.
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts")).inScenario("renamed")
			.whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
			.willReturn(aResponse().withStatus(503))
			.willSetStateTo("renamed"));
		wireMock.stubFor(get(urlPathEqualTo("/ha/api/2/visitor/" + visitorId)).inScenario("renamed")
			.whenScenarioStateIs("renamed")
			.willReturn(okJson("""
					{"meta": {"status": "success"}, "data": {"id": %s, "firstname": "Augusta", "lastname": "King",
					 "email": "%s"}}""".formatted(visitorId, email))));
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts")).inScenario("renamed")
			.whenScenarioStateIs("renamed")
			.willReturn(aResponse().withStatus(201).withBody("{\"id\": \"crm-12\"}")));

		Fixtures.Event event = closed(visitorId, "CHAT");
		deliver(event);
		this.admin.awaitDelivery(event.eventId(), "lead", "SUCCEEDED");

		List<LoggedRequest> creates = wireMock.findAll(postRequestedFor(urlPathEqualTo("/crm/contacts")));
		assertThat(creates).hasSize(2);
		assertThat(creates.get(1).getBodyAsString()).isEqualTo(creates.get(0).getBodyAsString()).contains("Ada Lovelace");
		assertThat(wireMock.findAll(getRequestedFor(urlPathEqualTo("/ha/api/2/visitor/" + visitorId)))).hasSize(2);
	}

	@Test
	void a503IsRetriedWithTheSameIdempotencyKeyAndWebhookId() throws Exception {
		String visitorId = visitorNumber();
		givenRestVisitor("ha", visitorId, "retry-" + UUID.randomUUID() + "@example.com", null);
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts")).inScenario("busy CRM")
			.whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
			.willReturn(aResponse().withStatus(503).withBody("overloaded"))
			.willSetStateTo("recovered"));
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts")).inScenario("busy CRM")
			.whenScenarioStateIs("recovered")
			.willReturn(aResponse().withStatus(201).withBody("{\"id\": \"crm-7\"}")));

		Fixtures.Event event = closed(visitorId, "VIDEO");
		deliver(event);
		JsonNode delivery = this.admin.awaitDelivery(event.eventId(), "lead", "SUCCEEDED");

		assertThat(delivery.get("attempts").asInt()).isEqualTo(2);
		assertThat(delivery.get("history").get(0).get("error").asString()).contains("answered HTTP 503: overloaded");
		List<LoggedRequest> sent = wireMock.findAll(postRequestedFor(urlPathEqualTo("/crm/contacts")));
		assertThat(sent).hasSize(2);
		assertThat(sent).extracting((request) -> request.getHeader("Idempotency-Key"))
			.containsOnly(event.eventId() + ":lead");
		assertThat(sent).extracting((request) -> request.getHeader("webhook-id"))
			.containsOnly(StandardWebhooks.messageId(event.eventId() + ":lead"));
		for (LoggedRequest request : sent) {
			SignedRequests.verify(request, SIGNING_SECRET);
		}
	}

	@Test
	void a400FailsForGoodWithTheAnswerAndAReplaySendsTheSameKeyAgain() {
		String visitorId = visitorNumber();
		givenRestVisitor("ha", visitorId, "invalid-" + UUID.randomUUID() + "@example.com", null);
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts"))
			.willReturn(aResponse().withStatus(400).withBody("{\"error\": \"country is not a country\"}")));

		Fixtures.Event event = closed(visitorId, "CHAT");
		deliver(event);
		JsonNode dead = this.admin.awaitDelivery(event.eventId(), "lead", "DEAD");
		assertThat(dead.get("attempts").asInt()).isEqualTo(1);
		assertThat(dead.get("lastError").asString()).startsWith("lead: POST " + wireMock.baseUrl() + "/crm/contacts "
				+ "answered HTTP 400: {\"error\": \"country is not a country\"}")
			.doesNotContain("crm-token-5d0c2a9e71f3");

		// The CRM is fixed; an operator replays the dead delivery
		wireMock.stubFor(post(urlPathEqualTo("/crm/contacts"))
			.willReturn(aResponse().withStatus(201).withBody("{\"id\": \"crm-8\"}")));
		assertThat(this.admin.replay(event.eventId(), "lead")).isEqualTo(1);
		this.admin.awaitDelivery(event.eventId(), "lead", "SUCCEEDED");
		assertThat(wireMock.findAll(postRequestedFor(urlPathEqualTo("/crm/contacts"))))
			.hasSize(2)
			.extracting((request) -> request.getHeader("Idempotency-Key"))
			.containsOnly(event.eventId() + ":lead");
	}

	@Test
	void aVisitorWithoutEmailOrPhoneIsSkippedAndOtherChannelsAreNotDelivered() {
		String visitorId = visitorNumber();
		givenRestVisitor("ha", visitorId, null, null);
		Fixtures.Event anonymous = closed(visitorId, "CHAT");
		deliver(anonymous);
		JsonNode skipped = this.admin.awaitDelivery(anonymous.eventId(), "lead", "SKIPPED");
		assertThat(skipped.get("lastError").asString()).isEqualTo("the visitor has no email address and no phone number");

		Fixtures.Event sms = closed(visitorNumber(), "SMS");
		deliver(sms);
		await().until(() -> this.admin.event(sms.eventId()) != null);
		// Other workflows (the CSAT dashboard, on by default) may take the event; the lead workflow must not.
		assertThat(this.admin.event(sms.eventId()).get("deliveries"))
			.noneSatisfy((delivery) -> assertThat(delivery.get("handler").asString()).isEqualTo("lead"));
		wireMock.verify(0, postRequestedFor(urlPathEqualTo("/crm/contacts")));
	}

	@Test
	void anEventThatNamesNoVisitorIsSkippedNotDead() {
		Fixtures.Event event = Fixtures.withFreshId("v2.conversation.closed.json");
		Fixtures.Event nobody = new Fixtures.Event(event.eventId(), event.body()
			.replace("\"visitorExternalId\": \"63429889\",", "")
			.replace("\"visitorId\": \"b05f1b45-c891-4a9c-b47e-91ee6c8ffb44\",", ""));
		assertThat(nobody.body()).doesNotContain("visitor");
		deliver(nobody);
		JsonNode skipped = this.admin.awaitDelivery(nobody.eventId(), "lead", "SKIPPED");
		assertThat(skipped.get("lastError").asString()).isEqualTo("the visitor is not known to iAdvize: the event "
				+ "names no visitor (no visitorId, no visitorExternalId)");
		wireMock.verify(0, postRequestedFor(urlPathEqualTo("/crm/contacts")));
	}

	private JsonNode awaitFinished(String eventId) {
		return await().atMost(Duration.ofSeconds(30)).until(() -> this.admin.delivery(eventId, "lead"),
				(delivery) -> delivery != null
						&& List.of("SUCCEEDED", "SKIPPED", "DEAD").contains(delivery.get("status").asString()));
	}

	private void givenRestVisitor(String platform, String id, String email, String phone) {
		wireMock.stubFor(get(urlPathEqualTo("/" + platform + "/api/2/visitor/" + id))
			.withHeader("X-API-Key", equalTo("rest-key-3f9c2a7d51e8"))
			.willReturn(okJson("""
					{"meta": {"status": "success"}, "data": {"id": %s, "firstname": "Ada", "lastname": "Lovelace",
					 "email": %s, "phone": %s, "city": "Nantes", "country": "France"}}"""
				.formatted(id, json(email), json(phone)))));
	}

	/** REST's answer to {@code GET /visitor?filters[unique_id]=...}: one page with this visitor. */
	private static void givenVisitorByUniqueId(String uniqueId, String visitorJson) {
		wireMock.stubFor(get(urlPathEqualTo("/sd/api/2/visitor")).withQueryParam("filters[unique_id]", equalTo(uniqueId))
			.willReturn(okJson("""
					{"meta": {"status": "success"}, "data": [%s],
					 "pagination": {"page": 1, "pages": 1, "limit": 100, "count": 1}}""".formatted(visitorJson))));
	}

	private static Fixtures.Event closed(String visitorExternalId, String channel) {
		Fixtures.Event event = Fixtures.withFreshId("v2.conversation.closed.json");
		return new Fixtures.Event(event.eventId(), event.body()
			.replace("\"visitorExternalId\": \"63429889\"", "\"visitorExternalId\": \"" + visitorExternalId + "\"")
			.replace("\"channel\": \"CHAT\"", "\"channel\": \"" + channel + "\""));
	}

	private static Fixtures.Event visitorUpdated(String visitorId) {
		Fixtures.Event event = Fixtures.withFreshId("visitor.updated.json");
		return new Fixtures.Event(event.eventId(),
				event.body().replace("593de0891b628a50b09835dc6c0e92565329c74baa90e", visitorId));
	}

	private void deliver(Fixtures.Event event) {
		assertThat(this.client.deliver(event.body()).statusCode()).isEqualTo(202);
	}

	private static LoggedRequest single(com.github.tomakehurst.wiremock.matching.RequestPatternBuilder pattern) {
		List<LoggedRequest> requests = wireMock.findAll(pattern);
		assertThat(requests).hasSize(1);
		return requests.getFirst();
	}

	private static String visitorNumber() {
		return Long.toString(ThreadLocalRandom.current().nextLong(100_000_000L, 999_999_999L));
	}

	private static String json(String value) {
		return (value != null) ? "\"" + value + "\"" : "null";
	}

	private static WireMockServer start() {
		WireMockServer server = new WireMockServer(
				WireMockConfiguration.options().dynamicPort().http2PlainDisabled(true).extensions(held));
		server.start();
		Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
		return server;
	}

}
