package io.relay.iadvize;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.relay.event.Platform;
import io.relay.iadvize.Transcript.Author;
import io.relay.support.HeldResponses;
import io.relay.support.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.relay.iadvize.IAdvizeTestSupport.SECOND_TOKEN;
import static io.relay.iadvize.IAdvizeTestSupport.TOKEN;
import static io.relay.iadvize.IAdvizeTestSupport.closed;
import static io.relay.iadvize.IAdvizeTestSupport.concurrently;
import static io.relay.iadvize.IAdvizeTestSupport.token;
import static io.relay.iadvize.IAdvizeTestSupport.visitorUpdated;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The GraphQL API: its queries on both platforms, its {@code errors}, and the OAuth token's life: fetched once,
 * shared, refreshed once.
 */
class IAdvizeEnrichmentGraphQlTests {

	static final String VISITOR_ID = "b05f1b45-c891-4a9c-b47e-91ee6c8ffb44";

	static final String CONVERSATION_ID = "4c8c7408-f73c-42cd-89e9-afbbee7d9024";

	static final String VISITOR = """
			{"data": {"visitor": {"externalUserId": "crm-42", "firstName": "Ada", "lastName": "Lovelace",
			 "email": "ada@example.com", "phoneNumber": "+33600000000", "address": null, "city": "Nantes",
			 "zipCode": "44000", "country": "France"}}}""";

	/** Answers held until the test releases them. */
	static final HeldResponses held = new HeldResponses();

	@RegisterExtension
	static WireMockExtension iadvize = WireMockExtension.newInstance()
		.options(IAdvizeTestSupport.wireMock().extensions(held))
		.build();

	private final MutableClock clock = new MutableClock(IAdvizeTestSupport.START);

	private final ApplicationContextRunner runner = IAdvizeTestSupport.runner(iadvize.getPort(), this.clock);

	@AfterEach
	void nothingHeldAfterATest() {
		held.release();
	}

	@Test
	void readsTheVisitorByUuidOnTheStandardPlatformWithPlatformSd() {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withQueryParam("platform", equalTo("sd"))
			.withHeader("Authorization", equalTo("Bearer " + TOKEN))
			.withRequestBody(matchingJsonPath("$.variables.id", equalTo(VISITOR_ID)))
			.willReturn(okJson(VISITOR)));
		this.runner.run((context) -> assertThat(
				context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
			.isEqualTo(new Visitor(Api.GRAPHQL, VISITOR_ID, "crm-42", "Ada", "Lovelace", "ada@example.com",
					"+33600000000", null, "Nantes", "44000", "France")));
	}

	@Test
	void readsTheVisitorByUuidOnTheHighAvailabilityPlatformWithTheBareUrl() {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withQueryParam("platform", absent())
			.withHeader("Authorization", equalTo("Bearer " + TOKEN))
			.willReturn(okJson(VISITOR)));
		this.runner.run((context) -> assertThat(
				context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.HA, VISITOR_ID)).email())
			.isEqualTo("ada@example.com"));
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/oauth2/token"))
			.withHeader("Content-Type", containing("application/x-www-form-urlencoded"))
			.withRequestBody(containing("grant_type=password"))
			.withRequestBody(containing("username=relay-bot%40example.com")));
	}

	@Test
	void aConversationEventWithoutVisitorExternalIdUsesGraphQl() {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(okJson(VISITOR)));
		this.runner.run((context) -> assertThat(
				context.getBean(IAdvizeEnrichment.class).visitor(closed(Platform.HA, null, VISITOR_ID)).source())
			.isEqualTo(Api.GRAPHQL));
	}

	@Test
	void withoutAnApiKeyAConversationEventsVisitorIsReadOverGraphQl() {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(okJson(VISITOR)));
		this.runner.withPropertyValues("relay.iadvize.rest.api-key=")
			.run((context) -> assertThat(context.getBean(IAdvizeEnrichment.class)
				.visitor(closed(Platform.HA, "63429889", VISITOR_ID))
				.source()).isEqualTo(Api.GRAPHQL));
	}

	@Test
	void readsEveryPageOfATranscript() {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withRequestBody(matchingJsonPath("$.variables.after", absent()))
			.willReturn(okJson("""
					{"data": {"conversation": {"id": "%s", "messages": {
					  "pageInfo": {"hasNextPage": true, "endCursor": "cursor-1"},
					  "edges": [
					    {"node": {"__typename": "VisitorMessage", "createdAt": "2026-11-25T10:00:00Z",
					              "attachments": [{"__typename": "TextAttachment", "text": "Is my order sent?"}]}},
					    {"node": {"__typename": "SystemMessage", "createdAt": "2026-11-25T10:00:01Z",
					              "attachments": [{"__typename": "ConversationPushedSystemAttachment"}]}}]}}}}"""
				.formatted(CONVERSATION_ID))));
		iadvize.stubFor(post(urlPathEqualTo("/graphql"))
			.withRequestBody(matchingJsonPath("$.variables.after", equalTo("cursor-1")))
			.willReturn(okJson("""
					{"data": {"conversation": {"id": "%s", "messages": {
					  "pageInfo": {"hasNextPage": false, "endCursor": "cursor-2"},
					  "edges": [
					    {"node": {"__typename": "OperatorMessage", "createdAt": "2026-11-25T10:01:00+01:00",
					              "attachments": [{"__typename": "TextAttachment", "text": "It was shipped today."}]}}]}}}}"""
				.formatted(CONVERSATION_ID))));
		this.runner.run((context) -> {
			Transcript transcript = context.getBean(IAdvizeEnrichment.class)
				.transcript(closed(Platform.HA, CONVERSATION_ID));
			assertThat(transcript.source()).isEqualTo(Api.GRAPHQL);
			assertThat(transcript.messages()).containsExactly(
					new Transcript.Message(Author.VISITOR, "Is my order sent?", Instant.parse("2026-11-25T10:00:00Z")),
					new Transcript.Message(Author.OPERATOR, "It was shipped today.",
							Instant.parse("2026-11-25T09:01:00Z")));
		});
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void aCursorGivenTwiceStopsThePagingInsteadOfCollectingCopies() {
		givenEveryPageSaysMoreFollow("\"cursor-1\"");
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).transcript(closed(Platform.HA, CONVERSATION_ID)))
			.withMessageContaining("cursor-1 twice"));
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void morePagesWithoutACursorToReadThemIsNotATranscript() {
		givenEveryPageSaysMoreFollow("null");
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).transcript(closed(Platform.HA, CONVERSATION_ID)))
			.withMessageContaining("hasNextPage")
			.withMessageContaining("no endCursor")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue()));
	}

	@Test
	void anUnknownConversationIsNotFound() {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(okJson("{\"data\": {\"conversation\": null}}")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.NotFound.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).transcript(closed(Platform.SD, CONVERSATION_ID)))
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse()));
	}

	@Test
	void graphQlErrorsBecomeTypedExceptions() {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withRequestBody(containing("RelayVisitor"))
			.willReturn(okJson("""
					{"errors": [{"message": "Visitor not found", "extensions": {"code": "NOT_FOUND"}}],
					 "data": {"visitor": null}}""")));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withRequestBody(containing("RelayConversation"))
			.willReturn(okJson("""
					{"errors": [{"message": "Cannot query field 'attachments' on type 'Message'",
					             "extensions": {"classification": "ValidationError"}}]}""")));
		this.runner.run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			assertThatExceptionOfType(IAdvizeApiException.NotFound.class)
				.isThrownBy(() -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
				.withMessageContaining("Visitor not found");
			assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
				.isThrownBy(() -> enrichment.transcript(closed(Platform.SD, CONVERSATION_ID)))
				.withMessageContaining("Cannot query field 'attachments' on type 'Message'")
				.satisfies((ex) -> assertThat(ex.retryable()).isFalse());
		});
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/graphql")).withRequestBody(containing("RelayConversation")));
	}

	@Test
	void aBare404IsAWrongUrlNotAnUnknownConversation() {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(aResponse().withStatus(404)
			.withHeader("Content-Type", "text/html")
			.withBody("<html><body>Not Found</body></html>")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).transcript(closed(Platform.SD, CONVERSATION_ID)))
			.withMessageContaining("answered HTTP 404")
			.withMessageContaining("relay.iadvize.graphql.url")
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse()));
	}

	@Test
	void a403WithGraphQlErrorsRefusesTheUser() {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(aResponse().withStatus(403)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"errors\": [{\"message\": \"Access denied to this project\"}]}")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.AuthenticationFailed.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
			.withMessageContaining("HTTP 403: Access denied to this project")
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse()));
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void aBare403IsAFirewallInBetweenAndIsRetried() {
		// A WAF's or a CDN's block page: not iAdvize refusing the user, and it may lift (as on REST).
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(aResponse().withStatus(403)
			.withHeader("Content-Type", "text/html")
			.withBody("<html><body>Request blocked</body></html>")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
			.withMessageContaining("HTTP 403")
			.withMessageContaining("not an answer of iAdvize's API")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue()));
		iadvize.verify(3, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void a403WithJsonButNoGraphQlErrorIsNotARefusalAndIsRetried() {
		// JSON of another shape (a gateway's {"message": ...}, or an empty errors list) says nothing of the user:
		// giving every delivery up on it would lose them all to a block that may lift.
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(aResponse().withStatus(403)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"errors\": [], \"message\": \"Forbidden\"}")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
			.withMessageContaining("HTTP 403")
			.withMessageContaining("not an answer of iAdvize's API")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue()));
		iadvize.verify(3, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	/** An internal error, or one without a code (only validation errors are the query's fault, for good). */
	@ParameterizedTest
	@ValueSource(strings = { "{\"errors\": [{\"message\": \"boom\", \"extensions\": {\"code\": \"INTERNAL_SERVER_ERROR\"}}]}",
			"{\"errors\": [{\"message\": \"Internal server error\"}]}" })
	void aGraphQlErrorThatIsNotAboutTheQueryIsRetried(String answer) {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).inScenario("internal")
			.willReturn(okJson(answer))
			.willSetStateTo("recovered"));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).inScenario("internal")
			.whenScenarioStateIs("recovered")
			.willReturn(okJson(VISITOR)));
		this.runner.run((context) -> assertThat(
				context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD, VISITOR_ID)).firstName())
			.isEqualTo("Ada"));
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void theTokenIsFetchedOnceFor50ConcurrentCalls() throws Exception {
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).willReturn(okJson(token(TOKEN)).withFixedDelay(300)));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withHeader("Authorization", equalTo("Bearer " + TOKEN))
			.willReturn(okJson(VISITOR)));
		this.runner.withPropertyValues("relay.iadvize.cache.visitor-ttl=0s", "relay.iadvize.read-timeout=5s")
			.run((context) -> {
				IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
				assertThat(concurrently(50, () -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID))))
					.hasSize(50)
					.allSatisfy((visitor) -> assertThat(visitor.firstName()).isEqualTo("Ada"));
			});
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/oauth2/token")));
		iadvize.verify(50, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void anExpiredTokenIsRefreshedOnceForAllThreads() throws Exception {
		givenTwoLogins();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withHeader("Authorization", equalTo("Bearer " + TOKEN))
			.willReturn(okJson(VISITOR)));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withHeader("Authorization", equalTo("Bearer " + SECOND_TOKEN))
			.willReturn(okJson(VISITOR)));
		this.runner.withPropertyValues("relay.iadvize.cache.visitor-ttl=0s").run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID));
			// Expired: every thread waits for the one login (inside the refresh margin they would not: below).
			this.clock.advance(Duration.ofHours(24).plusMinutes(1));
			concurrently(20, () -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)));
		});
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/oauth2/token")));
		iadvize.verify(20, postRequestedFor(urlPathEqualTo("/graphql")).withHeader("Authorization",
				equalTo("Bearer " + SECOND_TOKEN)));
	}

	@Test
	void callsWaitingForALoginThatFailsShareItsFailureRatherThanLogInOneAfterTheOther() throws Exception {
		// The token endpoint is slow and fails: the calls that waited for its login fail with it, at once.
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token"))
			.willReturn(aResponse().withStatus(503).withFixedDelay(1000)));
		this.runner
			.withPropertyValues("relay.iadvize.retry.max-attempts=1", "relay.iadvize.cache.visitor-ttl=0s",
					"relay.iadvize.read-timeout=5s")
			.run((context) -> {
				IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
				assertThat(concurrently(10, () -> catchThrowable(
						() -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)))))
					.hasSize(10)
					.allSatisfy((failure) -> assertThat(failure).isInstanceOf(IAdvizeApiException.Unavailable.class)
						.hasMessageContaining("HTTP 503"));
			});
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	@Test
	void aPermanentLoginFailureIsOnlyTheFailureOfTheCallsWhoseLoginGotIt() throws Exception {
		// A wrong token-url: each call's own login gets the 404 (permanent), within the budget; past the budget the
		// calls wait (retryable), rather than all die of the one login they waited for.
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token"))
			.willReturn(aResponse().withStatus(404).withFixedDelay(300)));
		this.runner
			.withPropertyValues("relay.iadvize.retry.max-attempts=1", "relay.iadvize.cache.visitor-ttl=0s",
					"relay.iadvize.graphql.max-logins-per-minute=5")
			.run((context) -> {
				IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
				List<Throwable> failures = concurrently(10,
						() -> catchThrowable(() -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID))));
				assertThat(failures).filteredOn(IAdvizeApiException.Rejected.class::isInstance)
					.hasSize(5)
					.allSatisfy((failure) -> assertThat(failure).hasMessageContaining("HTTP 404"));
				assertThat(failures).filteredOn(IAdvizeApiException.Unavailable.class::isInstance)
					.hasSize(5)
					.allSatisfy((failure) -> assertThat(failure).hasMessageContaining("max-logins-per-minute"));
			});
		iadvize.verify(5, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	@Test
	void aRefusedLoginIsOnlyTheFailureOfTheCallWhoseLoginGotItAmongLookupsOfOneVisitor() throws Exception {
		// Three deliveries for one visitor: two wait for the first one's lookup (the visitor cache), whose login
		// iAdvize refuses. They are to be retried after the pause, as calls for other visitors would be, not DEAD.
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).willReturn(aResponse().withStatus(401)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"error\":\"invalid_grant\"}")
			.withFixedDelay(700)));
		this.runner.withPropertyValues("relay.iadvize.retry.max-attempts=1").run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			List<Throwable> failures = concurrently(3,
					() -> catchThrowable(() -> enrichment.visitor(closed(Platform.SD, null, VISITOR_ID))));
			assertThat(failures).filteredOn(IAdvizeApiException.AuthenticationFailed.class::isInstance).hasSize(1);
			assertThat(failures).filteredOn(IAdvizeApiException.Unavailable.class::isInstance)
				.hasSize(2)
				.allSatisfy((failure) -> assertThat(failure).hasMessageContaining("paused"));
		});
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	@Test
	void anInvalidTokenAnswerRefreshesTheTokenOnceAndSendsTheQueryAgain() throws Exception {
		givenTwoLogins();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withHeader("Authorization", equalTo("Bearer " + TOKEN))
			.willReturn(aResponse().withStatus(401)
				.withHeader("Content-Type", "application/json")
				.withBody("{\"error\":\"invalid_token\",\"error_description\":\"access token not valid\"}")));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withHeader("Authorization", equalTo("Bearer " + SECOND_TOKEN))
			.willReturn(okJson(VISITOR)));
		this.runner.withPropertyValues("relay.iadvize.cache.visitor-ttl=0s").run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			assertThat(enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)).firstName()).isEqualTo("Ada");
			concurrently(10, () -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)));
		});
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/oauth2/token")));
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/graphql")).withHeader("Authorization",
				equalTo("Bearer " + TOKEN)));
	}

	@Test
	void aTokenRefusedTwiceIsTriedAgainAMinuteLaterNotGivenUp() {
		// As while iAdvize cannot check its tokens: every fresh token refused. Given up at once, every delivery
		// that needs GraphQL would go DEAD; retried at once, each try would cost a login.
		givenTwoLogins();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(aResponse().withStatus(401)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"error\":\"invalid_token\",\"error_description\":\"access token not valid\"}")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
			.withMessageContaining("refused a second access token in a row")
			.satisfies((ex) -> {
				assertThat(ex.retryable()).isTrue();
				assertThat(ex.retryAfter()).contains(Duration.ofMinutes(1));
			}));
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/oauth2/token")));
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void anAnswerLargerThanTheLimitIsAPermanentFailureThatNamesTheProperty() {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(okJson(VISITOR.replace("Nantes",
				"N".repeat(2048)))));
		this.runner.withPropertyValues("relay.iadvize.max-answer-size=1KB")
			.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
				.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD,
						VISITOR_ID)))
				.withMessage("iAdvize GraphQL visitor answered with more than 1024 bytes "
						+ "(relay.iadvize.max-answer-size)")
				.satisfies((ex) -> assertThat(ex.retryable()).isFalse()));
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void aLoginAnswerLargerThanTheLimitIsAPermanentFailure() {
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token"))
			.willReturn(okJson("{\"access_token\": \"" + "t".repeat(2048) + "\", \"expires_in\": 86400}")));
		this.runner.withPropertyValues("relay.iadvize.max-answer-size=1KB")
			.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
				.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD,
						VISITOR_ID)))
				.withMessageContaining("(relay.iadvize.max-answer-size)"));
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/oauth2/token")));
		iadvize.verify(0, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void aLoginFailureOtherThanRefusedCredentialsDoesNotPauseTheLogins() {
		// A wrong token-url (a 404) risks no lockout: each call tries again, within the budget. A long error page
		// is judged by its status.
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token"))
			.willReturn(aResponse().withStatus(404).withBody("<html>" + "not here ".repeat(300) + "</html>")));
		this.runner.withPropertyValues("relay.iadvize.max-answer-size=1KB", "relay.iadvize.cache.visitor-ttl=0s")
			.run((context) -> {
				IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
				for (int call = 0; call < 2; call++) {
					assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
						.isThrownBy(() -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
						.withMessageContaining("HTTP 404")
						.withMessageNotContaining("paused");
				}
			});
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	@Test
	void aRefusedLoginIsAPermanentFailureAndIsNotRetried() {
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).willReturn(aResponse().withStatus(400)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"error\":\"invalid_grant\",\"error_description\":\"Invalid username and password combination\"}")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.AuthenticationFailed.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
			.withMessageContaining("invalid_grant")
			.withMessageContaining("relay.iadvize.graphql.password")
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse()));
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/oauth2/token")));
		iadvize.verify(0, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void a403WithAnOAuthErrorFromTheTokenEndpointIsARefusedLogin() {
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).willReturn(aResponse().withStatus(403)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"error\":\"unauthorized_client\"}")));
		this.runner.withPropertyValues("relay.iadvize.cache.visitor-ttl=0s").run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			assertThatExceptionOfType(IAdvizeApiException.AuthenticationFailed.class)
				.isThrownBy(() -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
				.withMessageContaining("unauthorized_client");
			assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
				.isThrownBy(() -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
				.withMessageContaining("paused");
		});
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	@Test
	void aBare403FromTheTokenEndpointIsAFirewallInBetweenNotARefusedLogin() {
		// Taken as a refusal, it would fail the call for good and pause every login for ten minutes.
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).inScenario("firewall")
			.willReturn(aResponse().withStatus(403)
				.withHeader("Content-Type", "text/html")
				.withBody("<html><body>Request blocked</body></html>"))
			.willSetStateTo("lifted"));
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).inScenario("firewall")
			.whenScenarioStateIs("lifted")
			.willReturn(okJson(token(TOKEN))));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(okJson(VISITOR)));
		this.runner.withPropertyValues("relay.iadvize.retry.max-attempts=1", "relay.iadvize.cache.visitor-ttl=0s")
			.run((context) -> {
				IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
				assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
					.isThrownBy(() -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
					.withMessageContaining("HTTP 403")
					.withMessageContaining("not an answer of iAdvize's API")
					.satisfies((ex) -> assertThat(ex.retryable()).isTrue());
				// No pause: the next call logs in.
				assertThat(enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)).firstName()).isEqualTo("Ada");
			});
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	@Test
	void aRefusedLoginIsNotTriedAgainForTenMinutes() {
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).willReturn(aResponse().withStatus(400)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"error\":\"invalid_grant\"}")));
		this.runner.withPropertyValues("relay.iadvize.cache.visitor-ttl=0s").run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			assertThatExceptionOfType(IAdvizeApiException.AuthenticationFailed.class)
				.isThrownBy(() -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)));
			// Every call of the next ten minutes fails without a new login: retryable, once the pause is over, as
			// iAdvize refused none of them (one refusal must not make ten minutes of deliveries dead)
			for (int second = 0; second < 600; second += 59) {
				Duration rest = Duration.ofMinutes(10).minusSeconds(second);
				assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
					.isThrownBy(() -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
					.withMessageContaining("paused")
					.withMessageContaining("invalid_grant")
					.satisfies((ex) -> assertThat(ex.retryable()).isTrue())
					.satisfies((ex) -> assertThat(ex.retryAfter()).contains(rest));
				this.clock.advance(Duration.ofSeconds(59));
			}
			iadvize.verify(1, postRequestedFor(urlPathEqualTo("/oauth2/token")));
			this.clock.advance(Duration.ofMinutes(1));
			assertThatExceptionOfType(IAdvizeApiException.AuthenticationFailed.class)
				.isThrownBy(() -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)));
		});
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	@Test
	void whileOneThreadRenewsAStillValidTokenTheOthersGoOnWithIt() throws Exception {
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).inScenario("slow renewal")
			.willReturn(okJson(token(TOKEN)))
			.willSetStateTo("slow"));
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).inScenario("slow renewal")
			.whenScenarioStateIs("slow")
			.willReturn(okJson(token(SECOND_TOKEN))));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(okJson(VISITOR)));
		this.runner.withPropertyValues("relay.iadvize.cache.visitor-ttl=0s", "relay.iadvize.read-timeout=30s")
			.run((context) -> {
				IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
				assertThat(enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)).firstName()).isEqualTo("Ada");
				this.clock.advance(Duration.ofHours(23).plusMinutes(56)); // inside the refresh margin, still valid
				// The renewal is under way until the nine others have their answers.
				held.hold("/oauth2/token");
				try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
					Future<?> renewing = threads.submit(() -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)));
					await().until(() -> iadvize.findAll(postRequestedFor(urlPathEqualTo("/oauth2/token"))).size() == 2);
					List<Future<String>> others = new ArrayList<>();
					for (int i = 0; i < 9; i++) {
						others.add(threads.submit(() -> enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID))
							.firstName()));
					}
					for (Future<String> other : others) {
						assertThat(other.get(20, TimeUnit.SECONDS)).isEqualTo("Ada");
					}
					assertThat(renewing).isNotDone();
					held.release();
					renewing.get(20, TimeUnit.SECONDS);
				}
			});
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/oauth2/token")));
		// The nine were answered with the token they had while the renewal was under way; waiting for it, they
		// would have had the new one (and not been answered before its release).
		iadvize.verify(10, postRequestedFor(urlPathEqualTo("/graphql")).withHeader("Authorization",
				equalTo("Bearer " + TOKEN)));
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/graphql")).withHeader("Authorization",
				equalTo("Bearer " + SECOND_TOKEN)));
	}

	@Test
	void aGraphQlTyped429KeepsItsStatusAndRetryAfter() {
		// application/graphql-response+json: Spring GraphQL reads such a 4xx as a GraphQL answer, not as an error.
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(aResponse().withStatus(429)
			.withHeader("Content-Type", "application/graphql-response+json")
			.withHeader("Retry-After", "30")
			.withBody("{\"errors\":[{\"message\":\"Too many requests\"}]}")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.RateLimited.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
			.withMessageContaining("HTTP 429")
			.withMessageContaining("Too many requests")
			.satisfies((ex) -> assertThat(ex.retryAfter()).contains(Duration.ofSeconds(30))));
		// 30 s is over relay.iadvize.retry.max-delay: back to the dispatcher at once, not waited for here.
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void aGraphQlTyped401IsAStaleTokenWhateverItsErrorCode() {
		readsTheVisitorWithASecondTokenAfterATypedAnswer(401,
				"{\"errors\":[{\"message\":\"Unauthorized\",\"extensions\":{\"code\":\"UNAUTHORIZED\"}}]}");
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void aGraphQlTypedErrorStatusWithAStaleTokenCodeRenewsTheToken() {
		readsTheVisitorWithASecondTokenAfterATypedAnswer(400,
				"{\"errors\":[{\"message\":\"Token expired\",\"extensions\":{\"code\":\"UNAUTHENTICATED\"}}]}");
	}

	@Test
	void aGraphQlTyped400IsRejected() {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(aResponse().withStatus(400)
			.withHeader("Content-Type", "application/graphql-response+json")
			.withBody("{\"errors\":[{\"message\":\"Cannot query field 'x'\"}]}")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
			.withMessageContaining("HTTP 400")
			.withMessageContaining("Cannot query field"));
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void aFailedRenewalKeepsTheTokenThatIsStillValid() {
		givenALoginThenTheTokenEndpointDown();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withHeader("Authorization", equalTo("Bearer " + TOKEN))
			.willReturn(okJson(VISITOR)));
		this.runner.withPropertyValues("relay.iadvize.cache.visitor-ttl=0s", "relay.iadvize.retry.max-attempts=1")
			.run((context) -> {
				IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
				enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID));
				this.clock.advance(Duration.ofHours(23).plusMinutes(56)); // inside the refresh margin, still valid
				assertThat(enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)).firstName()).isEqualTo("Ada");
			});
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/oauth2/token")));
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void loginsBeyondTheBudgetArePostponedAsRetryable() {
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).willReturn(okJson(token(TOKEN))));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(aResponse().withStatus(401)
			.withBody("{\"error\":\"invalid_token\"}")));
		this.runner.withPropertyValues("relay.iadvize.graphql.max-logins-per-minute=1").run((context) -> {
			assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
				.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD, VISITOR_ID)))
				.withMessageContaining("relay.iadvize.graphql.max-logins-per-minute")
				.satisfies((ex) -> {
					assertThat(ex.retryable()).isTrue();
					assertThat(ex.retryAfter()).contains(Duration.ofMinutes(1));
				});
		});
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	@Test
	void aResourceThatKeepsRefusingTheTokenDoesNotStopTheOtherCallsOnceTheLoginBudgetIsSpent() {
		String refusing = "0d5f6c1e-5f0e-4c6f-9d7e-3c3f1f1b9a11";
		givenTwoLogins();
		// One visitor's lookup answers invalid_token whatever the token (a resource refusing for reasons of its own).
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withRequestBody(containing(refusing))
			.willReturn(aResponse().withStatus(401).withBody("{\"error\":\"invalid_token\"}")));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withRequestBody(containing(VISITOR_ID))
			.willReturn(okJson(VISITOR)));
		this.runner
			.withPropertyValues("relay.iadvize.graphql.max-logins-per-minute=2", "relay.iadvize.cache.visitor-ttl=0s")
			.run((context) -> {
				IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
				assertThat(enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)).firstName()).isEqualTo("Ada");
				// Refused with the first token, and with the one a new login gave: retried later (a minute at
				// least), as in an outage of iAdvize's token checks; not given up at once.
				assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
					.isThrownBy(() -> enrichment.visitor(visitorUpdated(Platform.SD, refusing)))
					.withMessageContaining("refused a second access token in a row")
					.withMessageContaining("relay.iadvize.graphql.username")
					.satisfies((ex) -> {
						assertThat(ex.retryable()).isTrue();
						assertThat(ex.retryAfter()).contains(Duration.ofMinutes(1));
					});
				// Refused again: the budget has no login left, and this call is not given the refused token back.
				assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
					.isThrownBy(() -> enrichment.visitor(visitorUpdated(Platform.SD, refusing)))
					.withMessageContaining("relay.iadvize.graphql.max-logins-per-minute");
				// The other calls go on with the token the budget cannot replace yet, rather than all failing.
				assertThat(enrichment.visitor(visitorUpdated(Platform.SD, VISITOR_ID)).firstName()).isEqualTo("Ada");
			});
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/oauth2/token")));
		for (String token : List.of(TOKEN, SECOND_TOKEN)) {
			iadvize.verify(1, postRequestedFor(urlPathEqualTo("/graphql")).withRequestBody(containing(VISITOR_ID))
				.withHeader("Authorization", equalTo("Bearer " + token)));
		}
	}

	@Test
	void theRetriesOfACallWhoseTokenWasRefusedWaitForANewTokenRatherThanSendTheRefusedOne() {
		// The token is refused, and the token endpoint is down: the refused token is the other calls' fallback,
		// but this call's retries must not send it again (each would be refused, and cost a login).
		givenALoginThenTheTokenEndpointDown();
		iadvize.stubFor(post(urlPathEqualTo("/graphql"))
			.willReturn(aResponse().withStatus(401).withBody("{\"error\":\"invalid_token\"}")));
		this.runner.withPropertyValues("relay.iadvize.retry.max-attempts=3")
			.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
				.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD,
						VISITOR_ID)))
				.withMessageContaining("HTTP 503"));
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/graphql")));
		iadvize.verify(4, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	@Test
	void withoutGraphQlCredentialsAUuidLookupNamesTheMissingProperties() {
		this.runner.withPropertyValues("relay.iadvize.graphql.password=")
			.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
				.isThrownBy(
						() -> context.getBean(IAdvizeEnrichment.class).transcript(closed(Platform.SD, CONVERSATION_ID)))
				.withMessageContaining("relay.iadvize.graphql.password"));
		iadvize.verify(0, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	/**
	 * The first token is answered {@code status} with the GraphQL-typed {@code errors}: the visitor is read with a
	 * second token, after a second login.
	 */
	private void readsTheVisitorWithASecondTokenAfterATypedAnswer(int status, String errors) {
		givenTwoLogins();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withHeader("Authorization", equalTo("Bearer " + TOKEN))
			.willReturn(aResponse().withStatus(status)
				.withHeader("Content-Type", "application/graphql-response+json")
				.withBody(errors)));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withHeader("Authorization", equalTo("Bearer " + SECOND_TOKEN))
			.willReturn(okJson(VISITOR)));
		this.runner.run((context) -> assertThat(
				context.getBean(IAdvizeEnrichment.class).visitor(visitorUpdated(Platform.SD, VISITOR_ID)).firstName())
			.isEqualTo("Ada"));
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	/** A login, and a conversation whose every page holds a message and says more follow, after {@code endCursor}. */
	private static void givenEveryPageSaysMoreFollow(String endCursor) {
		givenALogin();
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(okJson("""
				{"data": {"conversation": {"id": "%s", "messages": {
				  "pageInfo": {"hasNextPage": true, "endCursor": %s},
				  "edges": [{"node": {"__typename": "VisitorMessage", "createdAt": "2026-11-25T10:00:00Z",
				             "attachments": [{"__typename": "TextAttachment", "text": "Hello?"}]}}]}}}}"""
			.formatted(CONVERSATION_ID, endCursor))));
	}

	private static void givenALogin() {
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).willReturn(okJson(token(TOKEN))));
	}

	private static void givenALoginThenTheTokenEndpointDown() {
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).inScenario("token endpoint down")
			.willReturn(okJson(token(TOKEN)))
			.willSetStateTo("down"));
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).inScenario("token endpoint down")
			.whenScenarioStateIs("down")
			.willReturn(aResponse().withStatus(503)));
	}

	private static void givenTwoLogins() {
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).inScenario("logins")
			.willReturn(okJson(token(TOKEN)))
			.willSetStateTo("second"));
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).inScenario("logins")
			.whenScenarioStateIs("second")
			.willReturn(okJson(token(SECOND_TOKEN))));
	}

}
