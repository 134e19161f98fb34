package io.relay.iadvize.internal;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;

import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.system.RetryAfter;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import tools.jackson.databind.JsonNode;

/**
 * Turns what went wrong on the wire into the {@link IAdvizeApiException} kinds, the same way for both APIs. The
 * messages carry only the status, the resource and iAdvize's short message: never a request header or body.
 */
final class Failures {

	private static final int MAX_DETAIL = 200;

	private final Clock clock;

	private final Secrets secrets;

	Failures(Clock clock, Secrets secrets) {
		this.clock = clock;
		this.secrets = secrets;
	}

	/**
	 * The failure an HTTP status stands for: 401 refused credentials, 403 too when the answer is iAdvize's (else
	 * unavailable), 404 not found when it is iAdvize's REST envelope (else rejected), 408 and 5xx unavailable, 429
	 * rate limited, any other non-2xx rejected.
	 * @param fromIAdvize whether the answer is iAdvize's own: its REST envelope on REST; {@link #isErrorAnswer an
	 * error answer} on the GraphQL and token endpoints. A 403 that is not (an HTML page) is a firewall or a CDN in
	 * between, which blocks for a while: taken as refused credentials, every delivery would be given up (and a login
	 * paused). A 404 means an unknown visitor or conversation only in REST's envelope (GraphQL says "not found" in its
	 * answer, never with an HTTP 404); any other comes from a wrong URL or a proxy, and taken as "not found" it would
	 * quietly skip every delivery: it is rejected instead (dead, so that someone looks).
	 */
	IAdvizeApiException fromStatus(Api api, String resource, HttpStatusCode status, HttpHeaders headers,
			@Nullable String detail, boolean fromIAdvize) {
		String message = describe(api, resource) + " answered HTTP " + status.value() + detail(detail);
		int code = status.value();
		if (code == 403 && !fromIAdvize) {
			return new IAdvizeApiException.Unavailable(api, resource, message + ", not an answer of iAdvize's API "
					+ "(a proxy or firewall in between?)" + credentialsHint(api), retryAfter(headers), null);
		}
		if (code == 401 || code == 403) {
			return new IAdvizeApiException.AuthenticationFailed(api, resource, message + credentialsHint(api));
		}
		if (code == 408) {
			// Request Timeout: the server (or a proxy) gave up waiting; the same request may go through next time.
			return new IAdvizeApiException.Unavailable(api, resource, message, retryAfter(headers), null);
		}
		if (code == 404) {
			if (fromIAdvize && api == Api.REST) {
				return new IAdvizeApiException.NotFound(api, resource, message);
			}
			return new IAdvizeApiException.Rejected(api, resource,
					message + (fromIAdvize ? "" : ", not an answer of iAdvize's API") + urlHint(api, resource));
		}
		if (code == 429) {
			return new IAdvizeApiException.RateLimited(api, resource, message, retryAfter(headers));
		}
		if (status.is5xxServerError()) {
			return new IAdvizeApiException.Unavailable(api, resource, message, retryAfter(headers), null);
		}
		return new IAdvizeApiException.Rejected(api, resource, message);
	}

	/**
	 * A timeout, an I/O error, or another failure of the HTTP client around the exchange: retryable, except a
	 * successful answer over {@code relay.iadvize.max-answer-size}, which is rejected for good. The cause is
	 * kept only when it is an {@link IOException} from the HTTP client, whose message names at most a URL
	 * (credentials travel in headers and bodies, never in URLs).
	 */
	IAdvizeApiException fromIo(Api api, String resource, Throwable failure) {
		IOException io = ioCause(failure);
		if (io instanceof BoundedAnswers.AnswerTooLarge tooLarge) {
			// The same answer again next time: a retry cannot help, raising the limit (then a replay) can.
			return new IAdvizeApiException.Rejected(api, resource, describe(api, resource) + " answered with more "
					+ "than " + tooLarge.maxBytes() + " bytes (relay.iadvize.max-answer-size)");
		}
		String what;
		if (io == null) {
			what = "failed (" + failure.getClass().getSimpleName() + ")";
		}
		else if (io instanceof HttpTimeoutException) {
			what = "did not answer in time (" + io.getClass().getSimpleName() + ")";
		}
		else {
			what = "could not be reached (" + io.getClass().getSimpleName() + ")";
		}
		return new IAdvizeApiException.Unavailable(api, resource, describe(api, resource) + " " + what, null, io);
	}

	/**
	 * Whether an error answer of the GraphQL or the token endpoint is iAdvize's own words: a JSON object with GraphQL
	 * {@code errors}, or with an OAuth {@code error} code (RFC 6749's token errors; RFC 6750's, such as
	 * {@code insufficient_scope} with a 403, from the API). A firewall's or a CDN's block page is HTML, or JSON of
	 * another shape.
	 */
	static boolean isErrorAnswer(@Nullable JsonNode answer) {
		if (answer == null || !answer.isObject()) {
			return false;
		}
		JsonNode errors = answer.path("errors");
		return (errors.isArray() && !errors.isEmpty()) || answer.path("error").isString();
	}

	/** An answer that could not be read: a proxy's error page, a truncated body. Retryable. */
	IAdvizeApiException unreadable(Api api, String resource, int status) {
		return new IAdvizeApiException.Unavailable(api, resource,
				describe(api, resource) + " answered HTTP " + status + " with a body that is not the expected JSON",
				null, null);
	}

	/** {@code Retry-After}, as seconds or as an HTTP date (zero when already past); absent when missing or unreadable. */
	@Nullable Duration retryAfter(HttpHeaders headers) {
		return RetryAfter.of(headers, this.clock.instant());
	}

	static String describe(Api api, String resource) {
		return "iAdvize " + ((api == Api.REST) ? "REST" : "GraphQL") + " " + resource;
	}

	/** iAdvize's own words, shortened, on one line, and scrubbed of any credential it might have echoed. */
	String detail(@Nullable String detail) {
		String scrubbed = this.secrets.redact(detail);
		if (scrubbed == null || scrubbed.isBlank()) {
			return "";
		}
		String oneLine = scrubbed.strip().replaceAll("\\s+", " ");
		return ": " + ((oneLine.length() > MAX_DETAIL) ? oneLine.substring(0, MAX_DETAIL) + "..." : oneLine);
	}

	private static String urlHint(Api api, String resource) {
		if (api == Api.REST) {
			return " (check relay.iadvize.rest.base-url)";
		}
		return AccessTokens.RESOURCE.equals(resource) ? " (check relay.iadvize.graphql.token-url)"
				: " (check relay.iadvize.graphql.url)";
	}

	private static String credentialsHint(Api api) {
		return (api == Api.REST) ? " (check relay.iadvize.rest.api-key)"
				: " (check relay.iadvize.graphql.username and relay.iadvize.graphql.password)";
	}

	private static @Nullable IOException ioCause(Throwable failure) {
		Throwable current = failure;
		while (current != null) {
			if (current instanceof IOException io) {
				return io;
			}
			current = current.getCause();
		}
		return null;
	}

}
