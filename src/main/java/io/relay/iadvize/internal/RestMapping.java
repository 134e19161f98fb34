package io.relay.iadvize.internal;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.iadvize.Operator;
import io.relay.iadvize.Satisfaction;
import io.relay.iadvize.Transaction;
import io.relay.iadvize.Transcript;
import io.relay.iadvize.Transcript.Author;
import io.relay.iadvize.Visitor;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The REST resources' {@code data} as records. Field names are the documented ones (docs/iadvize.md lists them).
 */
final class RestMapping {

	private final JsonMapper json;

	RestMapping(JsonMapper json) {
		this.json = json;
	}

	Visitor visitor(JsonNode data) {
		return new Visitor(Api.REST, required(data, "visitor"), Json.text(data, "external_id"),
				Json.text(data, "firstname"), Json.text(data, "lastname"), Json.text(data, "email"),
				Json.text(data, "phone"), Json.text(data, "address"), Json.text(data, "city"), Json.text(data, "zip"),
				Json.text(data, "country"));
	}

	Operator operator(JsonNode data) {
		List<String> roles = Json.texts(data, "roles");
		if (roles.isEmpty() && Json.text(data, "role") != null) {
			roles = List.of(Json.text(data, "role")); // the deprecated single role
		}
		return new Operator(Long.parseLong(required(data, "operator")), Json.text(data, "name"),
				Json.text(data, "first_name"), Json.text(data, "pseudo"), Json.text(data, "email"),
				Json.text(data, "external_id"), roles);
	}

	Transaction transaction(JsonNode data) {
		return new Transaction(Long.parseLong(required(data, "transaction")), Json.text(data, "external_id"),
				Json.text(data, "visitor_uid"), Json.text(data, "visitor_email"), Json.decimal(data, "amount"),
				Json.restDateTime(data, "created_at"), Json.number(data, "website_id"), Json.number(data, "operator_id"),
				Json.number(data, "conversation_id"));
	}

	Satisfaction satisfaction(JsonNode data) {
		// The reference spells the delay note "node_delay", surely a typo for "note_delay": both are read.
		BigDecimal delay = data.has("note_delay") ? Json.decimal(data, "note_delay") : Json.decimal(data, "node_delay");
		return new Satisfaction(Long.parseLong(required(data, "satisfaction")), Json.decimal(data, "note_welcome"),
				Json.decimal(data, "note_resolution"), delay, Json.text(data, "comment"), Json.restDateTime(data, "created_at"), Json.number(data, "website_id"),
				Json.number(data, "operator_id"), Json.number(data, "conversation_id"));
	}

	/**
	 * {@code history}: {@code [type, "YYYY-MM-DD HH:MM:SS", text, epochMillis?]} entries; type 1 operator, 2 visitor,
	 * 3 system, 5 a link (taken as system), 6 operator rich content, 7 visitor rich content. The reference calls the
	 * field a String but shows arrays: both are read.
	 */
	Transcript transcript(String conversationId, JsonNode data) {
		JsonNode history = data.path("history");
		if (history.isString()) {
			history = parse(history.asString());
		}
		List<Transcript.Message> messages = new ArrayList<>();
		for (JsonNode entry : history) {
			if (entry.isArray() && entry.size() >= 3) {
				Instant sentAt = (entry.size() >= 4 && entry.get(3).canConvertToLong())
						? Instant.ofEpochMilli(entry.get(3).asLong()) : null;
				messages.add(new Transcript.Message(author(entry.get(0).asInt(0)), entry.get(2).asString(""), sentAt));
			}
		}
		return new Transcript(Api.REST, conversationId, messages);
	}

	private static Author author(int type) {
		return switch (type) {
			case 1, 6 -> Author.OPERATOR;
			case 2, 7 -> Author.VISITOR;
			case 3, 5 -> Author.SYSTEM;
			default -> Author.OTHER;
		};
	}

	private JsonNode parse(String history) {
		try {
			return this.json.readTree(history);
		}
		catch (JacksonException ex) {
			throw new IAdvizeApiException.Unavailable(Api.REST, "conversation",
					Failures.describe(Api.REST, "conversation") + " answered a history that is not JSON", null, null);
		}
	}

	private static String required(JsonNode data, String resource) {
		@Nullable Long id = Json.number(data, "id");
		if (id == null) {
			throw new IAdvizeApiException.Unavailable(Api.REST, resource,
					Failures.describe(Api.REST, resource) + " answered data without an id", null, null);
		}
		return String.valueOf(id);
	}

}
