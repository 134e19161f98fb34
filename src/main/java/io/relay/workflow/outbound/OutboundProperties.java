package io.relay.workflow.outbound;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a workflow talks to its target system: timeouts, concurrency, authentication and signing. A workflow nests
 * it in its own properties (for example {@code relay.workflows.lead.http.*}) and calls {@link #validate(String)}
 * when it is enabled.
 *
 * @param connectTimeout how long to wait for a connection
 * @param readTimeout how long to wait for the answer once connected; a timeout is retried
 * @param maxConcurrentRequests the most requests to this target in flight at once, so that a slow target holds at
 * most this many of Relay's delivery workers
 * @param acquireTimeout how long a delivery waits for one of those slots before it gives its worker back and is
 * retried later
 * @param auth how requests authenticate
 * @param signingSecrets Standard Webhooks secrets ({@code whsec_} followed by base64): every request is signed with
 * each of them ({@code webhook-signature} lists one signature per secret, so that the receiver can rotate). None:
 * requests are not signed.
 */
public record OutboundProperties(@DefaultValue("2s") Duration connectTimeout, @DefaultValue("10s") Duration readTimeout,
		@DefaultValue("4") int maxConcurrentRequests, @DefaultValue("2s") Duration acquireTimeout,
		@DefaultValue Auth auth, @DefaultValue List<String> signingSecrets) {

	public OutboundProperties {
		signingSecrets = List.copyOf(signingSecrets);
	}

	/**
	 * Checks every setting, with messages that name the property under {@code prefix}.
	 * @throws IllegalArgumentException on the first wrong setting
	 */
	public void validate(String prefix) {
		positive(this.connectTimeout, prefix + ".connect-timeout");
		positive(this.readTimeout, prefix + ".read-timeout");
		if (this.acquireTimeout.isNegative()) {
			throw new IllegalArgumentException(prefix + ".acquire-timeout must not be negative, but was "
					+ this.acquireTimeout);
		}
		if (this.maxConcurrentRequests < 1 || this.maxConcurrentRequests > 256) {
			throw new IllegalArgumentException(prefix + ".max-concurrent-requests must be between 1 and 256, but was "
					+ this.maxConcurrentRequests);
		}
		this.auth.validate(prefix + ".auth");
		for (int i = 0; i < this.signingSecrets.size(); i++) {
			StandardWebhooks.decode(this.signingSecrets.get(i), prefix + ".signing-secrets[" + i + "]");
		}
	}

	// Secrets must not reach a log line or an error message through toString().
	@Override
	public String toString() {
		return "OutboundProperties[connectTimeout=" + this.connectTimeout + ", readTimeout=" + this.readTimeout
				+ ", maxConcurrentRequests=" + this.maxConcurrentRequests + ", acquireTimeout=" + this.acquireTimeout
				+ ", auth=" + this.auth + ", signingSecrets=<" + this.signingSecrets.size() + " hidden>]";
	}

	static void positive(Duration duration, String property) {
		if (duration.isNegative() || duration.isZero()) {
			throw new IllegalArgumentException(property + " must be positive, but was " + duration);
		}
	}

	/** The kinds of authentication. */
	public enum AuthType {

		/** No authentication header (the signature may be enough). */
		NONE,

		/** {@code Authorization: Bearer <token>}. */
		BEARER,

		/** {@code Authorization: Basic base64(username:password)}. */
		BASIC,

		/** {@code <header-name>: <api-key>}. */
		API_KEY

	}

	/**
	 * How requests authenticate.
	 *
	 * @param type {@code none}, {@code bearer}, {@code basic} or {@code api-key}
	 * @param token the bearer token
	 * @param username the basic username
	 * @param password the basic password
	 * @param headerName the header that carries the API key
	 * @param apiKey the API key
	 */
	public record Auth(@DefaultValue("none") AuthType type, @Nullable String token, @Nullable String username,
			@Nullable String password, @DefaultValue("X-API-Key") String headerName, @Nullable String apiKey) {

		void validate(String prefix) {
			switch (this.type) {
				case NONE -> {
				}
				case BEARER -> required(this.token, prefix + ".token", "bearer");
				case BASIC -> {
					required(this.username, prefix + ".username", "basic");
					required(this.password, prefix + ".password", "basic");
					if (this.username.contains(":")) {
						throw new IllegalArgumentException(prefix + ".username must not contain ':'");
					}
				}
				case API_KEY -> {
					required(this.apiKey, prefix + ".api-key", "api-key");
					if (!this.headerName.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
						throw new IllegalArgumentException(prefix + ".header-name must be an HTTP header name, but was '"
								+ this.headerName + "'");
					}
				}
			}
		}

		/** The secret values, to be scrubbed from any text Relay repeats. */
		List<String> secrets() {
			return java.util.stream.Stream.of(this.token, this.password, this.apiKey)
				.filter(java.util.Objects::nonNull)
				.toList();
		}

		private static void required(@Nullable String value, String property, String type) {
			if (value == null || value.isBlank()) {
				throw new IllegalArgumentException(property + " is required when the auth type is " + type);
			}
		}

		@Override
		public String toString() {
			return "Auth[type=" + this.type.name().toLowerCase(Locale.ROOT) + ", token=" + hidden(this.token)
					+ ", username=" + hidden(this.username) + ", password=" + hidden(this.password) + ", headerName="
					+ this.headerName + ", apiKey=" + hidden(this.apiKey) + "]";
		}

		private static String hidden(@Nullable String value) {
			return (value != null) ? "<hidden>" : "<none>";
		}

	}

}
