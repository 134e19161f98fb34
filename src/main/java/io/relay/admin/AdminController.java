package io.relay.admin;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.security.Principal;
import java.time.Instant;
import java.util.List;

import io.relay.dispatch.DeliveryStatus;
import io.relay.dispatch.Replayed;
import io.relay.dispatch.Replays;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.data.domain.PageImpl;
import org.springframework.data.web.PagedModel;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.ErrorResponseException;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /admin/api}: HTTP Basic with {@code spring.security.user.*} (see the security configuration).
 */
@RestController
@RequestMapping("/admin/api")
class AdminController {

	private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");

	private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

	private static final String CANNOT_RUN = "handler is disabled on an instance (code DISABLED) or no running "
			+ "instance has it (code NOT_RUNNING): its replayed deliveries would end SKIPPED without running";

	private final AdminQueries queries;

	private final Replays replays;

	AdminController(AdminQueries queries, Replays replays) {
		this.queries = queries;
		this.replays = replays;
	}

	/**
	 * The event list's filters as written, no more: Spring's conversions read an empty value as no filter (an unset
	 * shell variable would list every event) and a number as milliseconds since 1970 ({@code date +%s} gives
	 * seconds).
	 */
	@InitBinder
	void strictFilters(WebDataBinder binder) {
		binder.registerCustomEditor(Instant.class, new StrictEditor(Instant::parse));
		binder.registerCustomEditor(DeliveryStatus.class,
				new StrictEditor((text) -> DeliveryStatus.valueOf(text.strip())));
	}

	/**
	 * Stored events, newest first.
	 * @param status only events with at least one delivery in this status
	 * @param from received at or after (ISO-8601 instant)
	 * @param to received before (ISO-8601 instant)
	 */
	@GetMapping("/events")
	PagedModel<AdminViews.EventSummary> events(@RequestParam(required = false) @Nullable String type,
			@RequestParam(required = false) @Nullable DeliveryStatus status,
			@RequestParam(required = false) @Nullable String conversationId,
			@RequestParam(required = false) @Nullable String visitorId,
			@RequestParam(required = false) @Nullable Instant from, @RequestParam(required = false) @Nullable Instant to,
			@Parameter(schema = @Schema(type = "integer", format = "int32", defaultValue = "0")) @RequestParam(
					required = false) @Nullable String page,
			@Parameter(schema = @Schema(type = "integer", format = "int32",
					defaultValue = Paging.DEFAULT_SIZE)) @RequestParam(required = false) @Nullable String size) {
		requireNotEmpty("type", type);
		requireNotEmpty("conversationId", conversationId);
		requireNotEmpty("visitorId", visitorId);
		Paging paging = Paging.of(page, size);
		requireStorable("from", from);
		requireStorable("to", to);
		if (from != null && to != null && !to.isAfter(from)) {
			// An empty range is a mistake (the two swapped, say), not a question whose answer is "no events".
			throw badRequest("to (" + to + ") must be after from (" + from + ")");
		}
		AdminQueries.Filter filter = new AdminQueries.Filter(type, status, conversationId, visitorId, from, to);
		AdminQueries.Listing listing = this.queries.list(filter, paging.page(), paging.size());
		return new PagedModel<>(new PageImpl<>(listing.content(), paging.request(), listing.total()));
	}

	@GetMapping("/events/{eventId}")
	AdminViews.EventDetail event(@PathVariable String eventId) {
		return this.queries.event(eventId).orElseThrow(() -> notFound(eventId));
	}

	/** Replays the event's deliveries (all handlers, or one), keeping their idempotency keys. */
	@PostMapping("/events/{eventId}/replay")
	@EventReplayResponses
	AdminViews.ReplayResult replayEvent(@PathVariable String eventId,
			@RequestParam(required = false) @Nullable String handler) {
		if (!this.queries.exists(eventId)) {
			throw notFound(eventId);
		}
		requireKnownHandler(handler);
		return AdminViews.ReplayResult.of(this.replays.replayEvent(eventId, handler));
	}

	/**
	 * Dismisses the event's dead deliveries (all handlers, or one): they end {@code SKIPPED}, no longer counted dead,
	 * their last error kept after who dismissed them and when. For an outcome an operator accepts rather than
	 * replays (an email that may have gone out, {@code UNCONFIRMED}).
	 */
	@PostMapping("/events/{eventId}/dismiss")
	@ApiResponse(responseCode = "200", description = "How many dead deliveries were dismissed (0 when none was dead)")
	@ApiResponse(responseCode = "400", description = "handler names no handler", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
	@ApiResponse(responseCode = "404", description = "No such event", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
	AdminViews.DismissResult dismissEvent(@PathVariable String eventId,
			@RequestParam(required = false) @Nullable String handler, Principal user) {
		if (!this.queries.exists(eventId)) {
			throw notFound(eventId);
		}
		requireNamedHandler(handler);
		return new AdminViews.DismissResult(this.replays.dismissEvent(eventId, handler, user.getName()));
	}

	/** {@code POST /events/{eventId}/dismiss} for any id (see {@link #eventById}). */
	@PostMapping("/event/dismiss")
	AdminViews.DismissResult dismissEventById(@RequestParam String id,
			@RequestParam(required = false) @Nullable String handler, Principal user) {
		return dismissEvent(id, handler, user);
	}

	/**
	 * {@code GET /events/{eventId}} for any id: the web server and the firewall refuse a path with an encoded
	 * {@code /}, {@code %}, {@code ;} or {@code \}, or a {@code .} or {@code ..} segment, and iAdvize's event ids
	 * are its own to choose.
	 */
	@GetMapping("/event")
	AdminViews.EventDetail eventById(@RequestParam String id) {
		return event(id);
	}

	/** {@code POST /events/{eventId}/replay} for any id (see {@link #eventById}). */
	@PostMapping("/event/replay")
	@EventReplayResponses
	AdminViews.ReplayResult replayEventById(@RequestParam String id,
			@RequestParam(required = false) @Nullable String handler) {
		return replayEvent(id, handler);
	}

	/** Replays every dead delivery (or every delivery in {@code status}), optionally of one handler. */
	@PostMapping("/deliveries/replay")
	@ApiResponse(responseCode = "200", description = "The deliveries set back to PENDING (replayed), and those of "
			+ "handlers that cannot run now, left alone (notReplayed, when handler is not given)")
	@ApiResponse(responseCode = "400", description = "status RUNNING, or handler names no handler", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
	@ApiResponse(responseCode = "409", description = CANNOT_RUN, content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
	AdminViews.ReplayResult replayDeliveries(
			@Parameter(schema = @Schema(implementation = DeliveryStatus.class, defaultValue = "DEAD")) @RequestParam(
					required = false) @Nullable DeliveryStatus status,
			@RequestParam(required = false) @Nullable String handler) {
		// Not @RequestParam's defaultValue: Spring uses it for an empty value too, and ?status= (an unset shell
		// variable) would quietly replay the dead deliveries instead of being refused like any empty filter.
		DeliveryStatus replayed = (status != null) ? status : DeliveryStatus.DEAD;
		if (replayed == DeliveryStatus.RUNNING) {
			throw badRequest("running deliveries cannot be replayed");
		}
		requireKnownHandler(handler);
		return AdminViews.ReplayResult.of(this.replays.replayAll(replayed, handler));
	}

	/**
	 * Dismisses every dead delivery (or one handler's), as {@link #dismissEvent} does one event's: those dead when
	 * the request starts.
	 */
	@PostMapping("/deliveries/dismiss")
	@ApiResponse(responseCode = "200", description = "How many dead deliveries were dismissed (0 when none was dead)")
	@ApiResponse(responseCode = "400", description = "handler names no handler", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
	AdminViews.DismissResult dismissDeliveries(@RequestParam(required = false) @Nullable String handler,
			Principal user) {
		requireNamedHandler(handler);
		return new AdminViews.DismissResult(this.replays.dismissAll(handler, user.getName()));
	}

	/**
	 * The Relay instances sharing this database, as their heartbeats (every
	 * {@code relay.dispatch.heartbeat-interval}) recorded them, with their handlers: during a rolling upgrade,
	 * which have a new workflow.
	 */
	@GetMapping("/instances")
	List<AdminViews.InstanceView> instances() {
		return this.queries.instances();
	}

	/**
	 * A typo in {@code handler} would answer "0 replayed" as if there were nothing to do; a disabled handler's
	 * deliveries would end {@code SKIPPED} without running (a dead one then no longer counted dead).
	 */
	private void requireKnownHandler(@Nullable String handler) {
		if (handler == null) {
			return;
		}
		requireNamedHandler(handler);
		if (this.replays.isDisabled(handler)) {
			throw notRunnable(handler, Replayed.Reason.DISABLED);
		}
		if (!this.replays.isRunning(handler)) {
			throw notRunnable(handler, Replayed.Reason.NOT_RUNNING);
		}
	}

	/** A typo in {@code handler} would answer "0" as if there were nothing to do. */
	private void requireNamedHandler(@Nullable String handler) {
		if (handler == null) {
			return;
		}
		requireNotEmpty("handler", handler);
		if (!this.replays.knowsHandler(handler)) {
			throw badRequest("no handler is named '" + handler + "' (neither running here nor with deliveries)");
		}
	}

	/** A {@code 409} with the same {@code code} and words as a replay of every handler's {@code notReplayed}. */
	private static ErrorResponseException notRunnable(String handler, Replayed.Reason reason) {
		ErrorResponseException conflict = problem(HttpStatus.CONFLICT, AdminViews.notRunnable(handler, reason));
		conflict.getBody().setProperty("code", reason.name());
		return conflict;
	}

	/** A database timestamp holds years 1 to 9999: further ones failed the query with a 500. */
	private static void requireStorable(String name, @Nullable Instant instant) {
		if (instant != null && (instant.isBefore(EARLIEST) || instant.isAfter(LATEST))) {
			throw badRequest(name + " must be between " + EARLIEST + " and " + LATEST);
		}
	}

	private static ErrorResponseException notFound(String eventId) {
		return new ErrorResponseException(HttpStatus.NOT_FOUND,
				ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "No event with id '" + eventId + "' is stored"),
				null);
	}

	/** An empty filter ({@code ?type=}, an unset shell variable) is a mistake, not a question whose answer is none. */
	private static void requireNotEmpty(String name, @Nullable String value) {
		if (value != null && value.isEmpty()) {
			throw badRequest(emptyFilter(name));
		}
	}

	/** What an empty filter is told, whatever its type ({@link AdminExceptionHandler} for those Spring converts). */
	static String emptyFilter(String name) {
		return "Parameter '" + name + "' is empty: leave it out not to filter by it";
	}

	static ErrorResponseException badRequest(String detail) {
		return problem(HttpStatus.BAD_REQUEST, detail);
	}

	static ErrorResponseException problem(HttpStatus status, String detail) {
		return new ErrorResponseException(status, ProblemDetail.forStatusAndDetail(status, detail), null);
	}

	/** What an event's replay answers, under either of its paths. */
	@Target(ElementType.METHOD)
	@Retention(RetentionPolicy.RUNTIME)
	@ApiResponse(responseCode = "200", description = "The deliveries set back to PENDING (replayed), and those of "
			+ "handlers that cannot run now, left alone (notReplayed, for a replay of every handler)")
	@ApiResponse(responseCode = "400", description = "handler names no handler", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
	@ApiResponse(responseCode = "404", description = "No such event", content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
	@ApiResponse(responseCode = "409", description = CANNOT_RUN, content = @Content(
			mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE))
	@interface EventReplayResponses {

	}

}
