package io.relay.iadvize.internal;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;

/**
 * The credentials in use (API key, password, the current access tokens), so that any text from iAdvize that ends up
 * in an exception message or a log line can be scrubbed of them: iAdvize might echo a credential in an error
 * message, and Relay must never repeat it.
 */
final class Secrets {

	static final String HIDDEN = "<hidden>";

	/** Short values are not scrubbed: they would mangle ordinary words, and no real credential is that short. */
	private static final int SHORTEST = 6;

	/** Old tokens are kept a while: a late answer may still quote one. */
	private static final int TOKENS_KEPT = 4;

	private final List<String> fixed;

	private final CopyOnWriteArrayList<String> tokens = new CopyOnWriteArrayList<>();

	Secrets(@Nullable String... fixed) {
		this.fixed = Arrays.stream(fixed).filter((value) -> value != null && value.length() >= SHORTEST)
			.map(String::valueOf).toList();
	}

	void addToken(String token) {
		if (token.length() >= SHORTEST) {
			this.tokens.add(token);
			while (this.tokens.size() > TOKENS_KEPT) {
				this.tokens.remove(0);
			}
		}
	}

	@Nullable String redact(@Nullable String text) {
		if (text == null) {
			return null;
		}
		String result = text;
		for (String secret : this.fixed) {
			result = result.replace(secret, HIDDEN);
		}
		for (String secret : this.tokens) {
			result = result.replace(secret, HIDDEN);
		}
		return result;
	}

}
