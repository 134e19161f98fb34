package io.relay.workflow.outbound;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.relay.support.MigratedDatabase;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.core.ResolvableType;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpMethod;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.client.RestClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * One key, one body: what is kept, re-sent and forgotten, against a real database and a target on WireMock.
 */
class IdempotentRequestsTests {

	@RegisterExtension
	static WireMockExtension target = WireMockExtension.newInstance()
		.options(WireMockConfiguration.options().dynamicPort().http2PlainDisabled(true))
		.build();

	private static final JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.h2("idempotent-requests"));

	private final IdempotentRequests requests = new IdempotentRequests(jdbc, Clock.systemUTC());

	private final OutboundClient client = client();

	private String eventId;

	private String key;

	@BeforeEach
	void event() {
		this.eventId = UUID.randomUUID().toString();
		this.key = this.eventId + ":lead";
		jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, 'v2.conversation.closed', 'application/json', ?, ?)", this.eventId, "{}".getBytes(),
				Timestamp.from(Instant.now()));
	}

	@Test
	void everyAttemptUnderAKeySendsTheBodyOfTheFirst() throws Exception {
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(503)));
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Ada"), this.key, this.eventId))
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue());
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(201)));
		this.requests.send(this.client, request("Augusta"), this.key, this.eventId);

		assertThat(sentBodies()).containsExactly(body("Ada"), body("Ada"));
		assertThat(this.requests.has(this.key)).isTrue();
	}

	@Test
	void aRejectionOfTheFirstAttemptForgetsTheBodySoThatTheNextRendersAfresh() {
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(422)));
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Ada"), this.key, this.eventId));
		assertThat(this.requests.has(this.key)).isFalse();

		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Augusta"), this.key, this.eventId));
		assertThat(sentBodies()).containsExactly(body("Ada"), body("Augusta"));
	}

	@Test
	void aRejectionAfterAnAttemptOfUnknownOutcomeKeepsTheBody() {
		// The 503 may have come after the target acted under the key: what it did stays tied to that body.
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(503)));
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Ada"), this.key, this.eventId));
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(401)));
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Augusta"), this.key, this.eventId))
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse());

		assertThat(this.requests.has(this.key)).isTrue();
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Grace"), this.key, this.eventId));
		assertThat(sentBodies()).containsExactly(body("Ada"), body("Ada"), body("Ada"));
	}

	@Test
	void attemptsTheReceiverRefusedOrNeverSawDoNotHoldTheBodyAfterARejection() throws Exception {
		// A 429 and a refused connection did nothing under the key: a rejection after them forgets the body, and an
		// operator's replay after fixing the data sends the new rendering.
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(429)));
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Ada"), this.key, this.eventId))
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue());
		assertThat(this.requests.has(this.key)).isTrue();
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Ada", closedPort()), this.key, this.eventId))
			.satisfies((ex) -> assertThat(ex.receiverDidNothing()).isTrue());
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(422)));
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Ada"), this.key, this.eventId));
		assertThat(this.requests.has(this.key)).isFalse();

		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(201)));
		this.requests.send(this.client, request("Augusta"), this.key, this.eventId);
		assertThat(sentBodies()).containsExactly(body("Ada"), body("Ada"), body("Augusta"));
	}

	@Test
	void aRejectedFirstAttemptKeepsTheBodyWhileALaterAttemptUnderTheKeyIsInFlight() throws Exception {
		// The first attempt is refused while a second one (a lease that expired, say) is still being answered: the
		// second may act under the key, so its body stays bound to it.
		target.stubFor(post(urlPathEqualTo("/first")).willReturn(aResponse().withStatus(422).withFixedDelay(4000)));
		target.stubFor(post(urlPathEqualTo("/second")).willReturn(aResponse().withStatus(201).withFixedDelay(7000)));
		CompletableFuture<Throwable> first = CompletableFuture.supplyAsync(() -> attempt("/first"));
		await().atMost(Duration.ofSeconds(30))
			.until(() -> !target.findAll(postRequestedFor(urlPathEqualTo("/first"))).isEmpty());
		CompletableFuture<Throwable> second = CompletableFuture.supplyAsync(() -> attempt("/second"));
		await().atMost(Duration.ofSeconds(30))
			.until(() -> !target.findAll(postRequestedFor(urlPathEqualTo("/second"))).isEmpty());
		assertThat(first).as("the first attempt is still being answered when the second is sent").isNotDone();

		assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(OutboundException.class);
		assertThat(second).isNotDone();
		assertThat(this.requests.has(this.key)).isTrue();
		assertThat(second.get(30, TimeUnit.SECONDS)).isNull();
		assertThat(this.requests.has(this.key)).isTrue();
	}

	@Test
	void anAttemptWhoseBodyAnotherKeptAtTheSameMomentCountsOnIt() {
		// Another attempt under the key keeps its body between this attempt's count and its own insert.
		JdbcTemplate racing = new JdbcTemplate(jdbc.getDataSource()) {

			private boolean raced;

			@Override
			public int update(String sql, @Nullable Object... args) {
				int updated = super.update(sql, args);
				if (!this.raced && sql.startsWith("update outbound_request set attempts = attempts + 1")) {
					this.raced = true;
					super.update("insert into outbound_request (idempotency_key, event_id, body, attempts, "
							+ "created_at) values (?, ?, ?, 1, ?)", IdempotentRequestsTests.this.key,
							IdempotentRequestsTests.this.eventId, body("Ada").getBytes(StandardCharsets.UTF_8),
							Timestamp.from(Instant.now()));
				}
				return updated;
			}

		};
		// This attempt is refused with a 429 (it did nothing): it gives its own count back, not the other's.
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(429)));
		assertThatExceptionOfType(OutboundException.class).isThrownBy(() -> new IdempotentRequests(racing,
				Clock.systemUTC()).send(this.client, request("Augusta"), this.key, this.eventId));
		assertThat(sentBodies()).containsExactly(body("Ada"));
		assertThat(attempts()).isOne();

		// The other attempt may have acted under the key: a later rejection keeps its body.
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(422)));
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Grace"), this.key, this.eventId));
		assertThat(this.requests.has(this.key)).isTrue();
	}

	@Test
	void anAttemptThatKeepsLosingTheRaceForItsKeysRowGivesUpWithoutSending() {
		// Every look finds no row and every insert finds one: other attempts keep it and drop it in between.
		JdbcTemplate churning = new JdbcTemplate(jdbc.getDataSource()) {

			@Override
			public int update(String sql, @Nullable Object... args) {
				if (sql.startsWith("update outbound_request set attempts = attempts + 1")) {
					return 0;
				}
				if (sql.startsWith("insert into outbound_request")) {
					throw new DuplicateKeyException("kept by another attempt");
				}
				return super.update(sql, args);
			}

		};
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(201)));

		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> new IdempotentRequests(churning, Clock.systemUTC()).send(this.client, request("Ada"),
					this.key, this.eventId))
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue())
			.satisfies((ex) -> assertThat(ex.receiverDidNothing()).isTrue());
		assertThat(sentBodies()).isEmpty();
	}

	/** One attempt under the test's key to {@code path}: its failure, or {@code null} when it succeeded. */
	private Throwable attempt(String path) {
		try {
			this.requests.send(this.client, request("Ada", URI.create(target.baseUrl() + path)), this.key,
					this.eventId);
			return null;
		}
		catch (OutboundException ex) {
			return ex;
		}
	}

	@Test
	void theLastCheckSeesTheBodyKeptAndWhenItSaysNoNothingIsSentAndTheAttemptIsGivenBack() throws Exception {
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(503)));
		List<Boolean> keptWhenChecked = new ArrayList<>();
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Ada"), this.key, this.eventId, () -> {
				keptWhenChecked.add(this.requests.has(this.key));
				return "the claim lapsed";
			}))
			.withMessage("the claim lapsed")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue())
			.satisfies((ex) -> assertThat(ex.receiverDidNothing()).isTrue());
		assertThat(keptWhenChecked).containsExactly(true);
		assertThat(sentBodies()).isEmpty();
		assertThat(this.requests.has(this.key)).isFalse();

		// After an attempt of unknown outcome the body stays kept, and a check that says no leaves it as it was.
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Ada"), this.key, this.eventId));
		assertThatExceptionOfType(OutboundException.class).isThrownBy(() -> this.requests.send(this.client,
				request("Augusta"), this.key, this.eventId, () -> "not now"));
		assertThat(this.requests.has(this.key)).isTrue();
		assertThat(attempts()).isOne();
		assertThat(sentBodies()).containsExactly(body("Ada"));

		// A check that fails (its database is down) sent nothing either: the attempt is given back.
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> this.requests.send(this.client,
				request("Grace"), this.key, this.eventId, () -> {
					throw new IllegalStateException("database down");
				}));
		assertThat(attempts()).isOne();
		assertThat(sentBodies()).containsExactly(body("Ada"));
	}

	@Test
	void aResendSendsOnlyTheKeptBodyAndNothingOnceItIsGone() throws Exception {
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(503)));
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.send(this.client, request("Ada"), this.key, this.eventId));
		// Another delivery finishing this create: the kept body, whatever it rendered.
		assertThatExceptionOfType(OutboundException.class).isThrownBy(() -> this.requests.resend(this.client,
				request("Augusta"), this.key, this.laterEvent(), () -> null));
		assertThat(sentBodies()).containsExactly(body("Ada"), body("Ada"));

		// The body went with its event (the purge) between the other delivery's look and its send: nothing is sent,
		// and its own body is not bound to the key.
		jdbc.update("delete from inbox_event where event_id = ?", this.eventId);
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> this.requests.resend(this.client, request("Augusta"), this.key, this.laterEvent(),
					() -> null))
			.withMessageContaining("purged")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue())
			.satisfies((ex) -> assertThat(ex.receiverDidNothing()).isTrue());
		assertThat(sentBodies()).containsExactly(body("Ada"), body("Ada"));
		assertThat(this.requests.has(this.key)).isFalse();
	}

	/** Another event (stored now), as a later delivery for the same visitor has. */
	private String laterEvent() {
		String later = UUID.randomUUID().toString();
		jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, 'v2.conversation.closed', 'application/json', ?, ?)", later, "{}".getBytes(),
				Timestamp.from(Instant.now()));
		return later;
	}

	@Test
	void theKeptBodyGoesWithItsEvent() throws Exception {
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(201)));
		this.requests.send(this.client, request("Ada"), this.key, this.eventId);
		assertThat(this.requests.has(this.key)).isTrue();
		jdbc.update("delete from inbox_event where event_id = ?", this.eventId);
		assertThat(this.requests.has(this.key)).isFalse();
	}

	/** How many attempts the key's row counts. */
	private Integer attempts() {
		return jdbc.queryForObject("select attempts from outbound_request where idempotency_key = ?", Integer.class,
				this.key);
	}

	private List<String> sentBodies() {
		return target.findAll(postRequestedFor(urlPathEqualTo("/contacts")))
			.stream()
			.map(LoggedRequest::getBodyAsString)
			.toList();
	}

	private static OutboundRequest request(String name) {
		return request(name, URI.create(target.baseUrl() + "/contacts"));
	}

	private static OutboundRequest request(String name, URI uri) {
		return new OutboundRequest(HttpMethod.POST, uri, Map.of(), body(name).getBytes(StandardCharsets.UTF_8));
	}

	/** A URL on a port nothing listens on: the connection is refused. */
	private static URI closedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return URI.create("http://localhost:" + socket.getLocalPort() + "/contacts");
		}
	}

	private static String body(String name) {
		return "{\"name\":\"" + name + "\"}";
	}

	private static OutboundClient client() {
		DefaultListableBeanFactory none = new DefaultListableBeanFactory();
		OutboundClients clients = new OutboundClients(none.getBeanProvider(RestClient.Builder.class),
				none.getBeanProvider(ResolvableType.forClass(ClientHttpRequestFactoryBuilder.class)),
				none.getBeanProvider(HttpClientSettings.class), none.getBeanProvider(Clock.class));
		// A read timeout above the slowest answer stubbed here (7 s).
		return clients.create("lead", new OutboundProperties(Duration.ofSeconds(2), Duration.ofSeconds(15), 4,
				Duration.ofSeconds(1), new OutboundProperties.Auth(OutboundProperties.AuthType.NONE, null, null, null,
						"X-API-Key", null),
				List.of()));
	}

}
