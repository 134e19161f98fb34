package io.relay.dispatch;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.relay.event.EventParser;
import io.relay.event.IAdvizeEvent;
import io.relay.event.MalformedEventException;
import io.relay.event.PayloadFormat;
import io.relay.event.UserCreated;
import io.relay.inbox.EventsStored;
import io.relay.inbox.IncomingEvent;
import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Deliveries end to end: a signed webhook in, the scripted handler run by the dispatcher, the outcome seen through
 * the admin API. Run on H2 and PostgreSQL by the subclasses.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET, "spring.security.user.name=admin",
				"spring.security.user.password=admin-password", "relay.dispatch.poll-interval=50ms",
				"relay.dispatch.handlers.scripted.max-attempts=3", "relay.dispatch.handlers.scripted.initial-backoff=10ms",
				"relay.dispatch.handlers.scripted.max-backoff=40ms", "relay.dispatch.stats-interval=100ms",
				"relay.dispatch.handlers.paused.enabled=false" })
abstract class DispatchTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	int port;

	@Autowired
	ScriptedHandler handler;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	UserDetailsService users;

	@Autowired
	@Qualifier("requestMappingHandlerMapping")
	RequestMappingHandlerMapping mappings;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	ApplicationEventPublisher events;

	@Autowired
	PausedHandler paused;

	WebhookClient client;

	private final HttpClient http = HttpClient.newHttpClient();

	@BeforeEach
	void client() {
		this.client = WebhookClient.onPort(this.port);
	}

	@Test
	void aHandlerThatFailsThenSucceedsIsRetriedUntilItSucceeds() {
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		this.handler.script(event.eventId(), () -> HandlerResult.retry("downstream said 503"), () -> {
			throw new IllegalStateException("connection reset");
		});
		deliver(event);

		JsonNode delivery = awaitDelivery(event.eventId(), "scripted", "SUCCEEDED");
		assertThat(delivery.get("attempts").asInt()).isEqualTo(3);
		assertThat(delivery.get("lastError").isNull()).isTrue();
		assertThat(delivery.get("lastDurationMs").isIntegralNumber()).as("the last attempt's duration, %s", delivery)
			.isTrue();
		assertThat(delivery.get("history")).extracting((attempt) -> attempt.get("outcome").asString())
			.containsExactly("FAILED", "FAILED", "SUCCEEDED");
		assertThat(delivery.get("history").get(1).get("error").asString())
			.isEqualTo("IllegalStateException: connection reset");
		assertThat(this.handler.runsOf(event.eventId())).extracting(ScriptedHandler.Run::idempotencyKey)
			.containsOnly(event.eventId() + ":scripted");
		// The first attempt gets the event the intake parsed, the retries one read back from the database: equal.
		assertThat(this.handler.runsOf(event.eventId())).extracting(ScriptedHandler.Run::event)
			.hasSize(3)
			.allSatisfy((handled) -> assertThat(handled).isInstanceOf(UserCreated.class)
				.isEqualTo(this.handler.runsOf(event.eventId()).get(2).event()));
	}

	@Test
	void anErrorFromTheHandlerIsAFailureToRetry() {
		Fixtures.Event event = Fixtures.withFreshId("user.disconnected.json");
		this.handler.script(event.eventId(), () -> {
			throw new NoClassDefFoundError("com/example/MissingClient");
		}, () -> {
			throw new AssertionError("invariant broken");
		});
		deliver(event);

		JsonNode delivery = awaitDelivery(event.eventId(), "scripted", "SUCCEEDED");
		assertThat(delivery.get("history"))
			.extracting((attempt) -> attempt.get("error").isNull() ? null : attempt.get("error").asString())
			.containsExactly("NoClassDefFoundError: com/example/MissingClient", "AssertionError: invariant broken",
					null);
	}

	@Test
	void aFilterThatThrowsAnErrorStillDeliversAndIntakeGoesOn() {
		// The filter runs in the inbox writer's transaction: an Error escaping it killed the writer, and every later
		// delivery was answered 503 until a restart.
		Fixtures.Event event = Fixtures.withFreshId("user.updated.json");
		AtomicInteger thrown = new AtomicInteger();
		this.handler.filter(event.eventId(), () -> {
			thrown.incrementAndGet();
			throw new StackOverflowError();
		});
		deliver(event);
		awaitDelivery(event.eventId(), "scripted", "SUCCEEDED");
		assertThat(thrown).as("the filter ran, and threw").hasPositiveValue();

		// A checked exception thrown sneakily (Kotlin, Lombok's @SneakyThrows), and an Error of no known kind.
		Fixtures.Event sneaky = Fixtures.withFreshId("user.updated.json");
		AtomicInteger sneakyThrown = new AtomicInteger();
		this.handler.filter(sneaky.eventId(), () -> {
			sneakyThrown.incrementAndGet();
			DispatchTests.<RuntimeException>sneakyThrow(new java.io.IOException("the filter read a file"));
		});
		deliver(sneaky);
		awaitDelivery(sneaky.eventId(), "scripted", "SUCCEEDED");
		assertThat(sneakyThrown).as("the filter ran, and threw").hasPositiveValue();
		Fixtures.Event todo = Fixtures.withFreshId("user.updated.json");
		AtomicInteger todoThrown = new AtomicInteger();
		this.handler.filter(todo.eventId(), () -> {
			todoThrown.incrementAndGet();
			throw new Error("kotlin.NotImplementedError");
		});
		deliver(todo);
		awaitDelivery(todo.eventId(), "scripted", "SUCCEEDED");
		assertThat(todoThrown).as("the filter ran, and threw").hasPositiveValue();

		Fixtures.Event next = Fixtures.withFreshId("user.updated.json");
		deliver(next);
		awaitDelivery(next.eventId(), "scripted", "SUCCEEDED");
	}

	@Test
	void aPermanentFailureIsNotRetried() {
		Fixtures.Event event = Fixtures.withFreshId("user.updated.json");
		this.handler.script(event.eventId(), () -> {
			throw new PermanentFailureException("400 Bad Request: no such list");
		});
		deliver(event);

		JsonNode delivery = awaitDelivery(event.eventId(), "scripted", "DEAD");
		assertThat(delivery.get("attempts").asInt()).isEqualTo(1);
		assertThat(delivery.get("lastError").asString()).contains("400 Bad Request: no such list");
		assertThat(this.handler.runsOf(event.eventId())).hasSize(1);
	}

	@Test
	void aSkipIsRecordedWithItsReason() {
		Fixtures.Event event = Fixtures.withFreshId("user.connected.json");
		this.handler.script(event.eventId(), () -> HandlerResult.skipped("visitor has no email"));
		deliver(event);

		JsonNode delivery = awaitDelivery(event.eventId(), "scripted", "SKIPPED");
		assertThat(delivery.get("lastError").asString()).isEqualTo("visitor has no email");
	}

	@Test
	void outOfAttemptsADeliveryIsDeadAndAReplayRunsItAgainWithTheSameKey() {
		Fixtures.Event event = Fixtures.withFreshId("user.disconnected.json");
		this.handler.script(event.eventId(), () -> HandlerResult.retry("down"), () -> HandlerResult.retry("down"),
				() -> HandlerResult.retry("still down"));
		deliver(event);
		JsonNode dead = awaitDelivery(event.eventId(), "scripted", "DEAD");
		assertThat(dead.get("attempts").asInt()).isEqualTo(3);
		assertThat(dead.get("lastError").asString()).isEqualTo("gave up after 3 attempts: still down");

		HttpResponse<String> replay = admin("POST", "/admin/api/deliveries/replay?handler=scripted");
		assertThat(replay.statusCode()).isEqualTo(200);
		assertThat(json.readTree(replay.body()).get("replayed").asInt()).isGreaterThanOrEqualTo(1);

		JsonNode replayed = awaitDelivery(event.eventId(), "scripted", "SUCCEEDED");
		assertThat(replayed.get("history")).hasSize(4);
		assertThat(this.handler.runsOf(event.eventId())).extracting(ScriptedHandler.Run::idempotencyKey)
			.hasSize(4)
			.containsOnly(event.eventId() + ":scripted");
	}

	@Test
	void aDeadDeliveryDismissedEndsSkippedWithItsErrorKeptAndNoLongerCountsAsDead() {
		Fixtures.Event event = Fixtures.withFreshId("user.connected.json");
		this.handler.script(event.eventId(), () -> HandlerResult.permanentFailure("sent, maybe"));
		deliver(event);
		awaitDelivery(event.eventId(), "scripted", "DEAD");
		awaitDelivery(event.eventId(), "log", "SUCCEEDED");

		assertThat(admin("POST", "/admin/api/events/" + event.eventId() + "/dismiss?handler=tickte").statusCode())
			.isEqualTo(400);
		assertThat(admin("POST", "/admin/api/events/no-such-event/dismiss").statusCode()).isEqualTo(404);
		HttpResponse<String> dismissed = admin("POST", "/admin/api/events/" + event.eventId() + "/dismiss");
		assertThat(dismissed.statusCode()).isEqualTo(200);
		assertThat(json.readTree(dismissed.body()).get("dismissed").asInt()).isOne();

		JsonNode skipped = awaitDelivery(event.eventId(), "scripted", "SKIPPED");
		assertThat(skipped.get("lastError").asString()).startsWith("dismissed by admin at ")
			.endsWith("; it was dead: sent, maybe");
		// The succeeded one is left as it was; nothing runs again, and a second dismissal finds nothing dead.
		assertThat(awaitDelivery(event.eventId(), "log", "SUCCEEDED").path("lastError").isString()).isFalse();
		assertThat(json.readTree(admin("POST", "/admin/api/event/dismiss?id=" + event.eventId()).body())
			.get("dismissed").asInt()).isZero();
		assertThat(this.handler.runsOf(event.eventId())).hasSize(1);
		assertThat(json.readTree(admin("GET", "/admin/api/events?status=DEAD&size=100").body()).get("content"))
			.noneMatch((summary) -> summary.get("eventId").asString().equals(event.eventId()));
	}

	@Test
	void everyDeadDeliveryOfAHandlerCanBeDismissedAtOnce() {
		List<Fixtures.Event> events = List.of(Fixtures.withFreshId("user.connected.json"),
				Fixtures.withFreshId("user.disconnected.json"));
		for (Fixtures.Event event : events) {
			this.handler.script(event.eventId(), () -> HandlerResult.permanentFailure("ticket made by hand"));
			deliver(event);
			awaitDelivery(event.eventId(), "scripted", "DEAD");
		}

		assertThat(admin("POST", "/admin/api/deliveries/dismiss?handler=scripetd").statusCode()).isEqualTo(400);
		// Another handler's: none of these.
		assertThat(admin("POST", "/admin/api/deliveries/dismiss?handler=log").statusCode()).isEqualTo(200);
		events.forEach((event) -> awaitDelivery(event.eventId(), "scripted", "DEAD"));
		HttpResponse<String> dismissed = admin("POST", "/admin/api/deliveries/dismiss?handler=scripted");
		assertThat(dismissed.statusCode()).isEqualTo(200);
		assertThat(json.readTree(dismissed.body()).get("dismissed").asInt()).isGreaterThanOrEqualTo(events.size());

		for (Fixtures.Event event : events) {
			assertThat(awaitDelivery(event.eventId(), "scripted", "SKIPPED").get("lastError").asString())
				.startsWith("dismissed by admin at ")
				.endsWith("; it was dead: ticket made by hand");
			assertThat(this.handler.runsOf(event.eventId())).hasSize(1);
		}
		assertThat(json.readTree(admin("GET", "/admin/api/events?status=DEAD&size=100").body()).get("content"))
			.noneMatch((summary) -> events.stream().anyMatch((event) -> event.eventId()
				.equals(summary.get("eventId").asString())));
	}

	@Test
	void replayOfOneEventRunsItsDeliveryAgain() {
		Fixtures.Event event = Fixtures.withFreshId("visitor.updated.json");
		deliver(event);
		awaitDelivery(event.eventId(), "scripted", "SUCCEEDED");

		HttpResponse<String> replay = admin("POST",
				"/admin/api/events/" + event.eventId() + "/replay?handler=scripted");
		assertThat(json.readTree(replay.body()).get("replayed").asInt()).isEqualTo(1);
		await().untilAsserted(() -> assertThat(this.handler.runsOf(event.eventId())).hasSize(2));
		assertThat(admin("POST", "/admin/api/events/no-such-event/replay").statusCode()).isEqualTo(404);
	}

	@Test
	void deliveriesOfOneConversationRunInOrderOfReceipt() {
		String conversation = UUID.randomUUID().toString();
		Fixtures.Event pushed = conversationEvent("v2.conversation.pushed.json", conversation);
		Fixtures.Event closed = conversationEvent("v2.conversation.closed.json", conversation);
		// The first one fails twice: the second must wait for it instead of overtaking it.
		this.handler.script(pushed.eventId(), () -> HandlerResult.retry("slow CRM"), () -> HandlerResult.retry("slow"));
		deliver(pushed);
		deliver(closed);

		awaitDelivery(closed.eventId(), "scripted", "SUCCEEDED");
		List<ScriptedHandler.Run> runs = this.handler.runs.stream()
			.filter((run) -> run.eventId().equals(pushed.eventId()) || run.eventId().equals(closed.eventId()))
			.toList();
		assertThat(runs).extracting(ScriptedHandler.Run::eventType)
			.containsExactly("v2.conversation.pushed", "v2.conversation.pushed", "v2.conversation.pushed",
					"v2.conversation.closed");
	}

	@Test
	void deliveriesOfOneConversationStoredInOneBatchRunInOrderOfReceipt() {
		// One inbox transaction (group commit) with both events: the first takes the fast path, the second waits
		// for it in the database, and must not overtake it there either.
		String conversation = UUID.randomUUID().toString();
		Fixtures.Event pushed = conversationEvent("v2.conversation.pushed.json", conversation);
		Fixtures.Event closed = conversationEvent("v2.conversation.closed.json", conversation);
		this.handler.script(pushed.eventId(), () -> HandlerResult.retry("slow CRM"), () -> HandlerResult.retry("slow"));
		this.transactions.executeWithoutResult((status) -> {
			List<IncomingEvent> batch = List.of(incoming(pushed), incoming(closed));
			for (IncomingEvent event : batch) {
				this.jdbc.update("insert into inbox_event (event_id, event_type, conversation_id, content_type, "
						+ "payload, received_at) values (?, ?, ?, ?, ?, ?)", event.eventId(), event.event().eventType(),
						conversation, event.contentType(), event.payload(), Timestamp.from(event.receivedAt()));
			}
			this.events.publishEvent(new EventsStored(batch));
		});

		awaitDelivery(closed.eventId(), "scripted", "SUCCEEDED");
		assertThat(this.handler.runs.stream()
			.filter((run) -> run.eventId().equals(pushed.eventId()) || run.eventId().equals(closed.eventId())))
			.extracting(ScriptedHandler.Run::eventType)
			.containsExactly("v2.conversation.pushed", "v2.conversation.pushed", "v2.conversation.pushed",
					"v2.conversation.closed");
	}

	@Test
	void aDisabledHandlersDeliveriesAreSkippedNotRun() {
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		deliver(event);
		// Made while the handler was enabled, say, and due now.
		Timestamp now = Timestamp.from(Instant.now());
		this.jdbc.update("insert into dispatch_delivery (event_id, handler, status, attempts, max_attempts, "
				+ "next_attempt_at, created_at, updated_at) values (?, 'paused', 'PENDING', 0, 3, ?, ?, ?)",
				event.eventId(), now, now, now);

		JsonNode delivery = awaitDelivery(event.eventId(), "paused", "SKIPPED");
		assertThat(delivery.get("lastError").asString())
			.isEqualTo("the handler is disabled (relay.dispatch.handlers.paused.enabled)");
		assertThat(this.paused.runs).hasValue(0);

		// Replayed while still disabled, it would end SKIPPED again without running (a dead one no longer dead).
		for (String path : List.of("/admin/api/events/" + event.eventId() + "/replay?handler=paused",
				"/admin/api/deliveries/replay?status=SKIPPED&handler=paused")) {
			HttpResponse<String> refused = admin("POST", path);
			assertThat(refused.statusCode()).as(path).isEqualTo(409);
			assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(refused.body()).contains("handler 'paused' is disabled on this instance or another running one "
					+ "(relay.dispatch.handlers.paused.enabled): its replayed deliveries would end SKIPPED without "
					+ "running there");
			assertThat(json.readTree(refused.body()).get("code").asString()).as(path).isEqualTo("DISABLED");
		}
		// One of a workflow no instance has (switched off): it would end SKIPPED after the unknown handler's grace.
		this.jdbc.update("insert into dispatch_delivery (event_id, handler, status, attempts, max_attempts, "
				+ "next_attempt_at, created_at, updated_at) values (?, 'gone', 'DEAD', 3, 3, ?, ?, ?)",
				event.eventId(), now, now, now);
		HttpResponse<String> gone = admin("POST", "/admin/api/deliveries/replay?handler=gone");
		assertThat(gone.statusCode()).isEqualTo(409);
		assertThat(gone.body()).contains("no running instance has handler 'gone' (a workflow switched off, or not "
				+ "deployed yet): its replayed deliveries would end SKIPPED after relay.dispatch.unknown-handler-grace");
		assertThat(json.readTree(gone.body()).get("code").asString()).isEqualTo("NOT_RUNNING");
		// Every handler's: the others run again, the disabled one's and the absent one's keep their outcome.
		await().until(() -> this.jdbc.queryForObject("select count(*) from dispatch_delivery where event_id = ? and "
				+ "status in ('PENDING', 'RUNNING', 'FAILED')", Integer.class, event.eventId()) == 0);
		int others = this.jdbc.queryForObject("select count(*) from dispatch_delivery where event_id = ? and "
				+ "handler not in ('paused', 'gone')", Integer.class, event.eventId());
		assertThat(others).isPositive();
		JsonNode replayed = json.readTree(admin("POST", "/admin/api/events/" + event.eventId() + "/replay").body());
		assertThat(replayed.get("replayed").asInt()).isEqualTo(others);
		// And it says which it left alone, and why.
		JsonNode notReplayed = replayed.get("notReplayed");
		assertThat(notReplayed).hasSize(2);
		assertThat(notReplayed.get(0).get("handler").asString()).isEqualTo("gone");
		assertThat(notReplayed.get(0).get("deliveries").asInt()).isEqualTo(1);
		assertThat(notReplayed.get(0).get("code").asString()).isEqualTo("NOT_RUNNING");
		assertThat(notReplayed.get(0).get("reason").asString()).startsWith("no running instance has handler 'gone'");
		assertThat(notReplayed.get(1).get("handler").asString()).isEqualTo("paused");
		assertThat(notReplayed.get(1).get("code").asString()).isEqualTo("DISABLED");
		assertThat(notReplayed.get(1).get("reason").asString())
			.startsWith("handler 'paused' is disabled on this instance or another running one");
		assertThat(this.jdbc.queryForObject("select status from dispatch_delivery where event_id = ? and handler = "
				+ "'paused'", String.class, event.eventId())).isEqualTo("SKIPPED");
		assertThat(this.jdbc.queryForObject("select status from dispatch_delivery where event_id = ? and handler = "
				+ "'gone'", String.class, event.eventId())).isEqualTo("DEAD");
	}

	@ParameterizedTest
	@MethodSource("io.relay.support.Fixtures#names")
	void theLogHandlerGetsEveryEvent(String fixture) {
		Fixtures.Event event = Fixtures.withFreshId(fixture);
		deliver(event);
		awaitDelivery(event.eventId(), "log", "SUCCEEDED");
	}

	@Test
	void theAdminApiNeedsCredentials() {
		HttpResponse<String> anonymous = send(HttpRequest.newBuilder(uri("/admin/api/events")).GET().build());
		assertThat(anonymous.statusCode()).isEqualTo(401);
		// A problem, like every other refusal, and the challenge that makes a browser ask for the credentials
		assertThat(anonymous.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
				(challenge) -> assertThat(challenge).startsWith("Basic"));
		assertThat(anonymous.body()).contains("\"status\":401", "\"instance\":\"/admin/api/events\"",
				"spring.security.user.name");
		HttpResponse<String> wrong = send(HttpRequest.newBuilder(uri("/admin/api/events"))
			.header("Authorization", basic("admin", "guess"))
			.GET()
			.build());
		assertThat(wrong.statusCode()).isEqualTo(401);
		HttpResponse<String> prefix = send(HttpRequest.newBuilder(uri("/admin/api/events"))
			.header("Authorization", basic("admin", "admin-passwor"))
			.GET()
			.build());
		assertThat(prefix.statusCode()).isEqualTo(401);
		assertThat(admin("GET", "/admin/api/events").statusCode()).isEqualTo(200);
		// Compared by Relay's constant-time check, and kept as configured after a login: not re-encoded with
		// bcrypt, which every later request would pay for.
		assertThat(this.users.loadUserByUsername("admin").getPassword()).isEqualTo("admin-password");
		assertThat(send(HttpRequest.newBuilder(uri("/admin/api/deliveries/replay"))
			.POST(HttpRequest.BodyPublishers.noBody())
			.build()).statusCode()).isEqualTo(401);
	}

	@Test
	void everyRouteButTheWebhookNeedsTheCredentials() {
		// Every route Spring MVC has (the admin API, the dashboard, the OpenAPI description...), as it is mapped
		// now: a route added later is checked too.
		Set<String> checked = new TreeSet<>();
		this.mappings.getHandlerMethods().forEach((info, method) -> {
			Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
			for (String pattern : info.getPatternValues()) {
				if (pattern.startsWith("/webhooks/") || pattern.equals("/error")) {
					continue;
				}
				String path = pattern.replaceAll("\\{[^}]+}", "x").replace("/**", "/x");
				for (RequestMethod verb : methods.isEmpty() ? Set.of(RequestMethod.GET) : methods) {
					for (String authorization : Arrays.asList(null, basic("admin", "guess"), basic("root",
							"admin-password"))) {
						HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
							.method(verb.name(), HttpRequest.BodyPublishers.noBody());
						if (authorization != null) {
							request.header("Authorization", authorization);
						}
						HttpResponse<String> answer = send(request.build());
						assertThat(answer.statusCode()).as("%s %s with %s", verb, path, authorization).isEqualTo(401);
						assertThat(answer.body()).as("%s %s", verb, path).doesNotContain("\"content\"", "payload");
					}
					checked.add(verb + " " + path);
				}
			}
		});
		assertThat(checked).contains("GET /admin/api/events", "GET /admin/api/events/x",
				"POST /admin/api/events/x/replay", "POST /admin/api/deliveries/replay", "POST /admin/api/events/x/dismiss",
				"POST /admin/api/deliveries/dismiss",
				"GET /dashboard");
	}

	@Test
	void aBrowserRequestFromAnotherSiteCannotUseTheAdminCredentials() {
		// A form on another site, posted by a browser that holds the credentials (it opened the dashboard).
		for (String[] headers : List.of(new String[] { "Sec-Fetch-Site", "cross-site" },
				new String[] { "Origin", "https://evil.example" })) {
			HttpResponse<String> forged = replayWithHeader(headers[0], headers[1]);
			assertThat(forged.statusCode()).as("%s: %s", headers[0], headers[1]).isEqualTo(403);
			assertThat(forged.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(forged.body()).contains("\"status\":403");
		}
		// The dashboard's own page, a script or curl.
		for (String[] headers : List.of(new String[] { "Sec-Fetch-Site", "same-origin" },
				new String[] { "Origin", "http://127.0.0.1:" + this.port }, new String[] { "X-Script", "curl" })) {
			HttpResponse<String> own = replayWithHeader(headers[0], headers[1]);
			assertThat(own.statusCode()).as("%s: %s", headers[0], headers[1]).isEqualTo(200);
		}
	}

	@Test
	void eventsAreListedWithFiltersInSpringDataPages() {
		String conversation = UUID.randomUUID().toString();
		Fixtures.Event pushed = conversationEvent("v2.conversation.pushed.json", conversation);
		Fixtures.Event closed = conversationEvent("v2.conversation.closed.json", conversation);
		deliver(pushed);
		deliver(closed);

		JsonNode page = json.readTree(admin("GET", "/admin/api/events?conversationId=" + conversation + "&size=1").body());
		assertThat(page.get("page").get("totalElements").asInt()).isEqualTo(2);
		assertThat(page.get("page").get("size").asInt()).isEqualTo(1);
		assertThat(page.get("content")).hasSize(1);
		assertThat(page.get("content").get(0).get("eventId").asString()).isEqualTo(closed.eventId());

		JsonNode byType = json.readTree(admin("GET",
				"/admin/api/events?conversationId=" + conversation + "&type=v2.conversation.pushed").body());
		assertThat(byType.get("content")).extracting((e) -> e.get("eventId").asString())
			.containsExactly(pushed.eventId());

		JsonNode event = json.readTree(admin("GET", "/admin/api/events/" + pushed.eventId()).body());
		assertThat(event.get("eventType").asString()).isEqualTo("v2.conversation.pushed");
		assertThat(event.get("payload").asString()).isEqualTo(pushed.body());
		assertThat(event.get("deliveryIds")).hasSize(1);
		assertThat(admin("GET", "/admin/api/events/unknown-id").statusCode()).isEqualTo(404);
		HttpResponse<String> status = admin("GET", "/admin/api/events?status=dead");
		assertThat(status.statusCode()).isEqualTo(400);
		assertThat(status.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(status.body()).contains(
				"status must be one of PENDING, RUNNING, SUCCEEDED, SKIPPED, FAILED, DEAD (was 'dead')");
		assertThat(admin("GET", "/admin/api/events?from=yesterday").body())
			.contains("from must be an ISO-8601 instant such as 2026-11-25T10:00:00Z (was 'yesterday')");
		assertThat(admin("GET", "/admin/api/events?page=two").body()).contains("page must be a whole number (was 'two')");
		assertThat(admin("POST", "/admin/api/deliveries/replay?status=BURIED").body())
			.contains("status must be one of PENDING");
		// A handler name nobody has: a typo, not "nothing to replay"
		HttpResponse<String> typo = admin("POST", "/admin/api/deliveries/replay?handler=tickte");
		assertThat(typo.statusCode()).isEqualTo(400);
		assertThat(typo.body()).contains("no handler is named 'tickte'");
		assertThat(admin("POST", "/admin/api/events/" + pushed.eventId() + "/replay?handler=tickte").statusCode())
			.isEqualTo(400);
		// A misspelt parameter would otherwise be ignored, widening the request: every dead delivery replayed
		HttpResponse<String> misspelt = admin("POST", "/admin/api/deliveries/replay?handlr=tickte");
		assertThat(misspelt.statusCode()).isEqualTo(400);
		assertThat(misspelt.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(misspelt.body())
			.contains("Unknown parameter 'handlr': this endpoint takes status, handler");
		HttpResponse<String> inAForm = send(HttpRequest.newBuilder(uri("/admin/api/deliveries/replay"))
			.header("Authorization", basic("admin", "admin-password"))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString("handlr=tickte"))
			.build());
		assertThat(inAForm.statusCode()).as("curl -d binds a form's fields as parameters too").isEqualTo(400);
		assertThat(inAForm.body()).contains("Unknown parameter 'handlr'");
		assertThat(admin("POST", "/admin/api/events/" + pushed.eventId() + "/replay?handlers=log").body())
			.contains("Unknown parameter 'handlers': this endpoint takes handler");
		assertThat(admin("GET", "/admin/api/events?conversationID=" + conversation).body())
			.contains("Unknown parameter 'conversationID'");
		assertThat(admin("GET", "/admin/api/instances?all=true").body())
			.contains("Unknown parameter 'all': this endpoint takes none");
		assertThat(json.readTree(admin("GET", "/admin/api/event?id=" + pushed.eventId()).body()).get("eventId")
			.asString()).as("a parameter the endpoint takes").isEqualTo(pushed.eventId());
		HttpResponse<String> swapped = admin("GET",
				"/admin/api/events?from=2026-11-27T00:00:00Z&to=2026-11-26T00:00:00Z");
		assertThat(swapped.statusCode()).isEqualTo(400);
		assertThat(swapped.body()).contains("to (2026-11-26T00:00:00Z) must be after from (2026-11-27T00:00:00Z)");
		// A body the endpoint does not read: '-d {"handler":"lead"}' would otherwise replay every handler's deliveries
		HttpResponse<String> jsonBody = send(HttpRequest.newBuilder(uri("/admin/api/deliveries/replay"))
			.header("Authorization", basic("admin", "admin-password"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"handler\":\"tickte\"}"))
			.build());
		assertThat(jsonBody.statusCode()).isEqualTo(415);
		assertThat(jsonBody.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(jsonBody.body()).contains("This endpoint reads no application/json body: give its parameters in "
				+ "the query string (status, handler) or as a form");
		// Given twice, or empty: another question than the one asked (the first status only; no event of type '')
		HttpResponse<String> twice = admin("POST", "/admin/api/deliveries/replay?status=DEAD&status=FAILED");
		assertThat(twice.statusCode()).isEqualTo(400);
		assertThat(twice.body()).contains("Parameter 'status' is given 2 times: give it once");
		assertThat(admin("GET", "/admin/api/events?type=").body())
			.contains("Parameter 'type' is empty: leave it out not to filter by it");
		for (String empty : List.of("status", "from", "to")) {
			HttpResponse<String> unset = admin("GET", "/admin/api/events?" + empty + "=");
			assertThat(unset.statusCode()).as(empty).isEqualTo(400);
			assertThat(unset.body()).contains("Parameter '" + empty + "' is empty: leave it out not to filter by it");
		}
		// Not read as the default either (Spring's defaultValue covers empty values)
		assertThat(admin("GET", "/admin/api/events?size=").body())
			.contains("Parameter 'size' is empty: leave it out for the default (20)");
		assertThat(admin("GET", "/admin/api/events?page=").body())
			.contains("Parameter 'page' is empty: leave it out for the default (0)");
		assertThat(admin("GET", "/admin/api/events?size=%205").body()).contains("size must be a whole number (was ' 5')");
		// Replays too: an empty status was read as the default, DEAD (Spring's defaultValue covers empty values)
		for (String empty : List.of("status", "handler")) {
			HttpResponse<String> unset = admin("POST", "/admin/api/deliveries/replay?" + empty + "=");
			assertThat(unset.statusCode()).as(empty).isEqualTo(400);
			assertThat(unset.body()).contains("Parameter '" + empty + "' is empty: leave it out not to filter by it");
		}
		// Seconds since 1970 (date +%s), which Spring would read as milliseconds: a day of 1970, and every event
		assertThat(admin("GET", "/admin/api/events?from=1732528800").body())
			.contains("from must be an ISO-8601 instant such as 2026-11-25T10:00:00Z (was '1732528800')");
		assertThat(admin("GET", "/admin/api/events?status=%20dead%20").body())
			.contains("status must be one of PENDING");
		assertThat(admin("GET", "/admin/api/events?status=%20DEAD%20").statusCode()).isEqualTo(200);
		// PostgreSQL refuses a NUL in text: a 400 before the query, not a 500 from it
		for (String path : List.of("/admin/api/events?conversationId=a%00b", "/admin/api/event?id=a%00b")) {
			HttpResponse<String> nul = admin("GET", path);
			assertThat(nul.statusCode()).as(path).isEqualTo(400);
			assertThat(nul.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(nul.body()).contains("contains a NUL character");
		}
		assertThat(admin("POST", "/admin/api/deliveries/replay?handler=%00").statusCode()).isEqualTo(400);
		// A time no database column can hold: a 400 that says so, not a 500 from the query
		HttpResponse<String> farFuture = admin("GET", "/admin/api/events?from=%2B999999999-01-01T00:00:00Z");
		assertThat(farFuture.statusCode()).isEqualTo(400);
		assertThat(farFuture.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(farFuture.body()).contains("from must be between");
	}

	@Test
	void anEventWhoseIdAPathCannotCarryIsReachedByQuery() {
		Fixtures.Event fresh = Fixtures.withFreshId("user.updated.json");
		String id = "a/b%c;d\\e.." + fresh.eventId();
		deliver(new Fixtures.Event(id, fresh.body().replace(fresh.eventId(), id.replace("\\", "\\\\"))));
		String query = URLEncoder.encode(id, StandardCharsets.UTF_8);
		awaitDelivery(id, "log", "SUCCEEDED");

		assertThat(admin("GET", "/admin/api/events/" + query).statusCode()).as("in the path").isIn(400, 404);
		HttpResponse<String> detail = admin("GET", "/admin/api/event?id=" + query);
		assertThat(detail.statusCode()).isEqualTo(200);
		assertThat(json.readTree(detail.body()).get("eventId").asString()).isEqualTo(id);
		HttpResponse<String> replay = admin("POST", "/admin/api/event/replay?handler=log&id=" + query);
		assertThat(replay.statusCode()).isEqualTo(200);
		assertThat(json.readTree(replay.body()).get("replayed").asInt()).isEqualTo(1);
		awaitDelivery(id, "log", "SUCCEEDED");

		HttpResponse<String> unknown = admin("GET", "/admin/api/event?id=" + query + "x");
		assertThat(unknown.statusCode()).isEqualTo(404);
		assertThat(unknown.body()).contains("No event with id '" + id.replace("\\", "\\\\") + "x' is stored");
		assertThat(admin("GET", "/admin/api/event").statusCode()).isEqualTo(400);
	}

	@Test
	void theAdminApiListsTheInstancesWithTheirHandlers() {
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		deliver(event);
		JsonNode delivery = awaitDelivery(event.eventId(), "log", "SUCCEEDED");
		HttpResponse<String> response = admin("GET", "/admin/api/instances");
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode instances = json.readTree(response.body());

		// This one (the database is the test's own), written at its start.
		assertThat(instances).hasSize(1);
		JsonNode self = instances.get(0);
		assertThat(self.get("handlers")).extracting(JsonNode::asString).contains("log", "paused");
		// Disabled by the test's relay.dispatch.handlers.paused.enabled=false, and only that one.
		assertThat(self.get("disabled")).extracting(JsonNode::asString).containsExactly("paused");
		assertThat(Instant.parse(self.get("seenAt").asString())).isBefore(Instant.now().plusSeconds(1))
			.isAfter(Instant.now().minusSeconds(60));
		// The name the attempts are recorded under.
		assertThat(self.get("instance").asString())
			.isEqualTo(delivery.get("history").get(0).get("instance").asString());
	}

	@Test
	void theOpenApiDescriptionCoversTheAdminApi() {
		HttpResponse<String> docs = admin("GET", "/v3/api-docs");
		assertThat(docs.statusCode()).isEqualTo(200);
		assertThat(docs.body()).contains("/admin/api/events/{eventId}/replay", "/admin/api/deliveries/replay",
				"\"/admin/api/event\"", "/admin/api/event/replay", "/admin/api/instances",
				"/admin/api/events/{eventId}/dismiss", "/admin/api/event/dismiss", "/admin/api/deliveries/dismiss");
		JsonNode replayParameters = json.readTree(docs.body())
			.path("paths")
			.path("/admin/api/deliveries/replay")
			.path("post")
			.path("parameters");
		assertThat(replayParameters).filteredOn((parameter) -> parameter.path("name").asString().equals("status"))
			.singleElement()
			.satisfies((status) -> {
				assertThat(status.path("schema").path("default").asString()).isEqualTo("DEAD");
				assertThat(status.path("schema").path("enum")).extracting(JsonNode::asString)
					.containsExactly("PENDING", "RUNNING", "SUCCEEDED", "SKIPPED", "FAILED", "DEAD");
			});
		// What a replay answers, and why it can be refused, for scripts as well as people.
		JsonNode api = json.readTree(docs.body());
		// The dismissal's user is the login, not a parameter.
		assertThat(api.path("paths").path("/admin/api/events/{eventId}/dismiss").path("post").path("parameters"))
			.extracting((parameter) -> parameter.path("name").asString())
			.containsExactlyInAnyOrder("eventId", "handler");
		for (String path : List.of("/admin/api/deliveries/replay", "/admin/api/events/{eventId}/replay",
				"/admin/api/event/replay")) {
			JsonNode responses = api.path("paths").path(path).path("post").path("responses");
			assertThat(responses.propertyNames()).as(path).contains("200", "400", "409");
			assertThat(responses.path("409").path("description").asString()).as(path)
				.contains("code DISABLED", "code NOT_RUNNING");
			assertThat(responses.path("409").path("content").propertyNames()).as(path)
				.containsExactly("application/problem+json");
		}
		// Paging parameters are read as text (so that an empty one is refused) but described as the numbers they are.
		for (String list : List.of("/admin/api/events", "/admin/api/quarantine")) {
			JsonNode parameters = api.path("paths").path(list).path("get").path("parameters");
			for (String name : List.of("page", "size")) {
				assertThat(parameters).as(list + " " + name)
					.filteredOn((parameter) -> parameter.path("name").asString().equals(name))
					.singleElement()
					.satisfies((parameter) -> {
						assertThat(parameter.at("/schema/type").asString()).isEqualTo("integer");
						assertThat(parameter.at("/schema/default").isIntegralNumber()).isTrue();
						assertThat(parameter.at("/schema/default").asInt()).isEqualTo(name.equals("page") ? 0 : 20);
						assertThat(parameter.at("/schema/format").asString()).isEqualTo("int32");
					});
			}
		}
		JsonNode code = api.at("/components/schemas/NotReplayed/properties/code");
		assertThat(code.path("enum")).extracting(JsonNode::asString).containsExactly("DISABLED", "NOT_RUNNING");
		assertThat(code.path("description").asString()).contains("NOT_RUNNING: no running instance has the handler");
	}

	@Test
	void theOpenApiDescriptionSaysWhatTheWebhookTakesAndAnswers() {
		JsonNode api = json.readTree(admin("GET", "/v3/api-docs").body());
		JsonNode webhook = api.at("/paths/~1webhooks~1iadvize/post");
		// The same endpoint with a trailing slash is not described a second time.
		assertThat(api.path("paths").propertyNames()).filteredOn((path) -> path.startsWith("/webhooks"))
			.containsExactly("/webhooks/iadvize");
		assertThat(webhook.at("/requestBody/content").propertyNames()).containsExactlyInAnyOrder("application/json",
				"application/x-www-form-urlencoded");
		assertThat(webhook.at("/responses/202/content").propertyNames()).containsExactly("application/json");
		assertThat(webhook.at("/responses/200/content").propertyNames()).containsExactly("application/json");
	}

	@Test
	void infoShowsBuildAndGitData() {
		String body = admin("GET", "/actuator/info").body();
		JsonNode info = json.readTree(body);
		assertThat(info.get("build").get("artifact").asString()).isEqualTo("relay");
		assertThat(info.at("/git/commit/id/abbrev").asString()).matches("[0-9a-f]{7,}");
		// Nobody's name or email address, no host, no remote URL (which can carry a token).
		assertThat(info.at("/git").propertyNames()).containsOnly("branch", "build", "commit", "dirty", "tags");
		assertThat(body).doesNotContain("@", "\"user\"", "\"remote\"", "\"host\"");
	}

	@Test
	void healthReportsTheDeliveries() {
		HttpResponse<String> health = admin("GET", "/actuator/health/deliveries");
		assertThat(health.statusCode()).isEqualTo(200);
		assertThat(health.body()).contains("\"backlog\"", "\"dead\"");
	}

	@Test
	void healthShowsItsComponentsToAnAuthenticatedCaller() throws Exception {
		JsonNode health = json.readTree(admin("GET", "/actuator/health").body());
		assertThat(health.get("status").asString()).isEqualTo("UP");
		assertThat(health.get("components").propertyNames()).contains("db", "deliveries", "readinessState");
		// The group names are left out for everyone (HealthWithoutGroupNames); the groups answer at their paths.
		assertThat(health.has("groups")).isFalse();
		assertThat(admin("GET", "/actuator/health/liveness").statusCode()).isEqualTo(200);
	}

	static Fixtures.Event conversationEvent(String fixture, String conversationId) {
		Fixtures.Event event = Fixtures.withFreshId(fixture);
		return new Fixtures.Event(event.eventId(),
				event.body().replace("4c8c7408-f73c-42cd-89e9-afbbee7d9024", conversationId));
	}

	private static IncomingEvent incoming(Fixtures.Event event) {
		byte[] body = event.body().getBytes(StandardCharsets.UTF_8);
		try {
			return new IncomingEvent(new EventParser().parse(body, PayloadFormat.JSON, StandardCharsets.UTF_8, null),
					"application/json", body, null, null, Instant.now());
		}
		catch (MalformedEventException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void deliver(Fixtures.Event event) {
		assertThat(this.client.deliver(event.body()).statusCode()).isEqualTo(202);
	}

	JsonNode awaitDelivery(String eventId, String handler, String status) {
		return await().atMost(Duration.ofSeconds(20)).until(() -> delivery(eventId, handler),
				(delivery) -> delivery != null && status.equals(delivery.get("status").asString()));
	}

	private JsonNode delivery(String eventId, String handler) {
		HttpResponse<String> response = admin("GET",
				"/admin/api/event?id=" + URLEncoder.encode(eventId, StandardCharsets.UTF_8));
		if (response.statusCode() != 200) {
			return null;
		}
		for (JsonNode delivery : json.readTree(response.body()).get("deliveries")) {
			if (handler.equals(delivery.get("handler").asString())) {
				return delivery;
			}
		}
		return null;
	}

	/** A replay of the dead deliveries with the admin credentials and one more header. */
	private HttpResponse<String> replayWithHeader(String name, String value) {
		return send(HttpRequest.newBuilder(uri("/admin/api/deliveries/replay"))
			.header("Authorization", basic("admin", "admin-password"))
			.header(name, value)
			.POST(HttpRequest.BodyPublishers.noBody())
			.build());
	}

	HttpResponse<String> admin(String method, String path) {
		return send(HttpRequest.newBuilder(uri(path))
			.header("Authorization", basic("admin", "admin-password"))
			.method(method, HttpRequest.BodyPublishers.noBody())
			.build());
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.port + path);
	}

	private HttpResponse<String> send(HttpRequest request) {
		try {
			return this.http.send(request, HttpResponse.BodyHandlers.ofString());
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String basic(String user, String password) {
		return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
	}

	/** Disabled by the test's properties. */
	static class PausedHandler implements EventHandler<IAdvizeEvent> {

		final AtomicInteger runs = new AtomicInteger();

		@Override
		public String name() {
			return "paused";
		}

		@Override
		public Class<IAdvizeEvent> eventType() {
			return IAdvizeEvent.class;
		}

		@Override
		public HandlerResult handle(Delivery<IAdvizeEvent> delivery) {
			this.runs.incrementAndGet();
			return HandlerResult.success();
		}

	}

	@SuppressWarnings("unchecked")
	private static <T extends Throwable> void sneakyThrow(Throwable ex) throws T {
		throw (T) ex;
	}

}
