package io.relay.iadvize;

import java.time.Duration;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * Every failure of {@link IAdvizeEnrichment}. It tells the caller whether the same call may succeed later
 * ({@link #retryable()}, and when: {@link #retryAfter()}) or never will. Messages name the API, the resource and
 * what went wrong; they never contain an API key, a password or a token.
 * <p>
 * The kinds: {@link NotFound} and {@link AuthenticationFailed} and {@link Rejected} are permanent;
 * {@link RateLimited} and {@link Unavailable} are not.
 */
public abstract sealed class IAdvizeApiException extends RuntimeException {

	private final Api api;

	private final String resource;

	private final boolean retryable;

	private final @Nullable Duration retryAfter;

	private IAdvizeApiException(Api api, String resource, String message, boolean retryable,
			@Nullable Duration retryAfter, @Nullable Throwable cause) {
		super(message, cause);
		this.api = api;
		this.resource = resource;
		this.retryable = retryable;
		this.retryAfter = retryAfter;
	}

	/** Whether the same call may succeed later: {@code false} means give up. */
	public boolean retryable() {
		return this.retryable;
	}

	/** How long iAdvize asked to wait before trying again ({@code Retry-After}), when it said so. */
	public Optional<Duration> retryAfter() {
		return Optional.ofNullable(this.retryAfter);
	}

	/** The API that failed. */
	public Api api() {
		return this.api;
	}

	/** What was asked for: {@code visitor}, {@code conversation}, {@code operator}, {@code token}... */
	public String resource() {
		return this.resource;
	}

	/**
	 * The resource does not exist: a REST HTTP 404 in iAdvize's envelope, a REST answer
	 * {@code Unknown '<resource>' with '<field>' ...} (no other message, whatever it says), a GraphQL
	 * {@code NOT_FOUND} error or an empty result. Permanent.
	 */
	public static final class NotFound extends IAdvizeApiException {

		public NotFound(Api api, String resource, String message) {
			super(api, resource, message, false, null, null);
		}

	}

	/**
	 * The credentials were refused: a REST HTTP 401, a 403 in its envelope or a {@code Forbidden} answer; a refused
	 * GraphQL login; a GraphQL 403 with {@code errors} (or an OAuth {@code error}), or a {@code FORBIDDEN} or
	 * {@code UNAUTHORIZED} error. A 403 not in iAdvize's words is a firewall's or a CDN's page: {@link Unavailable}.
	 * (A GraphQL 401 is a stale token, replaced.) Permanent until someone fixes the configuration.
	 */
	public static final class AuthenticationFailed extends IAdvizeApiException {

		public AuthenticationFailed(Api api, String resource, String message) {
			super(api, resource, message, false, null, null);
		}

	}

	/**
	 * The request cannot succeed as it is: another 4xx, a 404 that is not iAdvize's REST answer (a wrong URL), a REST
	 * {@code fail} answer, GraphQL validation errors (GraphQL errors without a known code are {@link Unavailable}), an
	 * answer over {@code relay.iadvize.max-answer-size}, an event that lacks the id the lookup needs, or credentials
	 * that are not configured. Permanent.
	 */
	public static final class Rejected extends IAdvizeApiException {

		public Rejected(Api api, String resource, String message) {
			super(api, resource, message, false, null, null);
		}

	}

	/** iAdvize asked to slow down (HTTP 429). Retryable, after {@link #retryAfter()} when given. */
	public static final class RateLimited extends IAdvizeApiException {

		public RateLimited(Api api, String resource, String message, @Nullable Duration retryAfter) {
			super(api, resource, message, true, retryAfter, null);
		}

	}

	/**
	 * iAdvize could not answer now: a 5xx, a timeout, an I/O error, an unreadable answer, a 403 not in iAdvize's words
	 * (a firewall in between), a REST {@code error} answer, GraphQL errors without a known code. Retryable.
	 */
	public static final class Unavailable extends IAdvizeApiException {

		public Unavailable(Api api, String resource, String message, @Nullable Duration retryAfter,
				@Nullable Throwable cause) {
			super(api, resource, message, true, retryAfter, cause);
		}

	}

}
