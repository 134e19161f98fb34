package io.relay.iadvize.internal;

import java.net.URI;
import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * The iAdvize API clients. Every property is described in {@code docs/iadvize.md}.
 *
 * @param rest the REST API v2
 * @param graphql the GraphQL API and its OAuth login
 * @param connectTimeout how long to wait for a connection to iAdvize
 * @param readTimeout how long to wait for iAdvize to answer once connected; a timeout is retried like a 503
 * @param callTimeout the longest one enrichment call may take, every page, retry and wait for a free slot included;
 * past it the call fails as retryable, so that a slow iAdvize cannot hold a delivery past its lease
 * @param deliveryTimeout the longest the calls of one delivery ({@code IAdvizeEnrichment.together}) may take in all,
 * each still within its call timeout; keep it, plus twice the two request timeouts, under {@code relay.dispatch.lease}
 * @param retry how failed calls are retried before the error goes back to the caller
 * @param cache how long visitor lookups are remembered
 * @param maxAnswerSize the largest answer read from iAdvize (each is read whole into memory); a larger successful
 * answer fails the call for good, an error answer is cut there
 */
@Validated
@ConfigurationProperties("relay.iadvize")
public record IAdvizeProperties(@DefaultValue @Valid @NotNull Rest rest, @DefaultValue @Valid @NotNull GraphQl graphql,
		@DefaultValue("2s") Duration connectTimeout, @DefaultValue("10s") Duration readTimeout,
		@DefaultValue("2m") Duration callTimeout, @DefaultValue("3m") Duration deliveryTimeout,
		@DefaultValue @Valid @NotNull Retry retry, @DefaultValue @Valid @NotNull Cache cache,
		@DefaultValue("4MB") DataSize maxAnswerSize) {

	public IAdvizeProperties {
		requirePositive(connectTimeout, "relay.iadvize.connect-timeout");
		requirePositive(readTimeout, "relay.iadvize.read-timeout");
		requirePositive(callTimeout, "relay.iadvize.call-timeout");
		requirePositive(deliveryTimeout, "relay.iadvize.delivery-timeout");
		if (maxAnswerSize == null || maxAnswerSize.toKilobytes() < 1) {
			throw new IllegalArgumentException(
					"relay.iadvize.max-answer-size must be at least 1KB, but was " + maxAnswerSize);
		}
	}

	static void requirePositive(@Nullable Duration duration, String property) {
		if (duration == null || duration.isNegative() || duration.isZero()) {
			throw new IllegalArgumentException(property + " must be positive, but was " + duration);
		}
	}

	static void requireHttpUrl(String url, String property) {
		requireHttpUrl(url, property, false);
	}

	/** @param platformPlaceholder whether the URL may hold {@link Rest#PLATFORM} (the REST base URL only) */
	static void requireHttpUrl(String url, String property, boolean platformPlaceholder) {
		if (!platformPlaceholder && url.contains(Rest.PLATFORM)) {
			throw new IllegalArgumentException(property + " cannot use " + Rest.PLATFORM + ": only "
					+ "relay.iadvize.rest.base-url does (GraphQL takes the platform as a parameter), but was '" + url
					+ "'");
		}
		String candidate = url.replace(Rest.PLATFORM, "sd");
		try {
			URI uri = URI.create(candidate);
			if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
				return;
			}
		}
		catch (IllegalArgumentException ex) {
			// reported below
		}
		throw new IllegalArgumentException(property + " must be an http(s) URL, but was '" + url + "'");
	}

	static @Nullable String blankToNull(@Nullable String value) {
		return (value == null || value.isBlank()) ? null : value;
	}

	/**
	 * The REST API v2.
	 *
	 * @param baseUrl the API's base URL; {@code {platform}} is replaced by the event's platform ({@code sd} or
	 * {@code ha}). Without the placeholder every platform uses this one URL (a proxy, a test server).
	 * @param apiKey the API key, sent as {@code X-API-Key}. Workflows that need REST refuse to start without it.
	 * @param maxConcurrentRequests the most REST requests in flight at once; more wait for a free slot
	 */
	public record Rest(@DefaultValue("https://" + Rest.PLATFORM + ".iadvize.com/api/2") String baseUrl,
			@Nullable String apiKey, @DefaultValue("8") @Min(1) @Max(200) int maxConcurrentRequests) {

		/** The placeholder in {@link #baseUrl} for the event's platform. */
		public static final String PLATFORM = "{platform}";

		public Rest {
			requireHttpUrl(baseUrl, "relay.iadvize.rest.base-url", true);
			baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
			apiKey = blankToNull(apiKey);
		}

		boolean configured() {
			return this.apiKey != null;
		}

		// A record's own toString would print the key into any log line or error that shows this object.
		@Override
		public String toString() {
			return "Rest[baseUrl=" + this.baseUrl + ", apiKey=" + ((this.apiKey != null) ? "<hidden>" : "<none>")
					+ ", maxConcurrentRequests=" + this.maxConcurrentRequests + "]";
		}

	}

	/**
	 * The GraphQL API.
	 *
	 * @param url the GraphQL endpoint; {@code platform=sd} is added for events of the standard platform
	 * @param tokenUrl the OAuth token endpoint (password grant)
	 * @param username the iAdvize user (an email) Relay logs in as
	 * @param password that user's password
	 * @param maxConcurrentRequests the most GraphQL requests in flight at once; more wait for a free slot
	 * @param tokenRefreshMargin how long before its expiry a token is replaced (tokens live 24 h)
	 * @param maxLoginsPerMinute the most logins this instance makes in any minute; iAdvize allows 10 per user, so keep
	 * some for the people and tools that share the user
	 */
	public record GraphQl(@DefaultValue("https://api.iadvize.com/graphql") String url,
			@DefaultValue("https://api.iadvize.com/oauth2/token") String tokenUrl, @Nullable String username,
			@Nullable String password, @DefaultValue("4") @Min(1) @Max(200) int maxConcurrentRequests,
			@DefaultValue("5m") Duration tokenRefreshMargin,
			@DefaultValue("5") @Min(1) @Max(10) int maxLoginsPerMinute) {

		public GraphQl {
			requireHttpUrl(url, "relay.iadvize.graphql.url");
			requireHttpUrl(tokenUrl, "relay.iadvize.graphql.token-url");
			username = blankToNull(username);
			password = blankToNull(password);
			if (tokenRefreshMargin == null || tokenRefreshMargin.isNegative()) {
				throw new IllegalArgumentException(
						"relay.iadvize.graphql.token-refresh-margin must not be negative, but was " + tokenRefreshMargin);
			}
		}

		boolean configured() {
			return this.username != null && this.password != null;
		}

		// The username is an email address and the password a secret: neither belongs in a log line.
		@Override
		public String toString() {
			return "GraphQl[url=" + this.url + ", tokenUrl=" + this.tokenUrl + ", username="
					+ ((this.username != null) ? "<hidden>" : "<none>") + ", password="
					+ ((this.password != null) ? "<hidden>" : "<none>") + ", maxConcurrentRequests="
					+ this.maxConcurrentRequests + ", tokenRefreshMargin=" + this.tokenRefreshMargin
					+ ", maxLoginsPerMinute=" + this.maxLoginsPerMinute + "]";
		}

	}

	/**
	 * Retries of failed calls (429, 5xx, timeouts, I/O errors; never other 4xx), with exponential backoff.
	 *
	 * @param maxAttempts the most attempts per call, the first included; 1 disables retries
	 * @param initialDelay the wait before the first retry
	 * @param multiplier how much each wait grows over the previous one
	 * @param maxDelay the longest wait between two attempts. A 429 whose {@code Retry-After} asks for longer is not
	 * retried here: the error goes back to the caller at once, with its {@code retryAfter()}.
	 */
	public record Retry(@DefaultValue("3") @Min(1) @Max(10) int maxAttempts,
			@DefaultValue("200ms") Duration initialDelay, @DefaultValue("2.0") double multiplier,
			@DefaultValue("5s") Duration maxDelay) {

		public Retry {
			requirePositive(initialDelay, "relay.iadvize.retry.initial-delay");
			requirePositive(maxDelay, "relay.iadvize.retry.max-delay");
			if (multiplier < 1.0 || multiplier > 10.0) {
				throw new IllegalArgumentException(
						"relay.iadvize.retry.multiplier must be between 1 and 10, but was " + multiplier);
			}
		}

	}

	/**
	 * The visitor cache.
	 *
	 * @param visitorTtl how long a visitor lookup is remembered (a {@code visitor.updated} event's lookup always asks
	 * iAdvize, and replaces what is remembered); 0 disables the cache
	 * @param visitorMaxSize the most visitors remembered at once
	 */
	public record Cache(@DefaultValue("60s") Duration visitorTtl,
			@DefaultValue("10000") @Min(1) @Max(1_000_000) int visitorMaxSize) {

		public Cache {
			if (visitorTtl == null || visitorTtl.isNegative()) {
				throw new IllegalArgumentException(
						"relay.iadvize.cache.visitor-ttl must not be negative, but was " + visitorTtl);
			}
		}

	}

}
