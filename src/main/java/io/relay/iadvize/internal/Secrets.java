package io.relay.iadvize.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.relay.system.SecretText;
import org.jspecify.annotations.Nullable;

/**
 * The credentials in use (API key, password, the current access tokens), so that any text from iAdvize that ends up
 * in an exception message or a log line can be scrubbed of them: iAdvize might echo a credential in an error
 * message, and Relay must never repeat it.
 */
final class Secrets {

	static final String HIDDEN = SecretText.HIDDEN;

	/** Short values are not scrubbed: they would mangle ordinary words, and no real credential is that short. */
	private static final int SHORTEST = 6;

	/** Old tokens are kept a while: a late answer may still quote one. */
	private static final int TOKENS_KEPT = 4;

	private final List<String> fixed;

	private final List<String> tokens = new ArrayList<>();

	/** The fixed credentials and the kept tokens, in every form iAdvize might echo them (escaped, cut short...). */
	private volatile SecretText hidden;

	Secrets(@Nullable String... fixed) {
		this.fixed = Arrays.stream(fixed).filter((value) -> value != null && value.length() >= SHORTEST)
			.map(String::valueOf).toList();
		this.hidden = SecretText.of(this.fixed, SHORTEST);
	}

	synchronized void addToken(String token) {
		if (token.length() >= SHORTEST) {
			this.tokens.add(token);
			while (this.tokens.size() > TOKENS_KEPT) {
				this.tokens.remove(0);
			}
			List<String> all = new ArrayList<>(this.fixed);
			all.addAll(this.tokens);
			this.hidden = SecretText.of(all, SHORTEST);
		}
	}

	@Nullable String redact(@Nullable String text) {
		return (text != null) ? this.hidden.hide(text) : null;
	}

}
