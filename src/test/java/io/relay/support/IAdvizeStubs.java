package io.relay.support;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import org.springframework.test.context.DynamicPropertyRegistry;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

/**
 * iAdvize's REST and GraphQL APIs on a WireMock server, for workflow tests: the properties that point Relay at it,
 * and stubs for a visitor, a transcript and an operator. Events come from the documented fixtures with their ids
 * replaced, so that every test has its own conversation and visitor.
 */
public final class IAdvizeStubs {

	public static final String API_KEY = "rest-key-for-workflow-tests";

	private final WireMockExtension server;

	public IAdvizeStubs(WireMockExtension server) {
		this.server = server;
	}

	/** WireMock as the stack notes require for the JDK HTTP client: no h2c upgrade on plain HTTP. */
	public static WireMockConfiguration wireMock() {
		return WireMockConfiguration.options().dynamicPort().http2PlainDisabled(true);
	}

	/** The GraphQL login; WireMock forgets stubs between tests, so call it before each. */
	public void login() {
		this.server.stubFor(post(urlPathEqualTo("/oauth2/token")).willReturn(okJson(
				"{\"access_token\":\"workflow-test-token\",\"expires_in\":86400,\"token_type\":\"Bearer\"}")));
	}

	/** The {@code relay.iadvize.*} properties for this server: REST and GraphQL, no visitor cache. */
	public List<String> properties() {
		String base = "http://localhost:" + this.server.getPort();
		return List.of("relay.iadvize.rest.base-url=" + base + "/{platform}/api/2",
				"relay.iadvize.rest.api-key=" + API_KEY, "relay.iadvize.graphql.url=" + base + "/graphql",
				"relay.iadvize.graphql.token-url=" + base + "/oauth2/token",
				"relay.iadvize.graphql.username=relay-bot@example.com",
				"relay.iadvize.graphql.password=workflow-test-password", "relay.iadvize.retry.initial-delay=10ms",
				"relay.iadvize.retry.max-delay=50ms", "relay.iadvize.cache.visitor-ttl=0s");
	}

	/** Points Relay's iAdvize clients at these stubs, for a test's {@code @DynamicPropertySource}. */
	public void register(DynamicPropertyRegistry registry) {
		properties().forEach((property) -> {
			int equals = property.indexOf('=');
			registry.add(property.substring(0, equals), () -> property.substring(equals + 1));
		});
	}

	/** A fresh integer visitor id (the REST id that onsite v2 events carry as {@code visitorExternalId}). */
	public static String newVisitorId() {
		return Long.toString(ThreadLocalRandom.current().nextLong(10_000_000L, 9_000_000_000L));
	}

	/** REST {@code GET /visitor/{id}} on the high-availability platform (the fixtures' platform). */
	public void visitor(String visitorExternalId, String email, String firstName) {
		String emailJson = (email != null) ? "\"" + email + "\"" : "null";
		this.server.stubFor(get(urlPathEqualTo("/ha/api/2/visitor/" + visitorExternalId)).willReturn(okJson(
				"{\"meta\":{\"status\":\"success\"},\"data\":{\"id\":" + visitorExternalId + ",\"firstname\":\""
						+ firstName + "\",\"lastname\":\"Lovelace\",\"email\":" + emailJson + "}}")));
	}

	/** REST {@code GET /operator/{id}}. */
	public void operator(long id, String pseudo) {
		this.server.stubFor(get(urlPathEqualTo("/ha/api/2/operator/" + id)).willReturn(okJson(
				"{\"meta\":{\"status\":\"success\"},\"data\":{\"id\":" + id + ",\"pseudo\":\"" + pseudo
						+ "\",\"name\":\"Internal Name\"}}")));
	}

	/**
	 * GraphQL {@code conversation(id)}: one page of messages, each {@code [typename, createdAt, text]}, e.g.
	 * {@code ["VisitorMessage", "2026-11-25T10:00:00Z", "Hello"]}; a {@code null} text makes a message without text.
	 */
	public void transcript(String conversationId, List<List<String>> messages) {
		StringBuilder edges = new StringBuilder();
		for (List<String> message : messages) {
			if (!edges.isEmpty()) {
				edges.append(',');
			}
			String attachment = (message.get(2) != null)
					? "{\"__typename\":\"TextAttachment\",\"text\":" + json(message.get(2)) + "}"
					: "{\"__typename\":\"ConversationClosedSystemAttachment\"}";
			edges.append("{\"node\":{\"__typename\":\"").append(message.get(0)).append("\",\"createdAt\":\"")
				.append(message.get(1)).append("\",\"attachments\":[").append(attachment).append("]}}");
		}
		this.server.stubFor(post(urlPathEqualTo("/graphql"))
			.withRequestBody(matchingJsonPath("$.variables.id", com.github.tomakehurst.wiremock.client.WireMock.equalTo(conversationId)))
			.willReturn(okJson("{\"data\":{\"conversation\":{\"id\":\"" + conversationId + "\",\"messages\":{"
					+ "\"pageInfo\":{\"hasNextPage\":false,\"endCursor\":\"c1\"},\"edges\":[" + edges + "]}}}}")));
	}

	/**
	 * The documented {@code v2.conversation.closed} example with fresh event, conversation and visitor ids, on the
	 * high-availability platform, project 1549, channel CHAT, operators 15253 and 15254.
	 */
	public static Fixtures.Event closed(String conversationId, String visitorExternalId) {
		return closed(conversationId, visitorExternalId, Map.of());
	}

	/** The same with some fields' values replaced ({@code "channel" -> "SMS"}, {@code "projectId" -> "42"}). */
	public static Fixtures.Event closed(String conversationId, String visitorExternalId, Map<String, String> changes) {
		Fixtures.Event event = Fixtures.withFreshId("v2.conversation.closed.json");
		String body = event.body()
			.replace("4c8c7408-f73c-42cd-89e9-afbbee7d9024", conversationId)
			.replace("\"63429889\"", "\"" + visitorExternalId + "\"");
		for (Map.Entry<String, String> change : changes.entrySet()) {
			body = body.replaceFirst("\"" + change.getKey() + "\": (\"[^\"]*\"|[0-9]+)",
					"\"" + change.getKey() + "\": " + change.getValue());
		}
		return new Fixtures.Event(event.eventId(), body);
	}

	private static String json(String text) {
		return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
	}

}
