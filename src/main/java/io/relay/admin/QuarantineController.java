package io.relay.admin;

import java.nio.charset.Charset;
import java.util.Objects;

import io.relay.event.EventParser;
import io.relay.event.IAdvizeEvent;
import io.relay.event.MalformedEventException;
import io.relay.event.PayloadFormat;
import io.relay.inbox.Inbox;
import io.relay.inbox.InboxUnavailableException;
import io.relay.inbox.IncomingEvent;
import io.relay.inbox.Receipt;
import io.relay.system.LogText;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.domain.PageImpl;
import org.springframework.data.web.PagedModel;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The quarantine: correctly signed deliveries that Relay could not read as an event. iAdvize does not send them
 * again (it was told 400), so they are kept for an operator, who can look at them and, once a Relay that reads them
 * runs (an upgrade that fixed the parsing, say), have them stored as events: deduplicated and dispatched as if the
 * webhook had accepted them, with their original receive time.
 */
@RestController
@RequestMapping("/admin/api/quarantine")
class QuarantineController {

	private static final Logger logger = LoggerFactory.getLogger(QuarantineController.class);

	private final AdminQueries queries;

	private final Inbox inbox;

	private final EventParser parser = new EventParser();

	private final TransactionTemplate transactions;

	QuarantineController(AdminQueries queries, Inbox inbox, PlatformTransactionManager transactions) {
		this.queries = queries;
		this.inbox = inbox;
		this.transactions = new TransactionTemplate(transactions);
	}

	/** The quarantined deliveries, newest first, without their bodies. */
	@GetMapping
	PagedModel<AdminViews.QuarantinedSummary> list(
			@Parameter(schema = @Schema(type = "integer", format = "int32", defaultValue = "0")) @RequestParam(
					required = false) @Nullable String page,
			@Parameter(schema = @Schema(type = "integer", format = "int32",
					defaultValue = Paging.DEFAULT_SIZE)) @RequestParam(required = false) @Nullable String size) {
		Paging paging = Paging.of(page, size);
		AdminQueries.QuarantineListing listing = this.queries.quarantine(paging.page(), paging.size());
		return new PagedModel<>(new PageImpl<>(listing.content(), paging.request(), listing.total()));
	}

	@GetMapping("/{id}")
	AdminViews.QuarantinedDetail quarantined(@PathVariable long id) {
		return this.queries.quarantined(id).orElseThrow(() -> notFound(id)).detail();
	}

	/**
	 * Reads the delivery again, as the webhook would now, and stores it as an event: {@code 202} accepted, or
	 * {@code 200} when that event is already stored (iAdvize sent it again, fixed). Either way it leaves the
	 * quarantine. Still unreadable: {@code 422}, and it stays.
	 */
	@PostMapping("/{id}/accept")
	@ApiResponse(responseCode = "202", description = "Stored as a new event, and out of the quarantine")
	@ApiResponse(responseCode = "200", description = "The event was already stored: out of the quarantine")
	@ApiResponse(responseCode = "404", description = "No such quarantined delivery (or accepted meanwhile)",
			content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
	@ApiResponse(responseCode = "422", description = "Still not a readable event: it stays",
			content = @Content(mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
	ResponseEntity<AdminViews.Acceptance> accept(@PathVariable long id) {
		// One accept of a delivery at a time: its row stays locked until it is released in the same transaction, so
		// a second accept waits, then finds it gone (404) rather than storing the event again as a duplicate. The
		// event itself is stored by the inbox's writer, on its own connection.
		return Objects.requireNonNull(this.transactions.execute((status) -> acceptLocked(id)));
	}

	private ResponseEntity<AdminViews.Acceptance> acceptLocked(long id) {
		AdminQueries.Quarantined delivery = this.queries.quarantinedForUpdate(id).orElseThrow(() -> notFound(id));
		MediaType contentType = contentType(delivery.contentType());
		// Read, and stored to be read again, with the charset the webhook would read it with now (quarantined before
		// that rule, a UTF-8 JSON body labelled ISO-8859-1 kept its label).
		Charset reading = EventParser.readingCharset(delivery.payload(), PayloadFormat.of(contentType),
				contentType.getCharset());
		boolean relabelled = reading != null && !reading.equals(contentType.getCharset());
		if (relabelled) {
			contentType = new MediaType(contentType, reading);
		}
		IAdvizeEvent event;
		try {
			event = this.parser.parseIncoming(delivery.payload(), PayloadFormat.of(contentType), contentType.getCharset(),
					delivery.correlationId());
		}
		catch (MalformedEventException ex) {
			throw stillUnreadable(id, ex.getMessage());
		}
		String correlationId = delivery.correlationId();
		if (correlationId != null && correlationId.length() >= EventParser.MAX_ID_LENGTH
				&& event.eventId().equals(correlationId)) {
			// The webhook keeps at most that much of a header; a longer correlation id (refused as an id) was cut.
			throw stillUnreadable(id, "its body has no eventId, and its X-iAdvize-CorrelationId, which would be the "
					+ "event's id, was kept cut to " + EventParser.MAX_ID_LENGTH + " characters");
		}
		Receipt receipt;
		try {
			receipt = this.inbox.receive(new IncomingEvent(event,
					(delivery.contentType() != null && !relabelled) ? delivery.contentType() : contentType.toString(),
					delivery.payload(), delivery.deliveryId(), delivery.correlationId(), delivery.receivedAt()));
		}
		catch (InboxUnavailableException ex) {
			logger.warn("Could not store quarantined delivery {} as an event: {}", id, ex.getMessage(), ex.getCause());
			throw AdminController.problem(HttpStatus.SERVICE_UNAVAILABLE,
					"The event could not be stored (" + ex.getMessage() + "): it stays in the quarantine, try again");
		}
		this.inbox.release(id);
		logger.info("Quarantined delivery {} stored as {} event {} ({})", id, LogText.printable(event.eventType()),
				receipt.eventId(),
				receipt.duplicate() ? "already stored" : "new");
		return ResponseEntity.status(receipt.duplicate() ? HttpStatus.OK : HttpStatus.ACCEPTED)
			.body(new AdminViews.Acceptance(receipt.eventId(), receipt.duplicate() ? "duplicate" : "accepted"));
	}

	/** As the webhook read it: JSON unless it says otherwise (a delivery without a type was refused 415 there). */
	private static MediaType contentType(@Nullable String stored) {
		if (stored == null) {
			return MediaType.APPLICATION_JSON;
		}
		try {
			return MediaType.parseMediaType(stored);
		}
		catch (InvalidMediaTypeException ex) {
			return MediaType.APPLICATION_JSON;
		}
	}

	private static ErrorResponseException stillUnreadable(long id, String reason) {
		return AdminController.problem(HttpStatus.UNPROCESSABLE_CONTENT,
				"Delivery " + id + " is still not a readable event (" + reason + "): it stays in the quarantine");
	}

	private static ErrorResponseException notFound(long id) {
		return AdminController.problem(HttpStatus.NOT_FOUND, "No quarantined delivery with id " + id);
	}

}
