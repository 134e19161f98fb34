package io.relay.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.time.Clock;
import java.util.Arrays;

import io.relay.event.EventParser;
import io.relay.event.IAdvizeEvent;
import io.relay.event.MalformedEventException;
import io.relay.event.PayloadFormat;
import io.relay.inbox.Inbox;
import io.relay.inbox.InboxUnavailableException;
import io.relay.inbox.IncomingEvent;
import io.relay.inbox.QuarantinedDelivery;
import io.relay.inbox.Receipt;
import io.relay.system.LogText;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /webhooks/iadvize}. The order matters: media type, size, then signature over the raw bytes, then
 * parsing, then the durable store, and only then the answer.
 */
@RestController
class WebhookController {

	static final String SIGNATURE = "X-iAdvize-Signature";

	static final String DELIVERY = "X-iAdvize-Delivery";

	static final String CORRELATION = "X-iAdvize-CorrelationId";

	private static final int MAX_HEADER_LENGTH = 255;

	/** Bodies up to this size are read into an array of their declared size at once (iAdvize's events: 1-4 KiB). */
	private static final int EAGER_BODY_BYTES = 8 * 1024;

	private static final Logger logger = LoggerFactory.getLogger(WebhookController.class);

	/**
	 * Its own mapper, as the parser has: the answer's shape is a contract with iAdvize and the docs, which
	 * {@code spring.jackson.*} (a naming strategy, say) must not change.
	 */
	private static final JsonMapper json = JsonMapper.builder().build();

	private final SignatureVerifier verifier;

	private final EventParser parser = new EventParser();

	private final Inbox inbox;

	private final WebhookMetrics metrics;

	private final Clock clock;

	private final long maxBodyBytes;

	WebhookController(SignatureVerifier verifier, Inbox inbox, WebhookMetrics metrics, Clock clock,
			WebhookProperties properties) {
		this.verifier = verifier;
		this.inbox = inbox;
		this.metrics = metrics;
		this.clock = clock;
		this.maxBodyBytes = properties.maxBodySize().toBytes();
	}

	// No consumes or produces: Spring's checks would refuse a delivery with a charset Java does not know (415) or an
	// Accept header without JSON (406) before this method runs, so the event would be lost and not even counted.
	// The Content-Type is checked below; the answer is JSON whatever the Accept header says.
	// With a trailing slash too: a callback URL pasted so would otherwise lose every event to a 404 that nothing in
	// Relay's webhook metrics counts (Spring no longer matches it on its own).
	@PostMapping(path = { "/webhooks/iadvize", "/webhooks/iadvize/" })
	@Operation(summary = "Receive one iAdvize webhook delivery", requestBody = @RequestBody(required = true,
			description = "The event as iAdvize sends it, signed by X-iAdvize-Signature over these exact bytes",
			content = { @Content(mediaType = MediaType.APPLICATION_JSON_VALUE),
					@Content(mediaType = MediaType.APPLICATION_FORM_URLENCODED_VALUE) }))
	@ApiResponse(responseCode = "202", description = "First delivery of the event: stored",
			content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
					schema = @Schema(implementation = Acknowledgement.class)))
	@ApiResponse(responseCode = "200", description = "Later delivery of an event already stored",
			content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
					schema = @Schema(implementation = Acknowledgement.class)))
	ResponseEntity<byte[]> receive(HttpServletRequest request,
			@RequestHeader(name = SIGNATURE, required = false) @Nullable String signature,
			@RequestHeader(name = DELIVERY, required = false) @Nullable String deliveryId,
			@RequestHeader(name = CORRELATION, required = false) @Nullable String correlationId)
			throws IOException, InboxUnavailableException {
		long start = System.nanoTime();
		MediaType contentType = contentType(request.getContentType());
		byte[] body = readBody(request);
		if (!this.verifier.verify(body, signature)) {
			this.metrics.rejected(WebhookRejection.Reason.SIGNATURE);
			throw new WebhookRejection(WebhookRejection.Reason.SIGNATURE, (signature == null)
					? "the " + SIGNATURE + " header is missing"
					: "the " + SIGNATURE + " header does not match the body under any configured secret");
		}
		// A UTF-8 JSON body labelled ISO-8859-1 is read, and stored to be read again, as the UTF-8 it is.
		Charset reading = EventParser.readingCharset(body, PayloadFormat.of(contentType), contentType.getCharset());
		if (reading != null && !reading.equals(contentType.getCharset())) {
			contentType = new MediaType(contentType, reading);
		}
		IAdvizeEvent event = parse(body, contentType, deliveryId, correlationId);
		MDC.put(WebhookLoggingContext.EVENT_ID, event.eventId());
		Receipt receipt;
		try {
			// The headers are informational once the event has its id (a correlation id used as the id is at most
			// 255 characters, or the event is malformed): an overlong one is cut, not a reason to lose the event.
			receipt = this.inbox.receive(new IncomingEvent(event, storedContentType(contentType), body,
					truncate(deliveryId), truncate(correlationId), this.clock.instant()));
		}
		catch (InboxUnavailableException ex) {
			this.metrics.rejected(WebhookRejection.Reason.UNAVAILABLE);
			throw ex;
		}
		this.metrics.acknowledged(event.eventType(), receipt.duplicate(), System.nanoTime() - start);
		logger.debug("{} {} {}", receipt.duplicate() ? "Duplicate" : "Accepted", LogText.printable(event.eventType()),
				event.eventId());
		Acknowledgement answer = receipt.duplicate() ? Acknowledgement.duplicate(receipt.eventId())
				: Acknowledgement.accepted(receipt.eventId());
		// As bytes, so that the answer goes out with a Content-Length in one write: the JSON converter flushes
		// before the end of the request, which makes Tomcat send it chunked (a second write for the last chunk),
		// about a tenth of the throughput of this endpoint on 2 cores (docs/benchmarks.md).
		return ResponseEntity.status(receipt.duplicate() ? HttpStatus.OK : HttpStatus.ACCEPTED)
			.contentType(MediaType.APPLICATION_JSON)
			.body(json.writeValueAsBytes(answer));
	}

	private IAdvizeEvent parse(byte[] body, MediaType contentType, @Nullable String deliveryId,
			@Nullable String correlationId) throws InboxUnavailableException {
		try {
			return this.parser.parseIncoming(body, PayloadFormat.of(contentType), contentType.getCharset(), correlationId);
		}
		catch (MalformedEventException ex) {
			// Signed, so it really came from iAdvize: keep it for an operator, since iAdvize will not fix it.
			try {
				// The content type as an event keeps it (type and charset): read again as the webhook reads it.
				this.inbox.quarantine(new QuarantinedDelivery(ex.getMessage(), storedContentType(contentType), body,
						truncate(deliveryId), truncate(correlationId), this.clock.instant()));
				this.metrics.quarantined();
			}
			catch (InboxUnavailableException unavailable) {
				this.metrics.rejected(WebhookRejection.Reason.UNAVAILABLE);
				throw unavailable;
			}
			this.metrics.rejected(WebhookRejection.Reason.MALFORMED);
			throw new WebhookRejection(WebhookRejection.Reason.MALFORMED, ex.getMessage());
		}
	}

	private byte[] readBody(HttpServletRequest request) {
		long declaredLength = request.getContentLengthLong();
		if (declaredLength > this.maxBodyBytes) {
			throw tooLarge();
		}
		try {
			return readBody(request, declaredLength);
		}
		catch (IOException ex) {
			// The client closed or stalled mid-body (Tomcat's read timeout): its fault, answered as such if it still
			// listens. The connection, not the body, is logged: there is nothing verified to quote.
			logger.debug("Could not read a webhook body: {}", ex.toString());
			this.metrics.rejected(WebhookRejection.Reason.MALFORMED);
			throw new WebhookRejection(WebhookRejection.Reason.MALFORMED, (declaredLength >= 0)
					? "the body ended before its Content-Length (" + declaredLength + " bytes) arrived"
					: "the body could not be read to its end");
		}
	}

	private byte[] readBody(HttpServletRequest request, long declaredLength) throws IOException {
		try (InputStream in = request.getInputStream()) {
			if (declaredLength >= 0 && declaredLength <= EAGER_BODY_BYTES) {
				// With a Content-Length (iAdvize sends one), straight into one array of that size:
				// readNBytes(max + 1) went through 16 KiB buffers and a copy for every request.
				byte[] body = new byte[(int) declaredLength];
				int read = in.readNBytes(body, 0, body.length);
				return (read == body.length) ? body : Arrays.copyOf(body, read);
			}
			if (declaredLength >= 0) {
				// Larger: memory as the bytes arrive, not as declared. Nothing is verified yet, and a client that
				// declares the limit and then stalls must not hold that much per connection.
				return in.readNBytes((int) declaredLength);
			}
			// Chunked: read up to one byte past the limit to know that the body is too large.
			byte[] body = in.readNBytes((int) this.maxBodyBytes + 1);
			if (body.length > this.maxBodyBytes) {
				throw tooLarge();
			}
			return body;
		}
	}

	private WebhookRejection tooLarge() {
		this.metrics.rejected(WebhookRejection.Reason.TOO_LARGE);
		return new WebhookRejection(WebhookRejection.Reason.TOO_LARGE,
				"the body is larger than relay.webhook.max-body-size (" + this.maxBodyBytes + " bytes)");
	}

	/**
	 * The request's media type, JSON or form. A charset Java does not know is dropped rather than refused: the header
	 * is not signed, JSON has no charset parameter (RFC 8259: Jackson detects the encoding) and a form is then read as
	 * UTF-8; the stored body keeps the bytes as received either way.
	 */
	private MediaType contentType(@Nullable String header) {
		if (header == null || header.isBlank()) {
			throw unsupported("the Content-Type header is missing: send application/json or "
					+ "application/x-www-form-urlencoded");
		}
		MediaType type;
		try {
			type = MediaType.parseMediaType(header);
		}
		catch (InvalidMediaTypeException ex) {
			// Spring refuses a whole media type over an unknown charset (charset=nope) or one odd parameter: keep the
			// type and the parameters it takes, so that a valid charset beside an odd parameter is still used.
			type = leniently(header);
		}
		if (!MediaType.APPLICATION_JSON.includes(type) && !MediaType.APPLICATION_FORM_URLENCODED.includes(type)) {
			throw unsupported("Content-Type '" + type.getType() + "/" + type.getSubtype() + "' is not supported: send "
					+ "application/json or application/x-www-form-urlencoded");
		}
		return type;
	}

	private MediaType leniently(String header) {
		String[] parts = header.split(";");
		MediaType type;
		try {
			// Nothing but semicolons splits into no part at all.
			type = MediaType.parseMediaType((parts.length > 0) ? parts[0] : "");
		}
		catch (InvalidMediaTypeException ex) {
			throw unsupported("the Content-Type header is not a media type: send application/json or "
					+ "application/x-www-form-urlencoded");
		}
		for (int i = 1; i < parts.length; i++) {
			try {
				MediaType withParameter = MediaType.parseMediaType(type + ";" + parts[i]);
				type = withParameter;
			}
			catch (InvalidMediaTypeException ex) {
				// This parameter alone is left out.
			}
		}
		return type;
	}

	private WebhookRejection unsupported(String message) {
		this.metrics.rejected(WebhookRejection.Reason.UNSUPPORTED_MEDIA_TYPE);
		return new WebhookRejection(WebhookRejection.Reason.UNSUPPORTED_MEDIA_TYPE, message);
	}

	/**
	 * What the body's re-reading for dispatch needs of its Content-Type: the media type and the charset. Only these,
	 * since the header is not signed: a replayed body with a long parameter added must not break the column.
	 */
	private static String storedContentType(MediaType contentType) {
		String charset = contentType.getParameter("charset");
		return (charset != null) ? contentType.getType() + "/" + contentType.getSubtype() + ";charset=" + charset
				: contentType.getType() + "/" + contentType.getSubtype();
	}

	private static @Nullable String truncate(@Nullable String header) {
		return (header == null || header.length() <= MAX_HEADER_LENGTH) ? header
				: header.substring(0, MAX_HEADER_LENGTH);
	}

	/**
	 * The answer to a delivery that was stored (or had been already).
	 *
	 * @param status {@code accepted} for the first delivery of an event, {@code duplicate} for any later one
	 */
	record Acknowledgement(String eventId, String status) {

		static Acknowledgement accepted(String eventId) {
			return new Acknowledgement(eventId, "accepted");
		}

		static Acknowledgement duplicate(String eventId) {
			return new Acknowledgement(eventId, "duplicate");
		}

	}

}
