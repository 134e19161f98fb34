package io.relay.event;

import java.util.List;

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

	static <T> List<T> copyOf(@Nullable List<T> values) {
		return (values != null) ? List.copyOf(values) : List.of();
	}

}
