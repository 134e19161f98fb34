package io.relay.iadvize.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.relay.event.Platform;
import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.iadvize.Operator;
import io.relay.iadvize.Satisfaction;
import io.relay.iadvize.Transaction;
import io.relay.iadvize.Transcript;
import io.relay.iadvize.Visitor;
import org.springframework.web.util.UriBuilder;
import tools.jackson.databind.JsonNode;

/**
 * The REST resources the workflows use, as typed records.
 */
final class RestResources {

	private final RestTransport transport;

	private final RestMapping mapping;

	RestResources(RestTransport transport, RestMapping mapping) {
		this.transport = transport;
		this.mapping = mapping;
	}

	boolean configured() {
		return this.transport.configured();
	}

	/** {@code GET /visitor/{id}}: the integer id, which events carry as {@code visitorExternalId}. */
	Visitor visitor(Platform platform, long id) {
		JsonNode data = this.transport.get(platform, "visitor", (uri) -> uri.path("/visitor/{id}").build(id)).data();
		return this.mapping.visitor(data);
	}

	/**
	 * {@code GET /visitor?filters[unique_id]=...}: the older string id of {@code visitor.updated} events. Items that
	 * name another {@code unique_id} are ignored: should iAdvize ever ignore the filter, the first visitor of the
	 * site would otherwise get this visitor's email or lead.
	 */
	Visitor visitorByUniqueId(Platform platform, String uniqueId) {
		for (JsonNode item : items(platform, "visitor",
				(uri) -> uri.path("/visitor").queryParam("filters[unique_id]", "{uniqueId}").queryParam("full", 1),
				uniqueId)) {
			if (matches(item, "unique_id", uniqueId)) {
				return this.mapping.visitor(item);
			}
		}
		throw new IAdvizeApiException.NotFound(Api.REST, "visitor",
				Failures.describe(Api.REST, "visitor") + " knows no visitor with unique_id " + uniqueId);
	}

	/** {@code GET /conversation.json-unicode/{id}?formatHistory=0}: integer ids only. */
	Transcript transcript(Platform platform, long conversationId) {
		JsonNode data = this.transport
			.get(platform, "conversation",
					(uri) -> uri.path("/conversation.json-unicode/{id}").queryParam("formatHistory", 0).build(conversationId))
			.data();
		return this.mapping.transcript(String.valueOf(conversationId), data);
	}

	/** {@code GET /operator/{id}}. */
	Operator operator(Platform platform, long id) {
		JsonNode data = this.transport.get(platform, "operator", (uri) -> uri.path("/operator/{id}").build(id)).data();
		return this.mapping.operator(data);
	}

	/** {@code GET /transaction?filters[conversation_id]=...}, every page. */
	List<Transaction> transactions(Platform platform, long conversationId) {
		return items(platform, "transaction", (uri) -> uri.path("/transaction")
			.queryParam("filters[conversation_id]", "{conversationId}")
			.queryParam("full", 1), conversationId)
			.stream()
			.filter((item) -> matches(item, "conversation_id", Long.toString(conversationId)))
			.map(this.mapping::transaction)
			.toList();
	}

	/** {@code GET /satisfaction?filters[conversation_id]=...}, every page. */
	List<Satisfaction> satisfactions(Platform platform, long conversationId) {
		return items(platform, "satisfaction", (uri) -> uri.path("/satisfaction")
			.queryParam("filters[conversation_id]", "{conversationId}")
			.queryParam("full", 1), conversationId)
			.stream()
			.filter((item) -> matches(item, "conversation_id", Long.toString(conversationId)))
			.map(this.mapping::satisfaction)
			.toList();
	}

	/** Whether an item is the one filtered for: its {@code field}, when it has one, is {@code expected}. */
	private static boolean matches(JsonNode item, String field, String expected) {
		JsonNode value = item.path(field);
		return value.isMissingNode() || value.isNull() || expected.equals(value.asString());
	}

	private List<JsonNode> items(Platform platform, String resource,
			Function<UriBuilder, UriBuilder> query,
			Object variable) {
		List<JsonNode> items = new ArrayList<>();
		for (RestEnvelope.Page page : this.transport.getAll(platform, resource, query, variable)) {
			if (page.data().isArray()) {
				page.data().forEach(items::add);
			}
			else {
				items.add(page.data());
			}
		}
		return items;
	}

}
