package io.relay.admin;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.micrometer.core.instrument.MeterRegistry;
import io.relay.support.AdminClient;
import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quarantine through the admin API: what the webhook could not read is listed with its reason and body, and
 * once readable it is stored as an event and dispatched. Run on H2 and PostgreSQL by the subclasses.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET, "spring.security.user.name=" + AdminClient.USER,
				"spring.security.user.password=" + AdminClient.PASSWORD, "relay.dispatch.poll-interval=50ms" })
abstract class QuarantineTests {

	@LocalServerPort
	int port;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	MeterRegistry meters;

	WebhookClient webhook;

	AdminClient admin;

	@BeforeEach
	void clients() {
		this.webhook = WebhookClient.onPort(this.port);
		this.admin = AdminClient.onPort(this.port);
	}

	@Test
	void aSignedDeliveryThatIsNotAnEventIsListedWithItsReasonAndBody() {
		String delivery = UUID.randomUUID().toString();
		String body = "{\"eventId\": \"q-" + delivery + "\", \"eventType\": \"user.created\"";
		double quarantinedBefore = quarantinedCount();
		HttpResponse<String> refused = this.webhook.request(body).deliveryId(delivery).send();
		assertThat(refused.statusCode()).isEqualTo(400);
		assertThat(quarantinedCount()).isEqualTo(quarantinedBefore + 1);
		// Unsigned: refused and counted as such, not quarantined (the alert on the counter means a signed one).
		assertThat(this.webhook.request(body).unsigned().send().statusCode()).isEqualTo(401);
		assertThat(quarantinedCount()).isEqualTo(quarantinedBefore + 1);

		JsonNode listed = quarantined(delivery);
		assertThat(listed.get("reason").asString()).startsWith("the body is not valid JSON: Unexpected end-of-input");
		assertThat(listed.get("size").asInt()).isEqualTo(body.length());
		assertThat(listed.has("payload")).as("the list leaves the bodies out").isFalse();
		JsonNode detail = json(this.admin.send("GET", "/admin/api/quarantine/" + listed.get("id").asLong(), null,
				null));
		assertThat(detail.get("payload").asString()).isEqualTo(body);
		assertThat(detail.get("deliveryId").asString()).isEqualTo(delivery);
		assertThat(detail.get("contentType").asString()).startsWith("application/json");

		HttpResponse<String> still = accept(listed.get("id").asLong());
		assertThat(still.statusCode()).isEqualTo(422);
		assertThat(still.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(still.body()).contains("is still not a readable event (the body is not valid JSON")
			.contains("it stays in the quarantine");
		assertThat(this.admin.send("GET", "/admin/api/quarantine/" + listed.get("id").asLong(), null, null)
			.statusCode()).isEqualTo(200);
	}

	@Test
	void aDeliveryReadableNowIsStoredAsAnEventDispatchedAndLeavesTheQuarantine() {
		// As an older Relay would have left it: an event its parser refused, which this one reads.
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		Instant receivedAt = Instant.parse("2026-11-20T09:30:00Z");
		long id = quarantine("application/json", event.body().getBytes(StandardCharsets.UTF_8), receivedAt);

		HttpResponse<String> accepted = accept(id);

		assertThat(accepted.statusCode()).isEqualTo(202);
		assertThat(json(accepted).get("eventId").asString()).isEqualTo(event.eventId());
		assertThat(json(accepted).get("status").asString()).isEqualTo("accepted");
		this.admin.awaitDelivery(event.eventId(), "log", "SUCCEEDED");
		JsonNode stored = json(this.admin.send("GET", "/admin/api/events/" + event.eventId(), null, null));
		assertThat(stored.get("eventType").asString()).isEqualTo("user.created");
		assertThat(Instant.parse(stored.get("receivedAt").asString())).as("its own receive time").isEqualTo(receivedAt);
		assertThat(stored.get("deliveryIds")).extracting(JsonNode::asString).containsExactly("quarantined-delivery");
		assertThat(this.admin.send("GET", "/admin/api/quarantine/" + id, null, null).statusCode()).isEqualTo(404);
		assertThat(accept(id).statusCode()).as("accepted once").isEqualTo(404);
	}

	@Test
	void aUtf8DeliveryLabelledAnotherCharsetIsStoredToBeReadAsUtf8() {
		// Quarantined before the webhook read such a body as the UTF-8 it is (RFC 8259), with its label.
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		byte[] utf8 = event.body().replace("\"userId\"", "\"note\": \"très €\", \"userId\"")
			.getBytes(StandardCharsets.UTF_8);
		long id = quarantine("application/json;charset=ISO-8859-1", utf8, Instant.now());

		assertThat(accept(id).statusCode()).isEqualTo(202);
		assertThat(this.jdbc.queryForObject("select content_type from inbox_event where event_id = ?", String.class,
				event.eventId())).isEqualTo("application/json;charset=UTF-8");
	}

	@Test
	void aFormDeliveryIsReadAsAFormAndOneAlreadyStoredIsADuplicate() {
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		assertThat(this.webhook.deliver(event.body()).statusCode()).isEqualTo(202);
		byte[] form = ("eventId=" + URLEncoder.encode(event.eventId(), StandardCharsets.UTF_8)
				+ "&eventType=user.created&platform=sd&userId=1&createdAt=2026-11-20T09%3A30%3A00Z")
			.getBytes(StandardCharsets.UTF_8);
		long id = quarantine("application/x-www-form-urlencoded", form, Instant.now());

		HttpResponse<String> duplicate = accept(id);

		assertThat(duplicate.statusCode()).isEqualTo(200);
		assertThat(json(duplicate).get("status").asString()).isEqualTo("duplicate");
		assertThat(this.admin.send("GET", "/admin/api/quarantine/" + id, null, null).statusCode()).isEqualTo(404);
	}

	@Test
	void concurrentAcceptsOfOneDeliveryStoreItOnce() throws Exception {
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		long id = quarantine("application/json", event.body().getBytes(StandardCharsets.UTF_8), Instant.now());

		List<Future<HttpResponse<String>>> answers = new ArrayList<>();
		try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
			for (int i = 0; i < 4; i++) {
				answers.add(threads.submit(() -> accept(id)));
			}
		}

		List<Integer> statuses = new ArrayList<>();
		for (Future<HttpResponse<String>> answer : answers) {
			statuses.add(answer.get().statusCode());
		}
		// One stores it; the others wait for its row, then find it gone.
		assertThat(statuses).containsExactlyInAnyOrder(202, 404, 404, 404);
		assertThat(this.jdbc.queryForObject("select count(*) from inbox_duplicate where event_id = ?", Integer.class,
				event.eventId())).isZero();
		this.admin.awaitDelivery(event.eventId(), "log", "SUCCEEDED");
	}

	@Test
	void withoutAnEventIdTheCorrelationIdIsTheIdUnlessItWasCut() {
		String correlationId = "correlation-" + UUID.randomUUID();
		byte[] body = "{\"eventType\": \"user.created\", \"platform\": \"sd\", \"userId\": 1}"
			.getBytes(StandardCharsets.UTF_8);
		long id = quarantine("application/json;charset=UTF-8", body, Instant.now(), correlationId);
		HttpResponse<String> accepted = accept(id);
		assertThat(accepted.statusCode()).isEqualTo(202);
		assertThat(json(accepted).get("eventId").asString()).isEqualTo(correlationId);

		// The webhook refuses a longer one as an id, and keeps 255 characters of it in the quarantine.
		long cut = quarantine("application/json", body, Instant.now(), "c".repeat(255));
		HttpResponse<String> refused = accept(cut);
		assertThat(refused.statusCode()).isEqualTo(422);
		assertThat(refused.body()).contains("was kept cut to 255 characters");
	}

	@Test
	void theListPagesNewestFirstAndBadRequestsAreProblems() {
		long older = quarantine("application/json", "[1]".getBytes(StandardCharsets.UTF_8), Instant.now());
		long newer = quarantine("application/json", "[2]".getBytes(StandardCharsets.UTF_8), Instant.now());
		JsonNode page = json(this.admin.send("GET", "/admin/api/quarantine?size=1", null, null));
		assertThat(page.get("content")).singleElement()
			.satisfies((first) -> assertThat(first.get("id").asLong()).isEqualTo(newer));
		assertThat(page.get("page").get("totalElements").asLong()).isGreaterThanOrEqualTo(2);
		JsonNode second = json(this.admin.send("GET", "/admin/api/quarantine?size=1&page=1", null, null));
		assertThat(second.get("content")).singleElement()
			.satisfies((next) -> assertThat(next.get("id").asLong()).isEqualTo(older));

		HttpResponse<String> notANumber = this.admin.send("GET", "/admin/api/quarantine/abc", null, null);
		assertThat(notANumber.statusCode()).isEqualTo(400);
		assertThat(notANumber.body()).contains("id must be a whole number (was 'abc')");
		assertThat(this.admin.send("GET", "/admin/api/quarantine?size=0", null, null).statusCode()).isEqualTo(400);
		// An unset shell variable: refused, not read as the default page or size.
		for (String empty : new String[] { "page", "size" }) {
			HttpResponse<String> unset = this.admin.send("GET", "/admin/api/quarantine?" + empty + "=", null, null);
			assertThat(unset.statusCode()).as(empty).isEqualTo(400);
			assertThat(unset.body()).contains("Parameter '" + empty + "' is empty");
		}
		assertThat(this.admin.send("GET", "/admin/api/quarantine?page=x", null, null).body())
			.contains("page must be a whole number (was 'x')");
		assertThat(this.admin.send("GET", "/admin/api/quarantine?sze=5", null, null).body())
			.contains("Unknown parameter 'sze'");
		assertThat(this.admin.send("POST", "/admin/api/quarantine/" + Long.MAX_VALUE + "/accept", null, null).body())
			.contains("No quarantined delivery with id " + Long.MAX_VALUE);
		assertThat(WebhookClient.onPort(this.port).get("/admin/api/quarantine").statusCode()).isEqualTo(401);
	}

	@Test
	void theOpenApiDescriptionSaysWhatAnAcceptAnswers() {
		JsonNode docs = json(this.admin.send("GET", "/v3/api-docs", null, null));
		JsonNode accept = docs.path("paths").path("/admin/api/quarantine/{id}/accept").path("post");
		assertThat(accept.path("responses").propertyNames()).contains("200", "202", "404", "422");
		assertThat(docs.path("paths").has("/admin/api/quarantine")).isTrue();
		assertThat(docs.path("paths").has("/admin/api/quarantine/{id}")).isTrue();
	}

	private double quarantinedCount() {
		return this.meters.get("relay.webhook.quarantined").counter().count();
	}

	private long quarantine(String contentType, byte[] body, Instant receivedAt) {
		return quarantine(contentType, body, receivedAt, null);
	}

	private long quarantine(String contentType, byte[] body, Instant receivedAt, String correlationId) {
		this.jdbc.update("insert into inbox_quarantine (reason, content_type, delivery_id, correlation_id, payload, "
				+ "received_at) values ('refused by an older Relay', ?, 'quarantined-delivery', ?, ?, ?)",
				contentType, correlationId, body, Timestamp.from(receivedAt));
		Long id = this.jdbc.queryForObject("select max(id) from inbox_quarantine", Long.class);
		assertThat(id).isNotNull();
		return id;
	}

	private JsonNode quarantined(String deliveryId) {
		for (JsonNode entry : json(this.admin.send("GET", "/admin/api/quarantine?size=200", null, null))
			.get("content")) {
			if (deliveryId.equals(entry.get("deliveryId").asString())) {
				return entry;
			}
		}
		throw new AssertionError("delivery " + deliveryId + " is not in the quarantine");
	}

	private HttpResponse<String> accept(long id) {
		return this.admin.send("POST", "/admin/api/quarantine/" + id + "/accept", null, null);
	}

	private static JsonNode json(HttpResponse<String> response) {
		return AdminClient.read(response.body());
	}

}
