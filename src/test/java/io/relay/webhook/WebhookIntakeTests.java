package io.relay.webhook;

import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import io.relay.support.WebhookSignatures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The webhook contract, end to end over real HTTP into a real database. Run against H2 and PostgreSQL by the
 * subclasses: the behaviour must be the same on both.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET + ",rotated-secret",
				"relay.webhook.max-body-size=16KB" })
abstract class WebhookIntakeTests {

	@LocalServerPort
	int port;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	MeterRegistry meters;

	WebhookClient client;

	@BeforeEach
	void client() {
		this.client = WebhookClient.onPort(this.port);
	}

	@ParameterizedTest
	@MethodSource("io.relay.support.Fixtures#names")
	void everyDocumentedEventIsAcceptedAndStoredWithItsType(String fixture) {
		Fixtures.Event event = Fixtures.withFreshId(fixture);
		HttpResponse<String> response = this.client.deliver(event.body());
		assertThat(response.statusCode()).isEqualTo(202);
		assertThat(response.body()).isEqualTo("{\"eventId\":\"" + event.eventId() + "\",\"status\":\"accepted\"}");
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/json"));
		// Sized, not chunked: one write per answer.
		assertThat(response.headers().firstValue("Content-Length"))
			.hasValue(String.valueOf(response.body().getBytes(StandardCharsets.UTF_8).length));
		String storedType = this.jdbc.queryForObject("select event_type from inbox_event where event_id = ?",
				String.class, event.eventId());
		assertThat(storedType).isEqualTo(JsonMapper.builder().build().readTree(event.body()).get("eventType").asString());
	}

	@Test
	void storesTheBodyBytesAndHeadersAsReceived() {
		Fixtures.Event event = Fixtures.withFreshId("v2.conversation.closed.json");
		String correlationId = UUID.randomUUID().toString();
		String deliveryId = UUID.randomUUID().toString();
		Instant sent = Instant.now();
		assertThat(this.client.request(event.body()).correlationId(correlationId).deliveryId(deliveryId).send()
			.statusCode()).isEqualTo(202);
		Instant answered = Instant.now();
		var row = this.jdbc.queryForMap("select * from inbox_event where event_id = ?", event.eventId());
		assertThat((byte[]) row.get("payload")).isEqualTo(event.body().getBytes(StandardCharsets.UTF_8));
		assertThat(row.get("delivery_id")).isEqualTo(deliveryId);
		assertThat(row.get("correlation_id")).isEqualTo(correlationId);
		assertThat(row.get("content_type")).isEqualTo("application/json");
		assertThat(row.get("conversation_id")).isEqualTo("4c8c7408-f73c-42cd-89e9-afbbee7d9024");
		assertThat(row.get("visitor_id")).isEqualTo("b05f1b45-c891-4a9c-b47e-91ee6c8ffb44");
		// The moment of receipt (the column's precision is a microsecond; a millisecond of slack either side).
		assertThat(this.jdbc.queryForObject("select received_at from inbox_event where event_id = ?",
				java.time.OffsetDateTime.class, event.eventId()).toInstant())
			.isBetween(sent.minusMillis(1), answered.plusMillis(1));
	}

	@Test
	void laterDeliveriesOfTheSameEventAreDuplicatesStoredOnce() {
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		String correlationId = UUID.randomUUID().toString();
		assertThat(this.client.request(event.body()).correlationId(correlationId).send().statusCode()).isEqualTo(202);
		HttpResponse<String> retry = this.client.request(event.body())
			.correlationId(correlationId)
			.deliveryId("retry-1")
			.send();
		assertThat(retry.statusCode()).isEqualTo(200);
		assertThat(retry.body()).isEqualTo("{\"eventId\":\"" + event.eventId() + "\",\"status\":\"duplicate\"}");
		assertThat(this.client.request(event.body()).deliveryId("retry-2").send().statusCode()).isEqualTo(200);
		assertThat(rows(event.eventId())).isOne();
		assertThat(this.jdbc.queryForList("select delivery_id from inbox_duplicate where event_id = ? order by id",
				String.class, event.eventId()))
			.containsExactly("retry-1", "retry-2");
	}

	@Test
	void twentyConcurrentDeliveriesOfOneEventStoreOneRow() throws Exception {
		Fixtures.Event event = Fixtures.withFreshId("v2.conversation.pushed.json");
		CountDownLatch start = new CountDownLatch(1);
		List<Callable<Integer>> deliveries = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			deliveries.add(() -> {
				start.await();
				return this.client.deliver(event.body()).statusCode();
			});
		}
		List<Integer> statuses = new ArrayList<>();
		try (ExecutorService executor = Executors.newFixedThreadPool(20)) {
			List<Future<Integer>> futures = deliveries.stream().map(executor::submit).toList();
			start.countDown();
			for (Future<Integer> future : futures) {
				statuses.add(future.get());
			}
		}
		assertThat(statuses).containsOnly(200, 202);
		assertThat(statuses).filteredOn((status) -> status == 202).hasSize(1);
		assertThat(rows(event.eventId())).isOne();
		assertThat(this.jdbc.queryForObject("select count(*) from inbox_duplicate where event_id = ?", Integer.class,
				event.eventId()))
			.isEqualTo(19);
	}

	@Test
	void redeliveriesRacingInEveryOrderAreAllAnsweredAndStoredOnce() throws Exception {
		// Batches of concurrent deliveries that share event ids in different orders used to lock those rows in
		// opposite orders and fail together (answered 503) after the database's lock or deadlock timeout.
		List<Fixtures.Event> events = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			events.add(Fixtures.withFreshId("visitor.updated.json"));
		}
		CountDownLatch start = new CountDownLatch(1);
		List<Callable<List<Integer>>> senders = new ArrayList<>();
		for (int sender = 0; sender < 16; sender++) {
			List<Fixtures.Event> order = new ArrayList<>(events);
			Collections.shuffle(order, new Random(sender));
			senders.add(() -> {
				start.await();
				List<Integer> statuses = new ArrayList<>();
				for (Fixtures.Event event : order) {
					statuses.add(this.client.deliver(event.body()).statusCode());
				}
				return statuses;
			});
		}
		List<Integer> statuses = new ArrayList<>();
		try (ExecutorService executor = Executors.newFixedThreadPool(senders.size())) {
			List<Future<List<Integer>>> futures = senders.stream().map(executor::submit).toList();
			start.countDown();
			for (Future<List<Integer>> future : futures) {
				statuses.addAll(future.get());
			}
		}
		assertThat(statuses).hasSize(16 * 40).containsOnly(200, 202);
		assertThat(statuses).filteredOn((status) -> status == 202).hasSize(40);
		for (Fixtures.Event event : events) {
			assertThat(rows(event.eventId())).isOne();
		}
	}

	@Test
	void aSecondSecretIsAcceptedForRotation() {
		Fixtures.Event event = Fixtures.withFreshId("visitor.updated.json");
		assertThat(this.client.request(event.body()).signedWith("rotated-secret").send().statusCode()).isEqualTo(202);
		assertThat(rows(event.eventId())).isOne();
	}

	@Test
	void signatureHeaderNameAndHexAreCaseInsensitive() {
		Fixtures.Event event = Fixtures.withFreshId("user.updated.json");
		String upper = "SHA256=" + WebhookSignatures.sign(WebhookClient.SECRET, event.body()).substring(7).toUpperCase();
		HttpResponse<String> response = this.client.request(event.body())
			.unsigned()
			.header("x-iadvize-signature", upper)
			.send();
		assertThat(response.statusCode()).isEqualTo(202);
	}

	@Test
	void wrongSignaturesAreRefusedAndNothingIsStored() {
		Fixtures.Event event = Fixtures.withFreshId("transaction.attributed.json");
		String good = WebhookSignatures.sign(WebhookClient.SECRET, event.body());
		String reserialised = event.body().replaceAll("\\s+", "");
		List<WebhookClient.Request> forged = List.of(this.client.request(event.body()).signedWith("not-our-secret"),
				this.client.request(event.body()).unsigned(),
				this.client.request(event.body()).signature(good.substring(0, good.length() - 2)),
				this.client.request(event.body()).signature(good.substring(7)),
				this.client.request(event.body()).signature("sha1=" + good.substring(7)),
				this.client.request(reserialised).signature(good),
				this.client.request(event.body().replace("300.20", "3000.20")).signature(good));
		for (WebhookClient.Request request : forged) {
			HttpResponse<String> response = request.send();
			assertThat(response.statusCode()).isEqualTo(401);
			assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(response.body()).contains("\"status\":401").contains("X-iAdvize-Signature");
			assertThat(response.headers().firstValue("WWW-Authenticate")).as("RFC 9110 asks a 401 for its challenge")
				.hasValue("Signature realm=\"iAdvize webhook\", header=\"X-iAdvize-Signature\", algorithm=\"hmac-sha256\"");
		}
		assertThat(rows(event.eventId())).isZero();
		assertThat(this.jdbc.queryForObject("select count(*) from inbox_quarantine where payload = ?", Integer.class,
				(Object) event.body().getBytes(StandardCharsets.UTF_8)))
			.isZero();
	}

	@Test
	void malformedJsonIsRefusedWithTheReasonAndQuarantined() {
		String marker = UUID.randomUUID().toString();
		String body = "{\"eventId\": \"" + marker + "\", \"eventType\": ";
		HttpResponse<String> response = this.client.request(body).deliveryId(marker).send();
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.body()).contains("not valid JSON").contains("\"reason\":\"malformed\"");
		assertThat(this.jdbc.queryForObject("select reason from inbox_quarantine where delivery_id = ?", String.class,
				marker))
			.startsWith("the body is not valid JSON");
		assertThat(rows(marker)).isZero();
	}

	@Test
	void missingEventTypeIsRefused() {
		String id = UUID.randomUUID().toString();
		HttpResponse<String> response = this.client.deliver("{\"eventId\": \"" + id + "\"}");
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.body()).contains("'eventType' is missing");
	}

	@Test
	void missingEventIdFallsBackToTheCorrelationId() {
		String correlationId = UUID.randomUUID().toString();
		HttpResponse<String> response = this.client.request("{\"eventType\": \"user.connected\", \"userId\": 3}")
			.correlationId(correlationId)
			.send();
		assertThat(response.statusCode()).isEqualTo(202);
		assertThat(response.body()).contains(correlationId);
		assertThat(rows(correlationId)).isOne();
	}

	@Test
	void missingEventIdAndCorrelationIdIsRefused() {
		HttpResponse<String> response = this.client.request("{\"eventType\": \"user.connected\", \"userId\": 3}")
			.correlationId(null)
			.send();
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.body()).contains("'eventId' is missing");
	}

	@Test
	void overlongIdsAreRefusedAsMalformed() {
		HttpResponse<String> response = this.client
			.deliver("{\"eventId\": \"" + "x".repeat(256) + "\", \"eventType\": \"user.created\", \"userId\": 1}");
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.body()).contains("'eventId' is longer than 255 characters");
	}

	@Test
	void unknownEventTypesAreAcceptedAndStored() {
		String id = UUID.randomUUID().toString();
		HttpResponse<String> response = this.client
			.deliver("{\"eventId\": \"" + id + "\", \"eventType\": \"hologram.beamed\", \"power\": 11}");
		assertThat(response.statusCode()).isEqualTo(202);
		assertThat(this.jdbc.queryForObject("select event_type from inbox_event where event_id = ?", String.class, id))
			.isEqualTo("hologram.beamed");
	}

	@Test
	void oversizedBodyIsRefused() {
		String id = UUID.randomUUID().toString();
		String body = "{\"eventId\": \"" + id + "\", \"eventType\": \"user.created\", \"padding\": \""
				+ "x".repeat(17 * 1024) + "\"}";
		HttpResponse<String> response = this.client.deliver(body);
		assertThat(response.statusCode()).isEqualTo(413);
		assertThat(response.body()).contains("relay.webhook.max-body-size");
		assertThat(rows(id)).isZero();
	}

	@Test
	void aChunkedBodyWithoutContentLengthIsReadWhole() {
		Fixtures.Event event = Fixtures.withFreshId("v2.conversation.closed.json");
		HttpResponse<String> response = this.client.request(event.body()).chunked().send();
		assertThat(response.statusCode()).isEqualTo(202);
		assertThat(this.jdbc.queryForObject("select payload from inbox_event where event_id = ?", byte[].class,
				event.eventId()))
			.isEqualTo(event.body().getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void aLargeBodyWithAContentLengthIsReadWhole() {
		// Over 8 KiB the body is read as it arrives rather than into an array of the declared size.
		String id = UUID.randomUUID().toString();
		String body = "{\"eventId\": \"" + id + "\", \"eventType\": \"user.created\", \"userId\": 1, \"padding\": \""
				+ "x".repeat(12 * 1024) + "\"}";
		assertThat(this.client.deliver(body).statusCode()).isEqualTo(202);
		assertThat(this.jdbc.queryForObject("select payload from inbox_event where event_id = ?", byte[].class, id))
			.isEqualTo(body.getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void aBodyCutShortOfItsContentLengthIsAClientError() throws Exception {
		// The client sends part of the body and closes its side: nothing to verify, and not Relay's fault. The read
		// fails inside Tomcat, and the container's error page answers (ProblemErrorController's generic problem).
		double malformed = count("none", "rejected", "malformed");
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(10_000);
			String head = "POST /webhooks/iadvize HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
					+ "Content-Length: 1000\r\nConnection: close\r\n\r\n{\"eventId\": \"cut";
			socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
			socket.shutdownOutput();
			String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(answer).startsWith("HTTP/1.1 400")
				.contains("application/problem+json", "\"status\":400", "\"detail\":\"Bad Request.\"")
				.doesNotContain("\"reason\"");
		}
		assertThat(count("none", "rejected", "malformed")).isEqualTo(malformed + 1);
	}

	@Test
	void anOversizedChunkedBodyIsRefused() {
		String id = UUID.randomUUID().toString();
		String body = "{\"eventId\": \"" + id + "\", \"eventType\": \"user.created\", \"padding\": \""
				+ "x".repeat(17 * 1024) + "\"}";
		HttpResponse<String> response = this.client.request(body).chunked().send();
		assertThat(response.statusCode()).isEqualTo(413);
		assertThat(rows(id)).isZero();
	}

	@Test
	void otherContentTypesAreRefusedAndCounted() {
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		double unsupported = count("none", "rejected", "unsupported-media-type");
		HttpResponse<String> response = this.client.request(event.body()).contentType("text/plain").send();
		assertThat(response.statusCode()).isEqualTo(415);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.body()).contains("Content-Type 'text/plain' is not supported")
			.contains("\"reason\":\"unsupported-media-type\"");
		assertThat(this.client.request(event.body()).contentType("application/problem+json").send().statusCode())
			.isEqualTo(415);
		assertThat(this.client.request(event.body()).contentType(";;").send().statusCode()).isEqualTo(415);
		assertThat(rows(event.eventId())).isZero();
		assertThat(count("none", "rejected", "unsupported-media-type")).isEqualTo(unsupported + 3);
	}

	@Test
	void aCharsetJavaDoesNotKnowIsIgnoredAndTheEventAccepted() {
		// Spring refused the whole Content-Type (415, not even counted); JSON has no charset parameter (RFC 8259).
		Fixtures.Event json = Fixtures.withFreshId("user.created.json");
		assertThat(this.client.request(json.body()).contentType("application/json; charset=nope").send().statusCode())
			.isEqualTo(202);
		assertThat(rows(json.eventId())).isOne();
		String formId = UUID.randomUUID().toString();
		String form = "eventId=" + formId + "&eventType=user.created&userId=4";
		assertThat(this.client.request(form).contentType("application/x-www-form-urlencoded; charset=x-unknown")
			.send()
			.statusCode()).isEqualTo(202);
		assertThat(rows(formId)).isOne();
		// A valid charset beside a parameter Spring refuses is still used: this form is Latin-1.
		String latin1Id = UUID.randomUUID().toString();
		byte[] latin1 = ("eventId=" + latin1Id + "&eventType=satisfaction.answered&satisfactionComment=tr%E8s+bien")
			.getBytes(StandardCharsets.US_ASCII);
		assertThat(this.client.request(latin1)
			.contentType("application/x-www-form-urlencoded; charset=ISO-8859-1; x=\"unclosed")
			.send()
			.statusCode()).isEqualTo(202);
		assertThat(contentType(latin1Id)).isEqualTo("application/x-www-form-urlencoded;charset=ISO-8859-1");
	}

	@Test
	void theAcceptHeaderDoesNotKeepAnEventOut() {
		// A sender that asks for something else still gets its event stored, and a JSON answer.
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		HttpResponse<String> response = this.client.request(event.body()).header("Accept", "text/html").send();
		assertThat(response.statusCode()).isEqualTo(202);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(rows(event.eventId())).isOne();
		HttpResponse<String> refused = this.client.request("{}").header("Accept", "text/html").signature("sha256=00")
			.send();
		assertThat(refused.statusCode()).isEqualTo(401);
		assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
	}

	@Test
	void overlongDeliveryAndCorrelationHeadersAreCutAndTheEventAccepted() {
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		HttpResponse<String> response = this.client.request(event.body())
			.deliveryId("d".repeat(300))
			.correlationId("c".repeat(300))
			.send();
		assertThat(response.statusCode()).isEqualTo(202);
		assertThat(this.jdbc.queryForObject("select delivery_id || ' ' || correlation_id from inbox_event where "
				+ "event_id = ?", String.class, event.eventId()))
			.isEqualTo("d".repeat(255) + " " + "c".repeat(255));
		// Standing in for a missing eventId, it is the deduplication key: cut, it could merge two events.
		HttpResponse<String> keyless = this.client.request("{\"eventType\": \"user.connected\", \"userId\": 3}")
			.correlationId("k".repeat(256))
			.send();
		assertThat(keyless.statusCode()).isEqualTo(400);
		assertThat(keyless.body()).contains("X-iAdvize-CorrelationId header that would stand in for it is longer");
	}

	@Test
	void aCallbackUrlWithATrailingSlashIsTheSameEndpoint() {
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		assertThat(this.client.request(event.body()).path("/webhooks/iadvize/").send().statusCode()).isEqualTo(202);
		assertThat(this.client.request(event.body()).path("/webhooks/iadvize/").send().statusCode()).isEqualTo(200);
		assertThat(this.client.request(event.body()).path("/webhooks/iadvize/").unsigned().send().statusCode())
			.isEqualTo(401);
		assertThat(rows(event.eventId())).isOne();
	}

	@Test
	void aPostToAnotherPathUnderWebhooksIsCountedAsNotFound() {
		// A callback URL misspelt in iAdvize: each of its events is lost once iAdvize's retries are spent.
		double notFound = count("none", "rejected", "not-found");
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		HttpResponse<String> response = this.client.request(event.body()).path("/webhooks/iAdvize").send();
		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(count("none", "rejected", "not-found")).isEqualTo(notFound + 1);
		assertThat(this.client.get("/webhooks/iAdvize").statusCode()).isEqualTo(404);
		assertThat(this.client.request(event.body()).path("/webhooks/iAdvize").unsigned().send().statusCode())
			.isEqualTo(404);
		assertThat(count("none", "rejected", "not-found")).as("not an iAdvize delivery").isEqualTo(notFound + 1);
		assertThat(rows(event.eventId())).isZero();
	}

	@Test
	void otherMethodsAreRefused() {
		HttpResponse<String> response = this.client.request("").method("PUT").send();
		assertThat(response.statusCode()).isEqualTo(405);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(this.client.get("/webhooks/iadvize").statusCode()).isEqualTo(405);
		// OPTIONS is answered as HTTP has it: what the endpoint allows, and no body
		HttpResponse<String> options = this.client.request("").method("OPTIONS").send();
		assertThat(options.statusCode()).isEqualTo(200);
		assertThat(options.headers().firstValue("Allow")).hasValueSatisfying(
				(allow) -> assertThat(allow.split(",\\s*")).containsExactlyInAnyOrder("POST", "OPTIONS"));
		assertThat(options.body()).isEmpty();
	}

	@Test
	void jsonInAnyCharsetIsAccepted() {
		Fixtures.Event event = Fixtures.withFreshId("satisfaction.answered.satisfactionComment.json");
		byte[] latin1 = event.body().replace("very helpful", "très utile").getBytes(StandardCharsets.ISO_8859_1);
		HttpResponse<String> response = this.client.request(latin1)
			.contentType("application/json; charset=ISO-8859-1")
			.send();
		assertThat(response.statusCode()).isEqualTo(202);
		assertThat(rows(event.eventId())).isOne();
		assertThat(contentType(event.eventId())).isEqualTo("application/json;charset=ISO-8859-1");
	}

	@Test
	void jsonInUtf8LabelledAnotherCharsetIsStoredToBeReadAsUtf8() {
		// RFC 8259: JSON is UTF-8; HTTP clients often label it ISO-8859-1 by default.
		Fixtures.Event event = Fixtures.withFreshId("satisfaction.answered.satisfactionComment.json");
		byte[] utf8 = event.body().replace("very helpful", "très utile €").getBytes(StandardCharsets.UTF_8);
		HttpResponse<String> response = this.client.request(utf8)
			.contentType("application/json; charset=ISO-8859-1")
			.send();
		assertThat(response.statusCode()).isEqualTo(202);
		assertThat(contentType(event.eventId())).isEqualTo("application/json;charset=UTF-8");
	}

	private String contentType(String eventId) {
		return this.jdbc.queryForObject("select content_type from inbox_event where event_id = ?", String.class,
				eventId);
	}

	@Test
	void ofTheUnsignedContentTypeOnlyTheMediaTypeAndCharsetAreStored() {
		// A replayed body with a long parameter added must neither break the column nor fail its batch-mates.
		Fixtures.Event event = Fixtures.withFreshId("user.connected.json");
		HttpResponse<String> response = this.client.request(event.body())
			.contentType("application/json; charset=UTF-8; padding=" + "x".repeat(300))
			.send();
		assertThat(response.statusCode()).isEqualTo(202);
		assertThat(contentType(event.eventId()))
			.isEqualTo("application/json;charset=UTF-8");
		assertThat(this.client.request(event.body()).contentType("application/json; padding=" + "y".repeat(300))
			.send()
			.statusCode()).isEqualTo(200);
	}

	@Test
	void aLongContentTypeOfAMalformedBodyIsQuarantinedAsItsTypeAndCharset() {
		String marker = UUID.randomUUID().toString();
		HttpResponse<String> response = this.client.request("{\"eventId\": \"" + marker + "\"")
			.contentType("application/json; padding=" + "x".repeat(300))
			.deliveryId(marker)
			.send();
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(this.jdbc.queryForObject("select content_type from inbox_quarantine where delivery_id = ?",
				String.class, marker))
			// As an event keeps it: what reading the body again needs (a cut one would no longer parse).
			.isEqualTo("application/json");
	}

	@Test
	void nulCharactersInTheEventAreStoredOnBothDatabases() {
		// PostgreSQL refuses NUL in text columns (H2 takes it): the columns read from the event get U+FFFD instead,
		// the payload keeps its bytes.
		Fixtures.Event event = Fixtures.withFreshId("v2.conversation.closed.json");
		String body = event.body()
			.replace("4c8c7408-f73c-42cd-89e9-afbbee7d9024", "c\\u0000" + event.eventId())
			.replace("b05f1b45-c891-4a9c-b47e-91ee6c8ffb44", "v\\u0000");
		assertThat(this.client.deliver(body).statusCode()).isEqualTo(202);
		var row = this.jdbc.queryForMap("select * from inbox_event where event_id = ?", event.eventId());
		assertThat(row.get("conversation_id")).isEqualTo("c\uFFFD" + event.eventId());
		assertThat(row.get("visitor_id")).isEqualTo("v\uFFFD");
		assertThat((byte[]) row.get("payload")).isEqualTo(body.getBytes(StandardCharsets.UTF_8));

		String id = UUID.randomUUID().toString();
		assertThat(this.client.deliver("{\"eventId\": \"" + id + "\", \"eventType\": \"hologram\\u0000beamed\"}")
			.statusCode()).isEqualTo(202);
		assertThat(this.jdbc.queryForObject("select event_type from inbox_event where event_id = ?", String.class, id))
			.isEqualTo("hologram\uFFFDbeamed");
	}

	@Test
	void aNulCharacterInTheEventIdIsRefusedAndAReasonQuotingOneIsQuarantined() {
		String marker = UUID.randomUUID().toString();
		HttpResponse<String> response = this.client
			.request("{\"eventId\": \"a\\u0000b\", \"eventType\": \"user.created\", \"userId\": 1}")
			.deliveryId(marker)
			.send();
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.body()).contains("'eventId' contains a NUL character");
		assertThat(this.jdbc.queryForObject("select count(*) from inbox_quarantine where delivery_id = ?",
				Integer.class, marker))
			.isOne();
		// Jackson quotes the bad value in its message, which becomes the quarantine's reason.
		String other = UUID.randomUUID().toString();
		HttpResponse<String> quoted = this.client
			.request("{\"eventId\": \"" + other + "\", \"eventType\": \"v2.conversation.closed\", "
					+ "\"createdAt\": \"\\u0000\"}")
			.deliveryId(other)
			.send();
		assertThat(quoted.statusCode()).isEqualTo(400);
		assertThat(this.jdbc.queryForObject("select reason from inbox_quarantine where delivery_id = ?",
				String.class, other))
			.doesNotContain("\0")
			.startsWith("not a valid 'v2.conversation.closed' event");
	}

	@Test
	void formEncodedDeliveriesAreVerifiedOverTheirBytesAndStored() {
		String id = UUID.randomUUID().toString();
		String form = "eventId=" + id + "&eventType=v2.conversation.closed&platform=ha&projectId=1549"
				+ "&conversationId=c-" + id + "&operatorIds%5B%5D=1&operatorIds%5B%5D=2&channel=CHAT"
				+ "&visitorId=" + URLEncoder.encode("v 1", StandardCharsets.UTF_8);
		HttpResponse<String> response = this.client.request(form)
			.contentType("application/x-www-form-urlencoded")
			.send();
		assertThat(response.statusCode()).isEqualTo(202);
		var row = this.jdbc.queryForMap("select * from inbox_event where event_id = ?", id);
		assertThat(row.get("event_type")).isEqualTo("v2.conversation.closed");
		assertThat(row.get("visitor_id")).isEqualTo("v 1");
		assertThat(new String((byte[]) row.get("payload"), StandardCharsets.UTF_8)).isEqualTo(form);
	}

	@Test
	void healthIsPublicAndAnswersWhatIAdvizeExpects() {
		// Exactly what iAdvize's app health check expects: no components, and no list of the groups.
		HttpResponse<String> health = this.client.get("/actuator/health");
		assertThat(health.statusCode()).isEqualTo(200);
		assertThat(health.body()).isEqualTo("{\"status\":\"UP\"}");
		// The URL to give iAdvize as the app's health check: exactly the documented answer, and DOWN without a database.
		HttpResponse<String> readiness = this.client.get("/actuator/health/readiness");
		assertThat(readiness.statusCode()).isEqualTo(200);
		assertThat(readiness.body()).isEqualTo("{\"status\":\"UP\"}");
	}

	@Test
	void otherEndpointsNeedCredentials() {
		assertThat(this.client.get("/actuator/metrics").statusCode()).isEqualTo(401);
		assertThat(this.client.get("/actuator/prometheus").statusCode()).isEqualTo(401);
		assertThat(this.client.get("/actuator/env").statusCode()).isEqualTo(401);
	}

	@Test
	void outcomesAreCountedByTypeAndReason() {
		double accepted = count("v2.conversation.pushed", "accepted", "none");
		double duplicates = count("v2.conversation.pushed", "duplicate", "none");
		double forged = count("none", "rejected", "signature");
		Timer ack = this.meters.find("relay.webhook.ack").tag("outcome", "accepted").timer();
		long acknowledged = (ack != null) ? ack.count() : 0;
		Fixtures.Event event = Fixtures.withFreshId("v2.conversation.pushed.json");
		this.client.deliver(event.body());
		this.client.deliver(event.body());
		this.client.request(event.body()).signedWith("forged").send();
		assertThat(count("v2.conversation.pushed", "accepted", "none")).isEqualTo(accepted + 1);
		assertThat(count("v2.conversation.pushed", "duplicate", "none")).isEqualTo(duplicates + 1);
		assertThat(count("none", "rejected", "signature")).isEqualTo(forged + 1);
		assertThat(this.meters.get("relay.webhook.ack").tag("outcome", "accepted").timer().count())
			.as("the acknowledgement of the one accepted delivery timed")
			.isEqualTo(acknowledged + 1);
	}

	private double count(String type, String outcome, String reason) {
		var counter = this.meters.find("relay.webhook.deliveries")
			.tag("type", type)
			.tag("outcome", outcome)
			.tag("reason", reason)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	int rows(String eventId) {
		return this.jdbc.queryForObject("select count(*) from inbox_event where event_id = ?", Integer.class, eventId);
	}

}
