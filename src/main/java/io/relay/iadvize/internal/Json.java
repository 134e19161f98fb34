package io.relay.iadvize.internal;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Lenient reads of iAdvize's JSON: a field that is missing, null or of an unexpected type reads as {@code null}
 * rather than failing the whole lookup, as both APIs leave most fields empty for most visitors.
 */
final class Json {

	/** The REST API's date format, {@code YYYY-MM-DD HH:MM:SS}, without a time zone. */
	private static final DateTimeFormatter REST_DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

	private Json() {
	}

	static @Nullable String text(JsonNode node, String field) {
		JsonNode value = node.path(field);
		if (!value.isValueNode() || value.isNull()) {
			return null;
		}
		String text = value.asString();
		return (text.isEmpty()) ? null : text;
	}

	static @Nullable Long number(JsonNode node, String field) {
		JsonNode value = node.path(field);
		if (value.isNumber() && value.canConvertToLong()) {
			return value.asLong();
		}
		if (value.isString()) {
			try {
				return Long.parseLong(value.asString().trim());
			}
			catch (NumberFormatException ex) {
				return null;
			}
		}
		return null;
	}

	static @Nullable BigDecimal decimal(JsonNode node, String field) {
		JsonNode value = node.path(field);
		if (value.isNumber()) {
			return value.decimalValue();
		}
		String text = text(node, field);
		if (text == null) {
			return null;
		}
		try {
			return new BigDecimal(text.trim());
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	static @Nullable LocalDateTime restDateTime(JsonNode node, String field) {
		String text = text(node, field);
		if (text == null) {
			return null;
		}
		try {
			return LocalDateTime.parse(text.trim(), REST_DATE_TIME);
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	static @Nullable Instant instant(JsonNode node, String field) {
		String text = text(node, field);
		if (text == null) {
			return null;
		}
		try {
			return OffsetDateTime.parse(text.trim()).toInstant();
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	static List<String> texts(JsonNode node, String field) {
		List<String> values = new ArrayList<>();
		for (JsonNode value : node.path(field)) {
			if (value.isValueNode() && !value.isNull()) {
				values.add(value.asString());
			}
		}
		return values;
	}

}
