package io.relay.iadvize;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.relay.event.Platform;
import io.relay.iadvize.Transcript.Author;
import io.relay.support.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.relay.iadvize.IAdvizeTestSupport.API_KEY;
import static io.relay.iadvize.IAdvizeTestSupport.closed;
import static io.relay.iadvize.IAdvizeTestSupport.concurrently;
import static io.relay.iadvize.IAdvizeTestSupport.failure;
import static io.relay.iadvize.IAdvizeTestSupport.legacyClosed;
import static io.relay.iadvize.IAdvizeTestSupport.page;
import static io.relay.iadvize.IAdvizeTestSupport.success;
import static io.relay.iadvize.IAdvizeTestSupport.visitorUpdated;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The REST API v2 resources, on both platforms, and how its envelope's failures become typed exceptions.
 */
class IAdvizeEnrichmentRestTests {

	@RegisterExtension
	static WireMockExtension iadvize = WireMockExtension.newInstance().options(IAdvizeTestSupport.wireMock()).build();

	private final ApplicationContextRunner runner = IAdvizeTestSupport.runner(iadvize.getPort(),
			new MutableClock(IAdvizeTestSupport.START));

	@ParameterizedTest
	@EnumSource(value = Platform.class, names = { "SD", "HA" })
	void readsTheVisitorOfAConversationByItsIntegerIdOnTheEventsPlatform(Platform platform) {
		String path = "/" + platform.name().toLowerCase() + "/api/2/visitor/63429889";
		iadvize.stubFor(get(urlPathEqualTo(path)).withHeader("X-API-Key", equalTo(API_KEY)).willReturn(okJson(success("""
				{"id": 63429889, "unique_id": "593de0891b628a50b09835dc6c0e92565329c74baa90e", "external_id": "crm-42",
				 "firstname": "Ada", "lastname": "Lovelace", "email": "ada@example.com", "phone": "+33 6 00 00 00 00",
				 "address": "1 rue de la Paix", "city": "Nantes", "zip": "44000", "country": "France",
				 "website_id": [3030], "created_at": "2026-11-20 09:15:00"}"""))));
		this.runner.run((context) -> {
			Visitor visitor = context.getBean(IAdvizeEnrichment.class)
				.visitor(closed(platform, "63429889", "b05f1b45-c891-4a9c-b47e-91ee6c8ffb44"));
			assertThat(visitor).isEqualTo(new Visitor(Api.REST, "63429889", "crm-42", "Ada", "Lovelace",
					"ada@example.com", "+33 6 00 00 00 00", "1 rue de la Paix", "Nantes", "44000", "France"));
			assertThat(visitor.hasEmail()).isTrue();
		});
		iadvize.verify(1, getRequestedFor(urlPathEqualTo(path)));
	}

	@ParameterizedTest
	@EnumSource(value = Platform.class, names = { "SD", "HA" })
	void findsAVisitorByTheOlderUniqueIdOfVisitorUpdatedEvents(Platform platform) {
		String path = "/" + platform.name().toLowerCase() + "/api/2/visitor";
		iadvize.stubFor(get(urlPathEqualTo(path)).withQueryParam("filters[unique_id]", equalTo("593de0891b628a50b"))
			.willReturn(okJson(page("""
					[{"id": 560, "unique_id": "593de0891b628a50b", "firstname": "Grace", "email": null}]""", 1, 1))));
		this.runner.run((context) -> {
			Visitor visitor = context.getBean(IAdvizeEnrichment.class)
				.visitor(visitorUpdated(platform, "593de0891b628a50b"));
			assertThat(visitor.id()).isEqualTo("560");
			assertThat(visitor.firstName()).isEqualTo("Grace");
			assertThat(visitor.hasEmail()).isFalse();
		});
	}

	@ParameterizedTest
	@EnumSource(value = Platform.class, names = { "SD", "HA" })
	void readsTheTranscriptOfADeprecatedConversationEventFromItsHistory(Platform platform) {
		String path = "/" + platform.name().toLowerCase() + "/api/2/conversation.json-unicode/666";
		iadvize.stubFor(get(urlPathEqualTo(path)).withQueryParam("formatHistory", equalTo("0")).willReturn(okJson(success("""
				{"id": 666, "channel": "chat", "history": [
				  [5, "2016-02-16 11:24:21", "http://test.com/"],
				  [2, "2016-02-16 11:24:23", "Hello", 1455618264049],
				  [1, "2016-02-16 11:24:43", "Hello, how can I help you?", 1455618283869],
				  [3, "2016-02-16 11:26:43", "OPERATOR_CHAT_CLOSE"]]}"""))));
		this.runner.run((context) -> {
			Transcript transcript = context.getBean(IAdvizeEnrichment.class).transcript(legacyClosed(platform, 666));
			assertThat(transcript.source()).isEqualTo(Api.REST);
			assertThat(transcript.conversationId()).isEqualTo("666");
			assertThat(transcript.messages()).extracting(Transcript.Message::author)
				.containsExactly(Author.SYSTEM, Author.VISITOR, Author.OPERATOR, Author.SYSTEM);
			assertThat(transcript.messages().get(1).sentAt()).isEqualTo(Instant.ofEpochMilli(1455618264049L));
			assertThat(transcript.messages().get(0).sentAt()).isNull();
			assertThat(transcript.asText()).contains("VISITOR: Hello", "OPERATOR: Hello, how can I help you?");
		});
	}

	@Test
	void readsAHistoryThatIsSentAsAString() {
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/conversation.json-unicode/7")).willReturn(okJson(success("""
				{"id": 7, "history": "[[2,\\"2016-02-16 11:25:26\\",\\"Is my order sent?\\",1455618327321]]"}"""))));
		this.runner.run((context) -> assertThat(
				context.getBean(IAdvizeEnrichment.class).transcript(legacyClosed(Platform.SD, 7)).messages())
			.containsExactly(new Transcript.Message(Author.VISITOR, "Is my order sent?",
					Instant.ofEpochMilli(1455618327321L))));
	}

	@ParameterizedTest
	@EnumSource(value = Platform.class, names = { "SD", "HA" })
	void readsAnOperator(Platform platform) {
		iadvize.stubFor(get(urlPathEqualTo("/" + platform.name().toLowerCase() + "/api/2/operator/15253"))
			.willReturn(okJson(success("""
					{"id": 15253, "name": "Doe", "first_name": "Jane", "pseudo": "Jane D.", "email": "jane@shop.example",
					 "external_id": "op-7", "role": "operator", "roles": ["operator", "expert"]}"""))));
		this.runner.run((context) -> assertThat(context.getBean(IAdvizeEnrichment.class).operator(platform, 15253))
			.isEqualTo(new Operator(15253, "Doe", "Jane", "Jane D.", "jane@shop.example", "op-7",
					List.of("operator", "expert"))));
	}

	@ParameterizedTest
	@EnumSource(value = Platform.class, names = { "SD", "HA" })
	void readsEveryPageOfAConversationsTransactions(Platform platform) {
		String path = "/" + platform.name().toLowerCase() + "/api/2/transaction";
		iadvize.stubFor(get(urlPathEqualTo(path)).withQueryParam("filters[conversation_id]", equalTo("666"))
			.withQueryParam("page", equalTo("1"))
			.withQueryParam("limit", equalTo("100"))
			.willReturn(okJson(page("""
					[{"id": 1, "external_id": "order-1", "visitor_uid": "abc", "visitor_email": "ada@example.com",
					  "amount": 300.20, "created_at": "2026-11-24 18:30:00", "website_id": 3030, "operator_id": 15253,
					  "conversation_id": 666}]""", 1, 2))));
		iadvize.stubFor(get(urlPathEqualTo(path)).withQueryParam("page", equalTo("2"))
			.willReturn(okJson(page("""
					[{"id": 2, "external_id": "order-2", "amount": "12.5", "conversation_id": 666}]""", 2, 2))));
		this.runner.run((context) -> {
			List<Transaction> transactions = context.getBean(IAdvizeEnrichment.class).transactions(platform, 666);
			assertThat(transactions).extracting(Transaction::externalId).containsExactly("order-1", "order-2");
			assertThat(transactions.get(0)).isEqualTo(new Transaction(1, "order-1", "abc", "ada@example.com",
					new BigDecimal("300.20"), LocalDateTime.parse("2026-11-24T18:30:00"), 3030L, 15253L, 666L));
			assertThat(transactions.get(1).amount()).isEqualByComparingTo("12.5");
		});
		iadvize.verify(2, getRequestedFor(urlPathEqualTo(path)));
	}

	@Test
	void listItemsOfAnotherVisitorOrConversationAreIgnoredShouldTheFilterBeIgnored() {
		// An API that ignores filters[...] answers with the site's first items: none of them is the one asked for.
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor")).willReturn(okJson(page("""
				[{"id": 1, "unique_id": "someone-else", "email": "someone@example.com"}]""", 1, 1))));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/transaction")).willReturn(okJson(page("""
				[{"id": 1, "external_id": "order-1", "amount": 10, "conversation_id": 1},
				 {"id": 2, "external_id": "order-2", "amount": 20, "conversation_id": 667}]""", 1, 1))));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/satisfaction")).willReturn(okJson(page("""
				[{"id": 9, "comment": "Not yours", "conversation_id": 1}]""", 1, 1))));
		this.runner.run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			assertThatExceptionOfType(IAdvizeApiException.NotFound.class)
				.isThrownBy(() -> enrichment.visitor(visitorUpdated(Platform.SD, "593de0891b628a50b")));
			assertThat(enrichment.transactions(Platform.SD, 667)).extracting(Transaction::externalId)
				.containsExactly("order-2");
			assertThat(enrichment.satisfactions(Platform.SD, 667)).isEmpty();
		});
	}

	@ParameterizedTest
	@EnumSource(value = Platform.class, names = { "SD", "HA" })
	void readsAConversationsSatisfactionAnswers(Platform platform) {
		iadvize.stubFor(get(urlPathEqualTo("/" + platform.name().toLowerCase() + "/api/2/satisfaction"))
			.withQueryParam("filters[conversation_id]", equalTo("666"))
			.willReturn(okJson(page("""
					[{"id": 9, "note_welcome": 100, "note_resolution": 75.5, "node_delay": 50, "comment": "Quick!",
					  "created_at": "2026-11-24 18:31:00", "website_id": 3030, "operator_id": 15253,
					  "conversation_id": 666}]""", 1, 1))));
		this.runner.run((context) -> assertThat(context.getBean(IAdvizeEnrichment.class).satisfactions(platform, 666))
			.singleElement()
			.satisfies((satisfaction) -> {
				assertThat(satisfaction.resolution()).isEqualByComparingTo("75.5");
				assertThat(satisfaction.delay()).isEqualByComparingTo("50");
				assertThat(satisfaction.comment()).isEqualTo("Quick!");
			}));
	}

	@Test
	void anUnknownVisitorIsAPermanentNotFoundCarryingIAdvizesMessage() {
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/456")).willReturn(aResponse().withStatus(404)
			.withHeader("Content-Type", "application/json")
			.withBody(failure("fail", "Unknown 'visitor' with 'id' 456."))));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.NotFound.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(closed(Platform.SD, "456", null)))
			.withMessageContaining("Unknown 'visitor' with 'id' 456.")
			.satisfies((ex) -> {
				assertThat(ex.retryable()).isFalse();
				assertThat(ex.retryAfter()).isEmpty();
				assertThat(ex.api()).isEqualTo(Api.REST);
				assertThat(ex.resource()).isEqualTo("visitor");
			}));
		iadvize.verify(1, getRequestedFor(urlPathEqualTo("/sd/api/2/visitor/456")));
	}

	@Test
	void aFailEnvelopeWithStatus200IsReadFromItsMessage() {
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/456"))
			.willReturn(okJson(failure("fail", "Unknown 'visitor' with 'id' 456."))));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/operator/1"))
			.willReturn(okJson(failure("fail", "Invalid filter 'foo'"))));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/operator/2")).willReturn(okJson(failure("error", "Database"))));
		this.runner.run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			assertThatExceptionOfType(IAdvizeApiException.NotFound.class)
				.isThrownBy(() -> enrichment.visitor(closed(Platform.SD, "456", null)));
			assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
				.isThrownBy(() -> enrichment.operator(Platform.SD, 1))
				.withMessageContaining("'fail': Invalid filter 'foo'");
			assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
				.isThrownBy(() -> enrichment.operator(Platform.SD, 2))
				.satisfies((ex) -> assertThat(ex.retryable()).isTrue());
		});
		iadvize.verify(1, getRequestedFor(urlPathEqualTo("/sd/api/2/operator/1")));
		iadvize.verify(3, getRequestedFor(urlPathEqualTo("/sd/api/2/operator/2")));
	}

	@Test
	void onlyIAdvizesAnswerToAnUnknownIdIsNotFoundNotAnyMessageThatSaysSo() {
		// Taken as "not found", a server-side or configuration failure would skip every delivery without an alert.
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/457"))
			.willReturn(okJson(failure("fail", "API key not found"))));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/458"))
			.willReturn(okJson(failure("error", "Website configuration not found"))));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/459"))
			.willReturn(okJson(failure("fail", "Unknown parameter 'full'"))));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/460"))
			.willReturn(okJson(failure("error", "unknown 'visitor' with 'id' 460."))));
		this.runner.run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
				.isThrownBy(() -> enrichment.visitor(closed(Platform.SD, "457", null)))
				.withMessageContaining("'fail': API key not found");
			assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
				.isThrownBy(() -> enrichment.visitor(closed(Platform.SD, "458", null)))
				.withMessageContaining("'error': Website configuration not found");
			assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
				.isThrownBy(() -> enrichment.visitor(closed(Platform.SD, "459", null)))
				.withMessageContaining("Unknown parameter 'full'");
			assertThatExceptionOfType(IAdvizeApiException.NotFound.class)
				.isThrownBy(() -> enrichment.visitor(closed(Platform.SD, "460", null)));
		});
		iadvize.verify(3, getRequestedFor(urlPathEqualTo("/sd/api/2/visitor/458")));
	}

	@Test
	void aBadApiKeyIsAClearPermanentErrorAndIsNotRetried() {
		iadvize.stubFor(get(urlPathEqualTo("/ha/api/2/operator/15253")).willReturn(aResponse().withStatus(403)
			.withHeader("Content-Type", "application/json")
			.withBody(failure("error", "Forbidden"))));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.AuthenticationFailed.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.HA, 15253))
			.withMessageContaining("HTTP 403")
			.withMessageContaining("Forbidden")
			.withMessageContaining("relay.iadvize.rest.api-key")
			.withMessageNotContaining(API_KEY)
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse()));
		iadvize.verify(1, getRequestedFor(urlPathEqualTo("/ha/api/2/operator/15253")));
	}

	@Test
	void aBare403IsAFirewallInBetweenAndIsRetried() {
		// A WAF's or a CDN's block page: not iAdvize's answer to a bad key, and it may lift.
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/operator/1")).willReturn(aResponse().withStatus(403)
			.withHeader("Content-Type", "text/html")
			.withBody("<html><body>Request blocked</body></html>")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 1))
			.withMessageContaining("HTTP 403")
			.withMessageContaining("not an answer of iAdvize's API")
			.withMessageNotContaining(API_KEY)
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue()));
		iadvize.verify(3, getRequestedFor(urlPathEqualTo("/sd/api/2/operator/1")));
	}

	@Test
	void aRequestTimeoutIsRetried() {
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/operator/1")).willReturn(aResponse().withStatus(408)));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 1))
			.withMessage("iAdvize REST operator answered HTTP 408")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue()));
		iadvize.verify(3, getRequestedFor(urlPathEqualTo("/sd/api/2/operator/1")));
	}

	@Test
	void aForbiddenEnvelopeWithStatus200IsABadKeyToo() {
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/operator/1")).willReturn(okJson(failure("error", "Forbidden"))));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.AuthenticationFailed.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 1)));
		iadvize.verify(1, getRequestedFor(urlPathEqualTo("/sd/api/2/operator/1")));
	}

	@Test
	void anAnswerLargerThanTheLimitIsAPermanentFailureThatNamesTheProperty() {
		// Valid answers, one too long: 2 KB against a 1 KB limit.
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/operator/1"))
			.willReturn(okJson(success("{\"id\": 1, \"first_name\": \"" + "A".repeat(2048) + "\"}"))));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/operator/2"))
			.willReturn(okJson(success("{\"id\": 2, \"first_name\": \"Ada\"}"))));
		this.runner.withPropertyValues("relay.iadvize.max-answer-size=1KB").run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
				.isThrownBy(() -> enrichment.operator(Platform.SD, 1))
				.withMessage("iAdvize REST operator answered with more than 1024 bytes (relay.iadvize.max-answer-size)")
				.satisfies((ex) -> assertThat(ex.retryable()).isFalse());
			// Within the limit, the same client reads on.
			assertThat(enrichment.operator(Platform.SD, 2).firstName()).isEqualTo("Ada");
		});
		iadvize.verify(1, getRequestedFor(urlPathEqualTo("/sd/api/2/operator/1")));
	}

	@Test
	void anErrorAnswerLargerThanTheLimitIsJudgedByItsStatus() {
		// A proxy's long error page: the 503 says what happened, retryable as any 503.
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/operator/1"))
			.willReturn(aResponse().withStatus(503).withBody("<html>" + "busy ".repeat(500) + "</html>")));
		this.runner.withPropertyValues("relay.iadvize.max-answer-size=1KB")
			.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
				.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 1))
				.withMessageContaining("HTTP 503")
				.satisfies((ex) -> assertThat(ex.retryable()).isTrue()));
		iadvize.verify(3, getRequestedFor(urlPathEqualTo("/sd/api/2/operator/1")));
	}

	@Test
	void otherClientErrorsAreRejectedWithoutRetry() {
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/operator/1")).willReturn(aResponse().withStatus(400)));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 1))
			.withMessage("iAdvize REST operator answered HTTP 400"));
		iadvize.verify(1, getRequestedFor(urlPathEqualTo("/sd/api/2/operator/1")));
	}

	@Test
	void anEventWithoutPlatformCannotChooseTheRestHost() {
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.UNKNOWN, 1))
			.withMessageContaining("platform"));
	}

	@Test
	void withoutAPlatformPlaceholderEveryPlatformUsesTheOneBaseUrl() {
		iadvize.stubFor(get(urlPathEqualTo("/proxy/operator/1")).willReturn(okJson(success("{\"id\": 1}"))));
		this.runner.withPropertyValues("relay.iadvize.rest.base-url=http://localhost:" + iadvize.getPort() + "/proxy/")
			.run((context) -> assertThat(context.getBean(IAdvizeEnrichment.class).operator(Platform.UNKNOWN, 1).id())
				.isEqualTo(1));
	}

	@Test
	void aBurstOfEventsForOneVisitorAsksIAdvizeOnce() throws Exception {
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/42"))
			.willReturn(okJson(success("{\"id\": 42, \"email\": \"ada@example.com\"}")).withFixedDelay(200)));
		this.runner.run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			assertThat(concurrently(20, () -> enrichment.visitor(closed(Platform.SD, "42", null))))
				.allSatisfy((visitor) -> assertThat(visitor.email()).isEqualTo("ada@example.com"));
		});
		iadvize.verify(1, getRequestedFor(urlPathEqualTo("/sd/api/2/visitor/42")));
	}

	@Test
	void aVisitorUpdatedEventAsksIAdvizeAgainAndTheEventsAfterItSeeTheUpdate() {
		// The visitor is looked up, then gives an email address: iAdvize sends visitor.updated. The visitor
		// remembered from before the update has no email, and the lead workflow would skip it for good.
		String uniqueId = "593de0891b628a50b09835dc6c0e92565329c74baa90e";
		String path = "/sd/api/2/visitor";
		iadvize.stubFor(get(urlPathEqualTo(path)).inScenario("update")
			.willReturn(okJson(page("[{\"id\": 560, \"unique_id\": \"" + uniqueId + "\", \"firstname\": \"Grace\"}]", 1,
					1)))
			.willSetStateTo("updated"));
		iadvize.stubFor(get(urlPathEqualTo(path)).inScenario("update")
			.whenScenarioStateIs("updated")
			.willReturn(okJson(page("[{\"id\": 560, \"unique_id\": \"" + uniqueId + "\", \"firstname\": \"Grace\", "
					+ "\"email\": \"grace@example.com\"}]", 1, 1))));
		this.runner.run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			assertThat(enrichment.visitor(visitorUpdated(Platform.SD, uniqueId)).hasEmail()).isFalse();
			assertThat(enrichment.visitor(visitorUpdated(Platform.SD, uniqueId)).email())
				.isEqualTo("grace@example.com");
			// The other events take the updated visitor from the cache.
			assertThat(enrichment.visitor(legacyClosed(Platform.SD, 1)).email()).isEqualTo("grace@example.com");
		});
		iadvize.verify(2, getRequestedFor(urlPathEqualTo(path)));
	}

	@Test
	void aBare404IsAWrongBaseUrlNotAnUnknownVisitor() {
		// A proxy's or a wrong path's 404, without iAdvize's envelope: taken as "unknown visitor", every delivery
		// would be skipped quietly.
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/44")).willReturn(aResponse().withStatus(404)
			.withHeader("Content-Type", "text/html")
			.withBody("<html><body>Not Found</body></html>")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).visitor(closed(Platform.SD, "44", null)))
			.withMessageContaining("answered HTTP 404")
			.withMessageContaining("relay.iadvize.rest.base-url")
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse()));
	}

	@Test
	void aFailedLookupIsNotRemembered() {
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/43")).inScenario("flaky")
			.willReturn(aResponse().withStatus(404)
				.withHeader("Content-Type", "application/json")
				.withBody(failure("fail", "Unknown 'visitor' with 'id' 43.")))
			.willSetStateTo("known"));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/43")).inScenario("flaky")
			.whenScenarioStateIs("known")
			.willReturn(okJson(success("{\"id\": 43}"))));
		this.runner.run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			assertThatExceptionOfType(IAdvizeApiException.NotFound.class)
				.isThrownBy(() -> enrichment.visitor(closed(Platform.SD, "43", null)));
			assertThat(enrichment.visitor(closed(Platform.SD, "43", null)).id()).isEqualTo("43");
			assertThat(enrichment.visitor(closed(Platform.SD, "43", null)).id()).isEqualTo("43");
		});
		iadvize.verify(2, getRequestedFor(urlPathEqualTo("/sd/api/2/visitor/43")));
	}

	@Test
	void aZeroTtlDisablesTheCache() {
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/44")).willReturn(okJson(success("{\"id\": 44}"))));
		this.runner.withPropertyValues("relay.iadvize.cache.visitor-ttl=0s").run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			enrichment.visitor(closed(Platform.SD, "44", null));
			enrichment.visitor(closed(Platform.SD, "44", null));
		});
		iadvize.verify(2, getRequestedFor(urlPathEqualTo("/sd/api/2/visitor/44")));
	}

}
