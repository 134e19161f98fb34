package io.relay.admin;

import java.time.Instant;
import java.util.List;

import io.relay.dispatch.Replayed;
import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

/**
 * What the admin API shows.
 */
final class AdminViews {

	private AdminViews() {
	}

	/** One event in a list. */
	record EventSummary(String eventId, String eventType, Instant receivedAt, @Nullable String conversationId,
			@Nullable String visitorId, List<DeliverySummary> deliveries) {
	}

	record DeliverySummary(long id, String handler, String status) {
	}

	/**
	 * One event with everything known about it.
	 *
	 * @param deliveryIds the {@code X-iAdvize-Delivery} id of every delivery iAdvize made of it, first one first
	 * @param payload the body exactly as received (decoded as text)
	 * @param references what workflows created elsewhere for this event (a ticket, a CRM contact...)
	 */
	record EventDetail(String eventId, String eventType, Instant receivedAt, @Nullable String correlationId,
			List<String> deliveryIds, String contentType, String payload, List<DeliveryDetail> deliveries,
			List<ExternalReference> references) {
	}

	/**
	 * Something a workflow created in another system for an event, as the workflow recorded it.
	 *
	 * @param handler the workflow's handler name
	 * @param kind what the value is ({@code ticket}, {@code contact}...), as the workflow names it
	 * @param value the other system's id
	 */
	record ExternalReference(String handler, String kind, String value, Instant recordedAt) {
	}

	record DeliveryDetail(long id, String handler, String status, int attempts, int maxAttempts,
			@Nullable String lastError, @Nullable Instant nextAttemptAt, @Nullable Long lastDurationMs,
			List<AttemptView> history) {
	}

	record AttemptView(int attempt, String instance, Instant startedAt, Instant finishedAt, String outcome,
			@Nullable String error) {
	}

	/**
	 * What a replay did.
	 *
	 * @param replayed the deliveries set back to {@code PENDING}
	 * @param notReplayed for a replay of every handler, the deliveries it left alone because their handler cannot
	 * run now, each with why (empty otherwise): without them, {@code "replayed": 0} would not say why
	 */
	/** @param dismissed the dead deliveries ended {@code SKIPPED} */
	record DismissResult(int dismissed) {

	}

	record ReplayResult(int replayed, List<NotReplayed> notReplayed) {

		static ReplayResult of(Replayed result) {
			return new ReplayResult(result.count(),
					result.leftAlone()
						.stream()
						.map((left) -> new NotReplayed(left.handler(), left.deliveries(), left.reason(),
								notRunnable(left.handler(), left.reason())))
						.toList());
		}

	}

	/**
	 * One handler's deliveries that a replay of every handler left as they were.
	 *
	 * @param code why, for scripts (the same as a refused replay's {@code code})
	 * @param reason why, for people, with what to do
	 */
	record NotReplayed(String handler, int deliveries,
			@Schema(description = "DISABLED: disabled on this instance or another running one; NOT_RUNNING: no "
					+ "running instance has the handler") Replayed.Reason code,
			String reason) {
	}

	/** Why {@code handler}'s deliveries are not replayed: the same words for a refused replay and a left-out one. */
	static String notRunnable(String handler, Replayed.Reason reason) {
		return switch (reason) {
			case DISABLED -> "handler '" + handler + "' is disabled on this instance or another running one "
					+ "(relay.dispatch.handlers." + handler + ".enabled): its replayed deliveries would end SKIPPED "
					+ "without running there. Enable it on every instance, then replay";
			case NOT_RUNNING -> "no running instance has handler '" + handler + "' (a workflow switched off, or not "
					+ "deployed yet): its replayed deliveries would end SKIPPED after "
					+ "relay.dispatch.unknown-handler-grace without running. Replay once an instance that has it runs";
		};
	}

	/**
	 * A correctly signed delivery that Relay could not read as an event, kept in quarantine.
	 *
	 * @param id its id in the quarantine
	 * @param reason why it was not read, as its sender was told
	 * @param size the body's length in bytes
	 */
	record QuarantinedSummary(long id, Instant receivedAt, String reason, @Nullable String contentType,
			@Nullable String deliveryId, @Nullable String correlationId, int size) {
	}

	/**
	 * A quarantined delivery with its body.
	 *
	 * @param payload the body as text, in the charset of its content type (UTF-8 when it names none); bytes that are
	 * not text in it are replaced
	 */
	record QuarantinedDetail(long id, Instant receivedAt, String reason, @Nullable String contentType,
			@Nullable String deliveryId, @Nullable String correlationId, String payload) {
	}

	/** What storing a quarantined delivery as an event did: as the webhook would have answered. */
	record Acceptance(String eventId, String status) {
	}

	/**
	 * A Relay instance as its heartbeats recorded it.
	 *
	 * @param instance its name, as in the attempts' {@code instance}
	 * @param seenAt its last heartbeat: it counts as running for {@code relay.dispatch.unknown-handler-grace} after
	 * it (three heartbeats at least), stopped or not
	 * @param handlers the handlers it has, enabled or not
	 * @param disabled those of its handlers it has disabled ({@code relay.dispatch.handlers.<name>.enabled=false}):
	 * it ends their deliveries {@code SKIPPED}, and a replay naming one is refused; empty for an instance of a
	 * Relay from before migration V49, which does not record it
	 */
	record InstanceView(String instance, Instant seenAt, List<String> handlers, List<String> disabled) {
	}

}
