package io.relay.workflow.outbound;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.relay.dispatch.HandlerResult;
import io.relay.support.SignedRequests;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpMethod;
import org.springframework.web.client.RestClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class OutboundClientTests {

	static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef"
		.getBytes(StandardCharsets.US_ASCII));

	static final String TOKEN = "crm-token-5d0c2a9e71";

	@RegisterExtension
	static WireMockExtension target = WireMockExtension.newInstance()
		.options(WireMockConfiguration.options().dynamicPort().http2PlainDisabled(true))
		.build();

	private final OutboundRequest request = new OutboundRequest(HttpMethod.POST,
			URI.create(target.baseUrl() + "/contacts?api_key=in-the-query"), Map.of("X-Source", "relay"),
			"{\"email\":\"ada@example.com\"}".getBytes(StandardCharsets.UTF_8));

	@Test
	void sendsTheBodyAuthenticatedSignedAndWithTheIdempotencyKey() throws Exception {
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(201).withBody("{\"id\":7}")));
		OutboundResponse response = client(auth("bearer")).send(this.request, "event-1:lead");

		assertThat(response.status()).isEqualTo(201);
		assertThat(response.valueAt(OutboundResponse.pointer("/id", "p"))).contains("7");
		LoggedRequest sent = target.getAllServeEvents().getFirst().getRequest();
		assertThat(sent.getBodyAsString()).isEqualTo("{\"email\":\"ada@example.com\"}");
		assertThat(sent.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
		assertThat(sent.getHeader("Content-Type")).startsWith("application/json");
		assertThat(sent.getHeader("X-Source")).isEqualTo("relay");
		assertThat(sent.getHeader("Idempotency-Key")).isEqualTo("event-1:lead");
		assertThat(sent.getHeader("webhook-id")).isEqualTo(StandardWebhooks.messageId("event-1:lead"));
		SignedRequests.verify(sent, SECRET);
	}

	@Test
	void authenticatesWithBasicOrAnApiKeyHeader() throws Exception {
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(204)));
		client(new OutboundProperties.Auth(OutboundProperties.AuthType.BASIC, null, "relay", "pa55word", "X-API-Key",
				null)).send(this.request, "k");
		client(new OutboundProperties.Auth(OutboundProperties.AuthType.API_KEY, null, null, null, "X-Crm-Key",
				"key-123456")).send(this.request, "k");
		target.verify(postRequestedFor(urlPathEqualTo("/contacts")).withHeader("Authorization",
				equalTo("Basic " + Base64.getEncoder().encodeToString("relay:pa55word".getBytes()))));
		target.verify(postRequestedFor(urlPathEqualTo("/contacts")).withHeader("X-Crm-Key", equalTo("key-123456")));
	}

	@Test
	void serverErrorsTimeoutsAndRateLimitsAreRetriedHonouringRetryAfter() {
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(503).withHeader("Retry-After", "7")));
		assertThat(failure()).satisfies((ex) -> {
			assertThat(ex.retryable()).isTrue();
			assertThat(ex.retryAfter()).contains(Duration.ofSeconds(7));
			assertThat(ex.toResult()).isEqualTo(HandlerResult.retryNoSoonerThan(ex.getMessage(), Duration.ofSeconds(7)));
		});
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "86400")));
		assertThat(failure().retryAfter()).contains(Duration.ofHours(1));
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(408)));
		assertThat(failure()).satisfies((ex) -> {
			assertThat(ex.retryable()).isTrue();
			assertThat(ex.toResult()).isEqualTo(HandlerResult.retry(ex.getMessage()));
		});
		// Still processing an earlier request with the same Idempotency-Key.
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(409)));
		assertThat(failure().retryable()).isTrue();
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(200).withFixedDelay(1500)));
		assertThat(failure(Duration.ofMillis(300))).satisfies((ex) -> {
			assertThat(ex.retryable()).isTrue();
			assertThat(ex.getMessage()).contains("did not answer in time");
		});
	}

	@Test
	void otherClientErrorsAndRedirectsArePermanentWithTheAnswerShortenedAndNoSecret() {
		String echo = "{\"error\":\"invalid email\",\"you_sent\":\"Bearer " + TOKEN + "\",\"padding\":\""
				+ "x".repeat(2000) + "\"}";
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(400).withBody(echo)));
		OutboundException ex = failure();
		assertThat(ex.retryable()).isFalse();
		assertThat(ex.toResult()).isInstanceOf(HandlerResult.PermanentFailure.class);
		assertThat(ex.getMessage()).startsWith("lead: POST " + target.baseUrl() + "/contacts answered HTTP 400: "
				+ "{\"error\":\"invalid email\"")
			.doesNotContain(TOKEN)
			.doesNotContain("in-the-query")
			.contains("<hidden>")
			.hasSizeLessThan(700);

		// Echoed JSON-escaped, percent-encoded, in another case or cut short: hidden as well.
		for (String form : List.of(TOKEN.replace("-", "\\u002d"), TOKEN.replace("-", "%2D"), TOKEN.toUpperCase(),
				TOKEN.substring(0, 12))) {
			target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(400)
				.withBody("{\"error\":\"token " + form + " refused\"}")));
			assertThat(failure().getMessage()).contains("token <hidden> refused").doesNotContain(form);
		}

		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(301).withHeader("Location", "/elsewhere")));
		assertThat(failure()).satisfies((redirect) -> {
			assertThat(redirect.retryable()).isFalse();
			assertThat(redirect.getMessage()).contains("HTTP 301", "redirects are not followed");
			assertThat(redirect.receiverDidNothing()).isTrue();
		});
		// See Other answers a POST that was carried out: not retried, and not taken as "nothing was done" either
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(303).withHeader("Location", "/contacts/42")));
		assertThat(failure()).satisfies((seeOther) -> {
			assertThat(seeOther.retryable()).isFalse();
			assertThat(seeOther.receiverDidNothing()).isFalse();
			assertThat(seeOther.getMessage()).contains("HTTP 303", "the target may have acted on the request");
		});
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(410)));
		assertThat(failure().retryable()).isFalse();
	}

	@Test
	void anUnreachableTargetIsRetried() {
		OutboundRequest nowhere = new OutboundRequest(HttpMethod.POST, URI.create("http://127.0.0.1:1/contacts"),
				Map.of(), new byte[0]);
		assertThatExceptionOfType(OutboundException.class)
			.isThrownBy(() -> client(auth("none")).send(nowhere, "k"))
			.satisfies((ex) -> {
				assertThat(ex.retryable()).isTrue();
				assertThat(ex.getMessage()).contains("could not be reached");
			});
	}

	@Test
	void atMostMaxConcurrentRequestsAreInFlightAndTheOthersGiveTheirWorkerBack() throws Exception {
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(200).withFixedDelay(1000)));
		OutboundClient client = clients().create("lead",
				new OutboundProperties(Duration.ofSeconds(2), Duration.ofSeconds(5), 2, Duration.ofMillis(100),
						auth("none"), List.of()));
		CountDownLatch start = new CountDownLatch(1);
		List<Future<Object>> results = new ArrayList<>();
		try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
			for (int i = 0; i < 5; i++) {
				results.add(threads.submit(() -> {
					start.await();
					try {
						return client.send(this.request, "k");
					}
					catch (OutboundException ex) {
						return ex;
					}
				}));
			}
			start.countDown();
			List<Object> outcomes = new ArrayList<>();
			for (Future<Object> result : results) {
				outcomes.add(result.get());
			}
			assertThat(outcomes).filteredOn(OutboundResponse.class::isInstance).hasSize(2);
			assertThat(outcomes).filteredOn(OutboundException.class::isInstance)
				.hasSize(3)
				.allSatisfy((ex) -> assertThat(((OutboundException) ex).getMessage())
					.contains("2 requests to this target were already in flight"));
		}
		target.verify(2, postRequestedFor(urlPathEqualTo("/contacts")));
	}

	@Test
	void settingsAreValidatedWithThePropertyInTheMessageAndSecretsHiddenFromToString() {
		OutboundProperties properties = new OutboundProperties(Duration.ofSeconds(1), Duration.ofSeconds(1), 1,
				Duration.ZERO, new OutboundProperties.Auth(OutboundProperties.AuthType.BEARER, null, null, null,
						"X-API-Key", null), List.of());
		org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
			.isThrownBy(() -> properties.validate("relay.workflows.lead.http"))
			.withMessage("relay.workflows.lead.http.auth.token is required when the auth type is bearer");
		OutboundProperties signed = new OutboundProperties(Duration.ofSeconds(1), Duration.ofSeconds(1), 1,
				Duration.ZERO, auth("bearer"), List.of("whsec_c2hvcnQ="));
		org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
			.isThrownBy(() -> signed.validate("relay.workflows.lead.http"))
			.withMessageStartingWith("relay.workflows.lead.http.signing-secrets[0] must hold 24 to 64 bytes");
		assertThat(signed.toString()).doesNotContain(TOKEN).doesNotContain("whsec_c2hvcnQ=");
	}

	@Test
	void valuesTheRequestCarriedInItsHeadersAndQueryAreHiddenInAnEchoedAnswer() {
		OutboundRequest keyed = new OutboundRequest(HttpMethod.POST,
				URI.create(target.baseUrl() + "/contacts?api_key=query%2Bkey-7f3a&lang=fr"),
				Map.of("X-Crm-Key", "header-key-91c2"), "{}".getBytes(StandardCharsets.UTF_8));
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(401)
			.withBody("{\"error\":\"bad key header-key-91c2 or query+key-7f3a (query%2Bkey-7f3a)\",\"lang\":\"fr\"}")));
		OutboundException ex = org.assertj.core.api.Assertions.catchThrowableOfType(OutboundException.class,
				() -> client(auth("none")).send(keyed, "k"));
		assertThat(ex.getMessage()).contains("answered HTTP 401")
			.doesNotContain("header-key-91c2")
			.doesNotContain("key-7f3a")
			.contains("\"lang\":\"fr\"");
	}

	@Test
	void thePersonalDataTheRequestCarriedInItsBodyIsHiddenInAnEchoedAnswer() {
		OutboundRequest json = new OutboundRequest(HttpMethod.POST, URI.create(target.baseUrl() + "/contacts"),
				Map.of(), ("{\"contact\":{\"email\":\"ada@example.com\",\"name\":\"Ada \\\"Countess\\\" Lovelace\","
						+ "\"phones\":[\"+33 6 12 34 56 78\"],\"optIn\":true,\"n\":1}}").getBytes(StandardCharsets.UTF_8));
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(422).withBody("{\"errors\":["
				+ "\"email ada@example.com is invalid\",\"name 'Ada \\\"Countess\\\" Lovelace' is taken\","
				+ "\"phone +33 6 12 34 56 78 unknown\"]}")));
		OutboundException ex = org.assertj.core.api.Assertions.catchThrowableOfType(OutboundException.class,
				() -> client(auth("none")).send(json, "k"));
		assertThat(ex.getMessage()).contains("answered HTTP 422", "email <hidden> is invalid", "phone <hidden> unknown")
			.doesNotContain("ada@example.com")
			.doesNotContain("Lovelace")
			.doesNotContain("12 34");

		OutboundRequest form = new OutboundRequest(HttpMethod.POST, URI.create(target.baseUrl() + "/contacts"),
				Map.of(), "email=grace%40example.com&name=Grace".getBytes(StandardCharsets.UTF_8));
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(400)
			.withBody("grace@example.com: no such list")));
		assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(OutboundException.class,
				() -> client(auth("none")).send(form, "k")).getMessage())
			.contains("<hidden>: no such list")
			.doesNotContain("grace@example.com");
	}

	@Test
	void thePersonalDataIsHiddenWhateverTheCaseOrEscapingTheAnswerGivesIt() {
		OutboundRequest json = new OutboundRequest(HttpMethod.POST, URI.create(target.baseUrl() + "/contacts"),
				Map.of(), "{\"email\":\"Ada@Example.com\",\"name\":\"Zoé Lovelace\"}".getBytes(StandardCharsets.UTF_8));
		// Lowered, as a CRM that normalises addresses repeats them; non-ASCII escaped, as Python's json.dumps writes.
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(400)
			.withBody("{\"errors\":[\"email ada@example.com is invalid\",\"name Zo\\u00e9 Lovelace is taken\","
					+ "\"EMAIL ADA@EXAMPLE.COM\"]}")));
		OutboundException ex = org.assertj.core.api.Assertions.catchThrowableOfType(OutboundException.class,
				() -> client(auth("none")).send(json, "k"));
		assertThat(ex.getMessage()).contains("answered HTTP 400", "email <hidden> is invalid", "name <hidden> is taken",
				"EMAIL <hidden>")
			.doesNotContainIgnoringCase("example.com")
			.doesNotContain("Lovelace");
	}

	@Test
	void theTemplatesOwnWordsStayInAnEchoedAnswerWhileTheValuesItFilledInAreHidden() {
		OutboundTemplate template = OutboundTemplate.compile(new RequestTemplate("POST",
				target.baseUrl() + "/contacts", Map.of(), "{\"channel\":\"CHAT\",\"tag\":\"refund\","
						+ "\"email\":\"{{visitor.email}}\",\"note\":\"Lead from {{visitor.name}}\"}"),
				"relay.workflows.lead.create", Map.of("visitor", Map.of("email", "x@y.z", "name", "X")));
		OutboundRequest request = template.render(Map.of("visitor", Map.of("email", "ada@example.com", "name",
				"Ada Lovelace")));
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(422).withBody("channel "
				+ "CHAT and tag refund need a plan; ada@example.com rejected; note 'Lead from Ada Lovelace' too long")));
		OutboundException ex = org.assertj.core.api.Assertions.catchThrowableOfType(OutboundException.class,
				() -> client(auth("none")).send(request, "k"));
		assertThat(ex.getMessage()).contains("channel CHAT and tag refund need a plan", "<hidden> rejected",
				"note '<hidden>' too long")
			.doesNotContain("ada@example.com")
			.doesNotContain("Lovelace");
	}

	@Test
	void theRequestsObservationNamesItsUrlWithoutTheQuery() throws Exception {
		ObservationRegistry registry = ObservationRegistry.create();
		List<Observation.Context> observed = new CopyOnWriteArrayList<>();
		registry.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

			@Override
			public void onStop(Observation.Context context) {
				observed.add(context);
			}

		});
		DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
		beans.registerSingleton("builder", RestClient.builder().observationRegistry(registry));
		OutboundClient client = new OutboundClients(beans.getBeanProvider(RestClient.Builder.class),
				beans.getBeanProvider(ResolvableType.forClass(ClientHttpRequestFactoryBuilder.class)),
				beans.getBeanProvider(HttpClientSettings.class), beans.getBeanProvider(Clock.class))
			.create("lead", new OutboundProperties(Duration.ofSeconds(2), Duration.ofSeconds(5), 4,
					Duration.ofSeconds(1), auth("none"), List.of()));
		target.stubFor(post(urlPathEqualTo("/contacts")).willReturn(aResponse().withStatus(201)));

		client.send(this.request, "k");

		assertThat(observed).hasSize(1);
		assertThat(observed.getFirst().getHighCardinalityKeyValue("http.url").getValue())
			.isEqualTo(target.baseUrl() + "/contacts");
	}

	private OutboundException failure() {
		return failure(Duration.ofSeconds(5));
	}

	private OutboundException failure(Duration readTimeout) {
		OutboundClient client = clients().create("lead",
				new OutboundProperties(Duration.ofSeconds(2), readTimeout, 4, Duration.ofSeconds(1), auth("bearer"),
						List.of(SECRET)));
		return org.assertj.core.api.Assertions.catchThrowableOfType(OutboundException.class,
				() -> client.send(this.request, "k"));
	}

	private static OutboundClient client(OutboundProperties.Auth auth) {
		return clients().create("lead", new OutboundProperties(
				Duration.ofSeconds(2), Duration.ofSeconds(5), 4, Duration.ofSeconds(1), auth, List.of(SECRET)));
	}

	private static OutboundProperties.Auth auth(String type) {
		return switch (type) {
			case "bearer" -> new OutboundProperties.Auth(OutboundProperties.AuthType.BEARER, TOKEN, null, null,
					"X-API-Key", null);
			default -> new OutboundProperties.Auth(OutboundProperties.AuthType.NONE, null, null, null, "X-API-Key",
					null);
		};
	}

	/** Makes the clients as outside Spring: no builder, request factory, settings or clock to take over. */
	private static OutboundClients clients() {
		DefaultListableBeanFactory none = new DefaultListableBeanFactory();
		return new OutboundClients(none.getBeanProvider(RestClient.Builder.class),
				none.getBeanProvider(ResolvableType.forClass(ClientHttpRequestFactoryBuilder.class)),
				none.getBeanProvider(HttpClientSettings.class), none.getBeanProvider(Clock.class));
	}

}
