package io.relay.event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Checks shared by the event records' compact constructors.
 */
final class Events {

	private Events() {
	}

	static void require(@Nullable String value, String field) {
		if (value == null || value.isBlank()) {
			throw new IllegalArgumentException("'" + field + "' is required");
		}
	}

	static void require(@Nullable Long value, String field) {
		if (value == null) {
			throw new IllegalArgumentException("'" + field + "' is required");
		}
	}

	/**
	 * A copy of a parsed JSON value in which no map or list, however deep, can be changed: an event is shared by all
	 * of its handlers, and none may change what the others see.
	 */
	static @Nullable Object unmodifiable(@Nullable Object value) {
		if (value instanceof Map<?, ?> map) {
			return unmodifiableMap(map);
		}
		if (value instanceof List<?> list) {
			List<@Nullable Object> copy = new ArrayList<>(list.size());
			list.forEach((item) -> copy.add(unmodifiable(item)));
			return Collections.unmodifiableList(copy);
		}
		return value;
	}

	/** {@link #unmodifiable(Object)} for a map: its values unmodifiable at any depth. */
	static <K> Map<K, @Nullable Object> unmodifiableMap(Map<K, ?> map) {
		Map<K, @Nullable Object> copy = new LinkedHashMap<>();
		map.forEach((key, item) -> copy.put(key, unmodifiable(item)));
		return Collections.unmodifiableMap(copy);
	}

	/** An unmodifiable copy without its {@code null} elements ({@code [1, null]} is read as {@code [1]}). */
	static <T> List<T> copyOf(@Nullable List<T> values) {
		if (values == null) {
			return List.of();
		}
		// Not contains(null): an immutable list throws on it.
		return values.stream().filter(Objects::nonNull).toList();
	}

}
