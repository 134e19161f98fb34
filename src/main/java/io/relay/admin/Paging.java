package io.relay.admin;

import org.jspecify.annotations.Nullable;
import org.springframework.data.domain.PageRequest;

/**
 * A list's page, from its {@code page} and {@code size} parameters, read as text: an empty one (an unset shell
 * variable) is refused like any empty parameter. {@code @RequestParam}'s {@code defaultValue} is used for an empty
 * value too, and a number without one is read as left out: {@code ?size=} quietly listed 20 rows.
 */
record Paging(int page, int size) {

	static final String DEFAULT_SIZE = "20";

	static final int MAX_SIZE = 200;

	Paging {
		if (page < 0 || size < 1 || size > MAX_SIZE) {
			throw AdminController.badRequest("page must be 0 or more and size between 1 and " + MAX_SIZE);
		}
	}

	/** The page asked for; the first, of {@value #DEFAULT_SIZE} rows, for what is left out. */
	static Paging of(@Nullable String page, @Nullable String size) {
		return new Paging(number("page", page, "0"), number("size", size, DEFAULT_SIZE));
	}

	private static int number(String name, @Nullable String value, String fallback) {
		if (value == null) {
			return Integer.parseInt(fallback);
		}
		if (value.isEmpty()) {
			throw AdminController.badRequest("Parameter '" + name + "' is empty: leave it out for the default ("
					+ fallback + ")");
		}
		try {
			return Integer.parseInt(value);
		}
		catch (NumberFormatException ex) {
			throw AdminController.badRequest(name + " must be a whole number (was '" + value + "')");
		}
	}

	PageRequest request() {
		return PageRequest.of(this.page, this.size);
	}

}
