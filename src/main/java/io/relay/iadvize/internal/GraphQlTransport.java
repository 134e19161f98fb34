package io.relay.iadvize.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import io.relay.event.Platform;
import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import org.jspecify.annotations.Nullable;
import org.springframework.graphql.ResponseError;
import org.springframework.graphql.client.ClientGraphQlResponse;
import org.springframework.graphql.client.HttpSyncGraphQlClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.web.client.RestClientResponseException;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Queries on the GraphQL API through Spring GraphQL's {@link HttpSyncGraphQlClient}: each one with the shared
 * access token, retried, throttled and timed; {@code errors} turned into typed exceptions. A token the API calls
 * {@code invalid_token} is replaced once, then the query is sent again.
 */
final class GraphQlTransport {

	/** The request attribute that carries the token to {@link #bearerToken()}. */
	private static final String TOKEN_ATTRIBUTE = GraphQlTransport.class.getName() + ".token";

	/** How long a call whose fresh token was refused waits before it tries again (a login each time). */
	static final Duration SECOND_REFUSAL_PAUSE = Duration.ofMinutes(1);

	private final HttpSyncGraphQlClient standardPlatform;

	private final HttpSyncGraphQlClient otherPlatforms;

	private final boolean configured;

	private final AccessTokens tokens;

	private final JsonMapper json;

	private final Failures failures;

	private final Secrets secrets;

	private final ApiMetrics metrics;

	private final Retries retries;

	private final RequestSlots slots;

	GraphQlTransport(IAdvizeProperties.GraphQl settings, HttpSyncGraphQlClient client, AccessTokens tokens,
			JsonMapper json, Failures failures, Secrets secrets, ApiMetrics metrics, Retries retries) {
		// The older docs ask standard-platform accounts to add platform=sd; high-availability ones use the bare URL.
		this.standardPlatform = client.mutate()
			.url(UriComponentsBuilder.fromUriString(settings.url()).queryParam("platform", "sd").build().toUri())
			.build();
		this.otherPlatforms = client.mutate().url(settings.url()).build();
		this.configured = settings.configured();
		this.tokens = tokens;
		this.json = json;
		this.failures = failures;
		this.secrets = secrets;
		this.metrics = metrics;
		this.retries = retries;
		this.slots = new RequestSlots(settings.maxConcurrentRequests());
	}

	/** The request attribute where {@link #answerStatus()} notes the answer's HTTP status. */
	private static final String ANSWER_ATTRIBUTE = GraphQlTransport.class.getName() + ".answer";

	/**
	 * Notes each answer's status and headers in the {@link Answer} its request carries. Spring GraphQL reads a
	 * 4xx typed {@code application/graphql-response+json} as a GraphQL answer (its {@code errors}), not as an
	 * error, and the status (a 429's {@code Retry-After}, a 401's stale token) would be lost.
	 */
	static ClientHttpRequestInterceptor answerStatus() {
		return (request, body, execution) -> {
			ClientHttpResponse response = execution.execute(request, body);
			if (request.getAttributes().get(ANSWER_ATTRIBUTE) instanceof Answer answer) {
				answer.status = response.getStatusCode();
				answer.headers = new HttpHeaders(response.getHeaders());
			}
			return response;
		};
	}

	/** What {@link #answerStatus()} noted of one request's answer. */
	private static final class Answer {

		volatile @Nullable HttpStatusCode status;

		volatile HttpHeaders headers = new HttpHeaders();

	}

	/** Sets {@code Authorization: Bearer} from the request attribute each query carries. */
	static ClientHttpRequestInterceptor bearerToken() {
		return (request, body, execution) -> {
			if (request.getAttributes().get(TOKEN_ATTRIBUTE) instanceof String token) {
				request.getHeaders().setBearerAuth(token);
			}
			return execution.execute(request, body);
		};
	}

	boolean configured() {
		return this.configured;
	}

	/** The query's {@code data}. */
	JsonNode query(Platform platform, String resource, String document, Map<String, Object> variables) {
		if (!this.configured) {
			throw new IAdvizeApiException.Rejected(Api.GRAPHQL, resource, Failures.describe(Api.GRAPHQL, resource)
					+ " cannot be called: relay.iadvize.graphql.username and relay.iadvize.graphql.password are not set");
		}
		// Whether the API refused a token to this call: its retries then wait for a new token rather than send one
		// known to be refused (the fallback of the other calls).
		AtomicBoolean refusedToThisCall = new AtomicBoolean();
		return this.retries.call(Api.GRAPHQL, resource,
				() -> attempt(platform, resource, document, variables, refusedToThisCall));
	}

	private JsonNode attempt(Platform platform, String resource, String document, Map<String, Object> variables,
			AtomicBoolean refusedToThisCall) {
		AccessTokens.Token token = this.tokens.current(refusedToThisCall.get());
		try {
			return send(platform, resource, document, variables, token.value());
		}
		catch (TokenRejected refused) {
			refusedToThisCall.set(true);
			AccessTokens.Token fresh = this.tokens.replace(token);
			try {
				return send(platform, resource, document, variables, fresh.value());
			}
			catch (TokenRejected again) {
				// Two tokens refused in a row, the second fresh: either this resource refuses the user, or iAdvize
				// cannot check its tokens for a while (then every call ends here). Retried later, not given up: in
				// an outage of iAdvize's token checks, a permanent failure would send every delivery that needs
				// GraphQL DEAD, each to be replayed by hand. One that lasts ends DEAD after the delivery's attempts.
				// The second token is not marked refused, so that one resource cannot spend the login budget of all.
				throw new IAdvizeApiException.Unavailable(Api.GRAPHQL, resource,
						Failures.describe(Api.GRAPHQL, resource) + " refused a second access token in a row "
								+ "(invalid_token); if this lasts, check the rights of relay.iadvize.graphql.username",
						SECOND_REFUSAL_PAUSE, null);
			}
		}
	}

	private JsonNode send(Platform platform, String resource, String document, Map<String, Object> variables,
			String token) {
		HttpSyncGraphQlClient client = (platform == Platform.SD) ? this.standardPlatform : this.otherPlatforms;
		return this.slots.run(Api.GRAPHQL, resource, () -> this.metrics.record(Api.GRAPHQL, resource,
				() -> exchange(client, resource, document, variables, token)));
	}

	private JsonNode exchange(HttpSyncGraphQlClient client, String resource, String document,
			Map<String, Object> variables, String token) {
		Answer answer = new Answer();
		ClientGraphQlResponse response;
		try {
			response = client.document(document)
				.variables(variables)
				.attribute(TOKEN_ATTRIBUTE, token)
				.attribute(ANSWER_ATTRIBUTE, answer)
				.executeSync();
		}
		catch (RuntimeException ex) {
			throw translate(resource, ex);
		}
		return read(resource, response, answer);
	}

	private JsonNode read(String resource, ClientGraphQlResponse response, Answer answer) {
		HttpStatusCode status = answer.status;
		if (status != null && !status.is2xxSuccessful()) {
			// A typed error answer: its status decides, as for any other error status; its errors are the detail.
			// A stale token whatever the status: a 401, or errors saying so (as in a 200 answer, below).
			List<ResponseError> errors = response.getErrors();
			if (status.value() == 401 || (!errors.isEmpty() && staleToken(errors.get(0)))) {
				throw new TokenRejected();
			}
			String messages = messages(errors);
			throw this.failures.fromStatus(Api.GRAPHQL, resource, status, answer.headers,
					messages.isEmpty() ? null : messages, !errors.isEmpty());
		}
		List<ResponseError> errors = response.getErrors();
		if (!errors.isEmpty()) {
			throw fromErrors(resource, errors);
		}
		Object data = response.getData();
		if (!response.isValid() || data == null) {
			throw this.failures.unreadable(Api.GRAPHQL, resource, 200);
		}
		return this.json.valueToTree(data);
	}

	/**
	 * The first error's code decides ({@code extensions.code}, else {@code extensions.classification}): an
	 * authentication code means a stale token; {@code NOT_FOUND} not found; {@code FORBIDDEN} refused; a validation
	 * or bad-argument code (the query itself is wrong: retrying cannot help) is permanent; anything else, a missing
	 * code included, is retryable: taken as permanent, a transient server error would need a replay by hand. iAdvize
	 * does not document its codes: these are the common ones (Apollo, GraphQL Java, Spring GraphQL).
	 */
	private RuntimeException fromErrors(String resource, List<ResponseError> errors) {
		String message = Failures.describe(Api.GRAPHQL, resource) + " answered errors"
				+ this.failures.detail(messages(errors));
		ResponseError first = errors.get(0);
		String code = code(first);
		if (staleToken(first)) {
			return new TokenRejected();
		}
		return switch (code) {
			case "NOT_FOUND" -> new IAdvizeApiException.NotFound(Api.GRAPHQL, resource, message);
			case "FORBIDDEN", "UNAUTHORIZED" -> new IAdvizeApiException.AuthenticationFailed(Api.GRAPHQL, resource,
					message + " (check the rights of relay.iadvize.graphql.username)");
			case "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED", "BAD_USER_INPUT", "BAD_REQUEST",
					"VALIDATIONERROR", "INVALIDSYNTAX", "OPERATIONNOTSUPPORTED" ->
				new IAdvizeApiException.Rejected(Api.GRAPHQL, resource, message);
			default -> new IAdvizeApiException.Unavailable(Api.GRAPHQL, resource, message, null, null);
		};
	}

	/** Whether the error says the token is stale (then a new one is fetched and the query sent again). */
	private static boolean staleToken(ResponseError error) {
		String code = code(error);
		return code.equals("UNAUTHENTICATED") || code.equals("INVALID_TOKEN")
				|| String.valueOf(error.getMessage()).contains("invalid_token");
	}

	private static String messages(List<ResponseError> errors) {
		return errors.stream()
			.map((error) -> (error.getMessage() != null) ? error.getMessage() : "(no message)")
			.collect(Collectors.joining("; "));
	}

	private static String code(ResponseError error) {
		Map<String, Object> extensions = error.getExtensions();
		Object code = extensions.get("code");
		if (code == null) {
			code = extensions.get("classification");
		}
		return (code != null) ? code.toString().toUpperCase(Locale.ROOT) : "";
	}

	/**
	 * An HTTP status (Spring GraphQL throws for any status but 200 and GraphQL-typed 4xx) or an I/O failure. Of a
	 * body, only an OAuth {@code error} code or a GraphQL {@code errors} message is kept, and scrubbed. A 403 is
	 * refused credentials only with such a body ({@link Failures#isErrorAnswer}): a firewall's page is retried.
	 */
	private RuntimeException translate(String resource, RuntimeException failure) {
		RestClientResponseException http = find(failure, RestClientResponseException.class);
		if (http == null) {
			return this.failures.fromIo(Api.GRAPHQL, resource, failure);
		}
		String body = new String(http.getResponseBodyAsByteArray(), StandardCharsets.UTF_8);
		if (http.getStatusCode().value() == 401 || body.contains("invalid_token")) {
			return new TokenRejected();
		}
		HttpHeaders headers = (http.getResponseHeaders() != null) ? http.getResponseHeaders() : new HttpHeaders();
		JsonNode answer = parse(body);
		return this.failures.fromStatus(Api.GRAPHQL, resource, http.getStatusCode(), headers, detail(answer),
				Failures.isErrorAnswer(answer));
	}

	private @Nullable JsonNode parse(String body) {
		try {
			JsonNode answer = this.json.readTree(body);
			return (answer != null && answer.isObject()) ? answer : null;
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private @Nullable String detail(@Nullable JsonNode answer) {
		if (answer == null) {
			return null;
		}
		String error = Json.text(answer, "error");
		if (error != null) {
			return error;
		}
		List<String> messages = new ArrayList<>();
		answer.path("errors").forEach((item) -> {
			String text = Json.text(item, "message");
			if (text != null) {
				messages.add(text);
			}
		});
		return messages.isEmpty() ? null : this.secrets.redact(String.join("; ", messages));
	}

	private static <T extends Throwable> @Nullable T find(Throwable failure, Class<T> type) {
		Throwable current = failure;
		while (current != null) {
			if (type.isInstance(current)) {
				return type.cast(current);
			}
			current = current.getCause();
		}
		return null;
	}

}
