package io.relay.admin;

import java.time.Instant;
import java.util.List;

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
	 */
	record EventDetail(String eventId, String eventType, Instant receivedAt, @Nullable String correlationId,
			List<String> deliveryIds, String contentType, String payload, List<DeliveryDetail> deliveries) {
	}

	record DeliveryDetail(long id, String handler, String status, int attempts, int maxAttempts,
			@Nullable String lastError, @Nullable Instant nextAttemptAt, @Nullable Long lastDurationMs,
			List<AttemptView> history) {
	}

	record AttemptView(int attempt, String instance, Instant startedAt, Instant finishedAt, String outcome,
			@Nullable String error) {
	}

	record ReplayResult(int replayed) {
	}

}
