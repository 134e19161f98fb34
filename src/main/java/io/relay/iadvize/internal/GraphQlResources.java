package io.relay.iadvize.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.relay.event.Platform;
import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.iadvize.Transcript;
import io.relay.iadvize.Visitor;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.ClassPathResource;
import tools.jackson.databind.JsonNode;

/**
 * The GraphQL queries the workflows use, as typed records. The query documents sit beside this class
 * ({@code visitor.graphql}, {@code conversation.graphql}), read once at startup.
 */
final class GraphQlResources {

	/** Messages per page. */
	static final int PAGE_SIZE = 100;

	/** A guard against a cursor that never ends: 100 pages of 100 messages is far more than one conversation has. */
	static final int MAX_PAGES = 100;

	private final GraphQlTransport transport;

	private final String visitorQuery;

	private final String conversationQuery;

	GraphQlResources(GraphQlTransport transport) {
		this.transport = transport;
		this.visitorQuery = document("visitor.graphql");
		this.conversationQuery = document("conversation.graphql");
	}

	boolean configured() {
		return this.transport.configured();
	}

	Visitor visitor(Platform platform, UUID id) {
		JsonNode visitor = this.transport.query(platform, "visitor", this.visitorQuery, Map.of("id", id.toString()))
			.path("visitor");
		if (!visitor.isObject()) {
			throw new IAdvizeApiException.NotFound(Api.GRAPHQL, "visitor",
					Failures.describe(Api.GRAPHQL, "visitor") + " knows no visitor " + id);
		}
		return new Visitor(Api.GRAPHQL, id.toString(), Json.text(visitor, "externalUserId"),
				Json.text(visitor, "firstName"), Json.text(visitor, "lastName"), Json.text(visitor, "email"),
				Json.text(visitor, "phoneNumber"), Json.text(visitor, "address"), Json.text(visitor, "city"),
				Json.text(visitor, "zipCode"), Json.text(visitor, "country"));
	}

	/** Every message, page after page; each page is its own retried request. */
	Transcript transcript(Platform platform, UUID id) {
		List<Transcript.Message> messages = new ArrayList<>();
		Set<String> cursors = new HashSet<>();
		@Nullable String after = null;
		for (int page = 1; page <= MAX_PAGES; page++) {
			Map<String, Object> variables = new HashMap<>();
			variables.put("id", id.toString());
			variables.put("first", PAGE_SIZE);
			variables.put("after", after);
			JsonNode conversation = this.transport.query(platform, "conversation", this.conversationQuery, variables)
				.path("conversation");
			if (!conversation.isObject()) {
				throw new IAdvizeApiException.NotFound(Api.GRAPHQL, "conversation",
						Failures.describe(Api.GRAPHQL, "conversation") + " knows no conversation " + id);
			}
			JsonNode connection = conversation.path("messages");
			for (JsonNode edge : connection.path("edges")) {
				Transcript.Message message = message(edge.path("node"));
				if (message != null) {
					messages.add(message);
				}
			}
			JsonNode pageInfo = connection.path("pageInfo");
			if (!pageInfo.path("hasNextPage").asBoolean(false)) {
				return new Transcript(Api.GRAPHQL, id.toString(), messages);
			}
			after = Json.text(pageInfo, "endCursor");
			if (after == null) {
				// More pages, but no cursor to ask for them: ending here would pass a part of the conversation off as
				// all of it (ticket keywords, the visitor's message count, an email's recap). Retried, as below.
				throw new IAdvizeApiException.Unavailable(Api.GRAPHQL, "conversation", Failures.describe(Api.GRAPHQL,
						"conversation") + " has more messages (hasNextPage) but gave no endCursor to read them", null,
						null);
			}
			if (!cursors.add(after)) {
				// The same page again: following it would collect copies of its messages up to the page limit.
				throw new IAdvizeApiException.Unavailable(Api.GRAPHQL, "conversation", Failures.describe(Api.GRAPHQL,
						"conversation") + " gave the page cursor " + after + " twice", null, null);
			}
		}
		throw new IAdvizeApiException.Rejected(Api.GRAPHQL, "conversation", Failures.describe(Api.GRAPHQL,
				"conversation") + " has more than " + MAX_PAGES + " pages of " + PAGE_SIZE + " messages");
	}

	/** A message with its text, or {@code null} for one without text (a system event, a card, a file). */
	private static Transcript.@Nullable Message message(JsonNode node) {
		List<String> texts = new ArrayList<>();
		for (JsonNode attachment : node.path("attachments")) {
			String text = Json.text(attachment, "text");
			if (text != null) {
				texts.add(text);
			}
		}
		if (texts.isEmpty()) {
			return null;
		}
		return new Transcript.Message(author(Json.text(node, "__typename")), String.join("\n", texts),
				Json.instant(node, "createdAt"));
	}

	private static Transcript.Author author(@Nullable String type) {
		String name = (type != null) ? type : "";
		if (name.contains("Visitor")) {
			return Transcript.Author.VISITOR;
		}
		if (name.contains("System")) {
			return Transcript.Author.SYSTEM;
		}
		if (name.contains("Operator") || name.contains("User") || name.contains("Agent") || name.contains("Bot")) {
			return Transcript.Author.OPERATOR;
		}
		return Transcript.Author.OTHER;
	}

	private static String document(String name) {
		try {
			return new ClassPathResource(name, GraphQlResources.class).getContentAsString(StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read the GraphQL document " + name, ex);
		}
	}

}
