package io.relay.event;

import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * Maps the wire spelling of an enum value onto the constant, ignoring case, with a fallback for values that a
 * newer iAdvize may send.
 */
final class WireNames {

	private WireNames() {
	}

	static <E extends Enum<E>> E lookup(Class<E> type, @Nullable String value, E fallback) {
		if (value == null || value.isBlank()) {
			return fallback;
		}
		try {
			return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			return fallback;
		}
	}

}
