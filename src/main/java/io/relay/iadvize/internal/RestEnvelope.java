package io.relay.iadvize.internal;

import java.util.Locale;
import java.util.regex.Pattern;

import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place that reads the REST API's envelope:
 * {@code {"meta":{"status":"success"|"fail"|"error","message":...},"data":...,"pagination":{"page":1,"pages":3,...}}}.
 * <p>
 * The HTTP status decides first (see {@link Failures#fromStatus}). A 2xx whose envelope is not {@code success} is
 * read from its message: {@code Forbidden} means refused credentials (the documented answer to a bad key),
 * {@code Unknown '<resource>' with '<field>' ...} means not found (the documented answer to an unknown id, and only
 * that wording: see {@link #UNKNOWN_ID}). Otherwise, following the JSend convention the envelope resembles,
 * {@code fail} is the request's fault (permanent) and {@code error} the server's (retryable): an assumption, as
 * iAdvize does not document which failures use which status.
 */
final class RestEnvelope {

	/**
	 * iAdvize's answer to an id it does not know: {@code Unknown 'visitor' with 'id' 456.} Only this wording means
	 * "not found", which workflows skip quietly. Any message that merely says so ("API key not found", "Unknown
	 * parameter 'foo'") could be about the request or the server, and every delivery would be skipped without an
	 * alert: it is read as any other {@code fail} or {@code error}.
	 */
	private static final Pattern UNKNOWN_ID = Pattern.compile("unknown '[^']+' with '[^']+'");

	private final JsonMapper json;

	private final Failures failures;

	RestEnvelope(JsonMapper json, Failures failures) {
		this.json = json;
		this.failures = failures;
	}

	/** One page of an answer: {@code data} (an object or an array) and where it stands in the list. */
	record Page(JsonNode data, int page, int pages) {
	}

	Page read(String resource, HttpStatusCode status, HttpHeaders headers, byte[] body) {
		JsonNode root = parse(body);
		JsonNode meta = (root != null) ? root.path("meta") : null;
		String outcome = (meta != null) ? Json.text(meta, "status") : null;
		String message = (meta != null) ? Json.text(meta, "message") : null;
		if (!status.is2xxSuccessful()) {
			throw this.failures.fromStatus(Api.REST, resource, status, headers, message, outcome != null);
		}
		if (root == null || outcome == null) {
			throw this.failures.unreadable(Api.REST, resource, status.value());
		}
		if (!"success".equalsIgnoreCase(outcome)) {
			throw failure(resource, outcome, message);
		}
		JsonNode data = root.path("data");
		if (data.isMissingNode() || data.isNull()) {
			throw new IAdvizeApiException.NotFound(Api.REST, resource,
					Failures.describe(Api.REST, resource) + " answered success without data");
		}
		JsonNode pagination = root.path("pagination");
		int page = (int) pagination.path("page").asLong(1);
		int pages = (int) pagination.path("pages").asLong(1);
		return new Page(data, page, pages);
	}

	private IAdvizeApiException failure(String resource, String outcome, @Nullable String message) {
		String text = Failures.describe(Api.REST, resource) + " answered '" + outcome + "'"
				+ this.failures.detail(message);
		String normalized = (message != null) ? message.strip().toLowerCase(Locale.ROOT) : "";
		if (normalized.equals("forbidden") || normalized.equals("unauthorized")) {
			return new IAdvizeApiException.AuthenticationFailed(Api.REST, resource,
					text + " (check relay.iadvize.rest.api-key)");
		}
		if (UNKNOWN_ID.matcher(normalized).lookingAt()) {
			return new IAdvizeApiException.NotFound(Api.REST, resource, text);
		}
		if ("error".equalsIgnoreCase(outcome)) {
			return new IAdvizeApiException.Unavailable(Api.REST, resource, text, null, null);
		}
		return new IAdvizeApiException.Rejected(Api.REST, resource, text);
	}

	private @Nullable JsonNode parse(byte[] body) {
		if (body.length == 0) {
			return null;
		}
		try {
			JsonNode root = this.json.readTree(body);
			return (root != null && root.isObject()) ? root : null;
		}
		catch (JacksonException ex) {
			return null;
		}
	}

}
