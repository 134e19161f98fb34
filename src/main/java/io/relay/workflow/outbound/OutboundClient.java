package io.relay.workflow.outbound;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.net.ssl.SSLHandshakeException;

import io.relay.system.RetryAfter;
import io.relay.system.SecretText;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends a workflow's requests to its target: authenticated, signed (Standard Webhooks), with an
 * {@code Idempotency-Key}, at most {@code max-concurrent-requests} at once, and every answer mapped to success,
 * retry or permanent failure:
 * <ul>
 * <li>2xx: success;</li>
 * <li>408, 429, 5xx, timeouts and I/O errors: retry, after {@code Retry-After} when the answer has one;</li>
 * <li>3xx (redirects are not followed: they would carry the credentials elsewhere) and any other 4xx: permanent,
 * with the answer's body, shortened, in the message.</li>
 * </ul>
 * Thread-safe; one per workflow, made by {@link OutboundClients}.
 */
public final class OutboundClient {

	/** The most of a 2xx body that is read (enough for any id); the rest is ignored. */
	static final int MAX_BODY = 1024 * 1024;

	/** The most of a failed answer's body that is kept in the error. */
	static final int MAX_ERROR_BODY = 500;

	/** A {@code Retry-After} longer than this is shortened to it. */
	static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

	private static final Logger logger = LoggerFactory.getLogger(OutboundClient.class);

	private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

	/** JSON as Python's json.dumps writes it by default: every non-ASCII character escaped. */
	private static final JsonMapper ASCII_JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

	/** A form body: {@code name=value&...}, without spaces, quotes or brackets (which markup or JSON would have). */
	private static final Pattern FORM = Pattern.compile("[^\\s<>{}\"]*=[^\\s<>{}\"]*");

	private final String workflow;

	private final RestClient client;

	private final OutboundProperties.Auth auth;

	private final StandardWebhooks signer;

	private final Semaphore permits;

	private final Duration acquireTimeout;

	private final int maxConcurrentRequests;

	/** The credentials, hidden in any form a target echoes them (escaped, encoded, cut short). */
	private final SecretText secrets;

	private final Clock clock;

	OutboundClient(String workflow, OutboundProperties properties, RestClient client, Clock clock) {
		this.workflow = workflow;
		this.client = client;
		this.auth = properties.auth();
		this.signer = StandardWebhooks.of(properties.signingSecrets());
		this.maxConcurrentRequests = properties.maxConcurrentRequests();
		this.permits = new Semaphore(properties.maxConcurrentRequests(), true);
		this.acquireTimeout = properties.acquireTimeout();
		List<String> secrets = new ArrayList<>(this.auth.secrets());
		secrets.addAll(properties.signingSecrets());
		if (this.auth.type() == OutboundProperties.AuthType.BASIC) {
			secrets.add(basic(this.auth));
		}
		this.secrets = SecretText.of(secrets, 4);
		this.clock = clock;
	}

	/**
	 * Sends one request.
	 * @param idempotencyKey the delivery's {@code Idempotency-Key}; the {@code webhook-id} derives from it
	 * @return the 2xx answer
	 * @throws OutboundException for anything else, saying whether to retry
	 */
	public OutboundResponse send(OutboundRequest request, String idempotencyKey) throws OutboundException {
		String target = request.method() + " " + describe(request.uri());
		acquire(target);
		try {
			long started = System.nanoTime();
			Answer answer = exchange(request, idempotencyKey, target);
			logger.debug("{}: {} answered {} in {} ms", this.workflow, target, answer.status(),
					TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
			return map(answer, target, request);
		}
		finally {
			this.permits.release();
		}
	}

	private void acquire(String target) throws OutboundException {
		try {
			if (!this.permits.tryAcquire(this.acquireTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
				throw OutboundException.retryableNotActedOn(this.workflow + ": " + target + " not sent: "
						+ this.maxConcurrentRequests + " requests to this target were already in flight for "
						+ this.acquireTimeout + " (max-concurrent-requests)", null, null, null);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw OutboundException.retryableNotActedOn(this.workflow + ": " + target + " not sent: interrupted",
					null, null, ex);
		}
	}

	private Answer exchange(OutboundRequest request, String idempotencyKey, String target) throws OutboundException {
		String id = StandardWebhooks.messageId(idempotencyKey);
		long timestamp = this.clock.instant().getEpochSecond();
		byte[] body = request.body();
		try {
			return this.client.method(request.method()).uri(request.uri()).headers((headers) -> {
				request.headers().forEach(headers::set);
				if (!headers.containsHeader(HttpHeaders.CONTENT_TYPE)) {
					headers.setContentType(MediaType.APPLICATION_JSON);
				}
				if (!headers.containsHeader(HttpHeaders.ACCEPT)) {
					headers.setAccept(List.of(MediaType.APPLICATION_JSON, MediaType.ALL));
				}
				authenticate(headers);
				headers.set(IDEMPOTENCY_KEY, idempotencyKey);
				if (this.signer.enabled()) {
					headers.set(StandardWebhooks.ID, id);
					headers.set(StandardWebhooks.TIMESTAMP, Long.toString(timestamp));
					headers.set(StandardWebhooks.SIGNATURE, this.signer.sign(id, timestamp, body));
				}
			})
				// Written as raw bytes, never through a message converter: converters log bodies at DEBUG, and this
				// one holds personal data.
				.body((output) -> output.write(body))
				.exchange((clientRequest, response) -> new Answer(response.getStatusCode().value(),
						response.getHeaders(), read(response.getBody(), response.getStatusCode().is2xxSuccessful()
								? MAX_BODY : MAX_ERROR_BODY * 4)));
		}
		catch (ResourceAccessException ex) {
			throw io(target, ex);
		}
		catch (RestClientException ex) {
			throw io(target, ex);
		}
	}

	private void authenticate(HttpHeaders headers) {
		switch (this.auth.type()) {
			case NONE -> {
			}
			case BEARER -> headers.setBearerAuth(String.valueOf(this.auth.token()));
			case BASIC -> headers.set(HttpHeaders.AUTHORIZATION, "Basic " + basic(this.auth));
			case API_KEY -> headers.set(this.auth.headerName(), String.valueOf(this.auth.apiKey()));
		}
	}

	private OutboundResponse map(Answer answer, String target, OutboundRequest request) throws OutboundException {
		int status = answer.status();
		if (status >= 200 && status < 300) {
			return new OutboundResponse(status, answer.headers(), answer.body());
		}
		String message = this.workflow + ": " + target + " answered HTTP " + status
				+ detail(answer.body(), request);
		// 409 and 425: a receiver that honours Idempotency-Key answers so while it still processes an earlier
		// request with this key (a retry after our timeout); taken as final, that request's outcome would be lost.
		if (status == 429) {
			// Too many requests: refused before any work, so it binds nothing to the key.
			return throwing(OutboundException.retryableNotActedOn(message, retryAfter(answer.headers()), status, null));
		}
		if (status == 408 || status == 409 || status == 425 || status >= 500) {
			return throwing(OutboundException.retryable(message, retryAfter(answer.headers()), status, null));
		}
		if (status == 303) {
			// See Other: the usual answer to a POST that was carried out, pointing at its result. Not followed, but
			// not "nothing was done" either: a create must not be sent again under another key.
			return throwing(OutboundException.permanentMaybeActedOn(message + " (redirects are not followed: "
					+ "configure the final URL; the target may have acted on the request)", status));
		}
		if (status >= 300 && status < 400) {
			return throwing(OutboundException.permanent(message + " (redirects are not followed: configure the final "
					+ "URL)", status));
		}
		return throwing(OutboundException.permanent(message, status));
	}

	private static OutboundResponse throwing(OutboundException ex) throws OutboundException {
		throw ex;
	}

	private OutboundException io(String target, Exception failure) {
		IOException io = ioCause(failure);
		String what;
		if (neverConnected(io)) {
			return OutboundException.retryableNotActedOn(this.workflow + ": " + target + " could not be reached ("
					+ io.getClass().getSimpleName() + ")", null, null, io);
		}
		if (io instanceof HttpTimeoutException) {
			what = "did not answer in time (" + io.getClass().getSimpleName() + ")";
		}
		else if (io != null) {
			what = "could not be reached (" + io.getClass().getSimpleName() + ")";
		}
		else {
			what = "failed (" + failure.getClass().getSimpleName() + ")";
		}
		return OutboundException.retryable(this.workflow + ": " + target + " " + what, null, null, io);
	}

	/**
	 * The answer's own words, on one line, shortened, scrubbed of every configured secret and of the values the
	 * request carried ({@link #sentValues}: a key a template put in a header or the query, the visitor's data in the
	 * body), looked for only when the answer has a body.
	 */
	private String detail(byte[] body, OutboundRequest request) {
		if (body.length == 0) {
			return "";
		}
		List<String> sent = sentValues(request);
		String text = new String(body, StandardCharsets.UTF_8);
		text = this.secrets.hide(text);
		if (!sent.isEmpty()) {
			// One pass, in any case (a target that repeats an address often lowers it: Ada@Example.com answered as
			// ada@example.com); the values are longest first, which the alternation tries in that order. As written
			// only, not in every form as the credentials: a body's values (a transcript) can number thousands.
			text = Pattern
				.compile(sent.stream().map(Pattern::quote).collect(Collectors.joining("|")),
						Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE)
				.matcher(text)
				.replaceAll(SecretText.HIDDEN);
		}
		text = text.strip().replaceAll("\\s+", " ");
		if (text.isEmpty()) {
			return "";
		}
		return ": " + ((text.length() > MAX_ERROR_BODY) ? text.substring(0, MAX_ERROR_BODY) + "…" : text);
	}

	/**
	 * The values this request carried, of 4 characters or more: its own headers and query parameters (raw and
	 * decoded), and its body's (a JSON body's strings but the template's own words, a form's fields): the visitor's
	 * email, name or phone number that a target's error answer repeats ({@code email ada@example.com is invalid})
	 * stays out of the error, which is logged and kept with the delivery.
	 */
	static List<String> sentValues(OutboundRequest request) {
		List<String> values = new ArrayList<>(request.headers().values());
		String query = request.uri().getRawQuery();
		if (query != null) {
			addFieldValues(query, values);
		}
		List<String> body = new ArrayList<>();
		addBodyValues(request.body(), body);
		// The template's own words are kept: a 4xx about them ("channel 'CHAT' is not one of...") says what to fix.
		body.stream().filter((value) -> !request.fixedText().contains(value)).forEach(values::add);
		// Longest first, so that a value is never left half-hidden by a shorter one it contains.
		return values.stream()
			.filter((value) -> value.length() >= 4)
			.distinct()
			.sorted(Comparator.comparingInt(String::length).reversed())
			.toList();
	}

	/** The values of {@code name=value&...} (a query, a form), raw and decoded. */
	private static void addFieldValues(String fields, List<String> values) {
		for (String field : fields.split("&")) {
			String value = field.substring(field.indexOf('=') + 1);
			values.add(value);
			try {
				values.add(URLDecoder.decode(value, StandardCharsets.UTF_8));
			}
			catch (IllegalArgumentException ex) {
				// not percent-encoding: the raw value is there already
			}
		}
	}

	/** The strings of a JSON body, as written and as read, or a form body's field values; nothing of other bodies. */
	private static void addBodyValues(byte[] body, List<String> values) {
		if (body.length == 0) {
			return;
		}
		try {
			addStrings(OutboundTemplate.json.readTree(body), values);
			return;
		}
		catch (JacksonException ex) {
			// not JSON
		}
		String text = new String(body, StandardCharsets.UTF_8);
		if (FORM.matcher(text).matches()) {
			addFieldValues(text, values);
		}
	}

	private static void addStrings(JsonNode node, List<String> values) {
		if (node.isString()) {
			values.add(node.stringValue());
			// Escaped, as an answer that quotes the request's JSON would write it: as Relay writes JSON, and with
			// every non-ASCII character escaped (Zo\u00e9), as Python's json.dumps does by default.
			for (JsonMapper writer : List.of(OutboundTemplate.json, ASCII_JSON)) {
				String written = writer.writeValueAsString(node);
				values.add(written.substring(1, written.length() - 1));
			}
		}
		else if (node.isContainer()) {
			node.values().forEach((child) -> addStrings(child, values));
		}
	}

	/** {@code Retry-After} as seconds or an HTTP date; absent when missing or unreadable; at most an hour. */
	@Nullable Duration retryAfter(HttpHeaders headers) {
		Duration wait = RetryAfter.of(headers, this.clock.instant());
		return (wait != null && wait.compareTo(MAX_RETRY_AFTER) > 0) ? MAX_RETRY_AFTER : wait;
	}

	/** A URL as it may appear in a message: scheme, host, port and path; never the query, which may hold a key. */
	static String describe(URI uri) {
		StringBuilder text = new StringBuilder();
		if (uri.getScheme() != null) {
			text.append(uri.getScheme()).append("://");
		}
		if (uri.getHost() != null) {
			text.append(uri.getHost());
		}
		if (uri.getPort() != -1) {
			text.append(':').append(uri.getPort());
		}
		if (uri.getRawPath() != null) {
			text.append(uri.getRawPath());
		}
		return text.toString();
	}

	private static String basic(OutboundProperties.Auth auth) {
		return Base64.getEncoder()
			.encodeToString((auth.username() + ":" + auth.password()).getBytes(StandardCharsets.UTF_8));
	}

	private static byte[] read(InputStream body, int limit) throws IOException {
		try (body) {
			return body.readNBytes(limit);
		}
	}

	/** Failures before the request could be written: the receiver never saw it. */
	private static boolean neverConnected(@Nullable IOException io) {
		return io instanceof ConnectException || io instanceof HttpConnectTimeoutException
				|| io instanceof UnknownHostException || io instanceof NoRouteToHostException
				|| io instanceof SSLHandshakeException;
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

	@Override
	public String toString() {
		return "OutboundClient[" + this.workflow + "]";
	}

	private record Answer(int status, HttpHeaders headers, byte[] body) {
	}

}
