package io.relay.dispatch;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * What a handler did with a delivery.
 */
public sealed interface HandlerResult {

	/** Done. */
	static HandlerResult success() {
		return Success.INSTANCE;
	}

	/** Nothing to do for this event (no email address, filtered out...); recorded with the reason, not retried. */
	static HandlerResult skipped(String reason) {
		return new Skipped(reason);
	}

	/** Failed for now: try again after the handler's backoff. */
	static HandlerResult retry(String reason) {
		return new Retry(reason, null);
	}

	/** Failed for now: try again after {@code after} (a {@code Retry-After}, say) instead of the backoff. */
	static HandlerResult retryAfter(String reason, Duration after) {
		return new Retry(reason, after);
	}

	/** Failed for good: no retry, the delivery is dead until someone replays it. */
	static HandlerResult permanentFailure(String reason) {
		return new PermanentFailure(reason);
	}

	enum Success implements HandlerResult {

		INSTANCE

	}

	record Skipped(String reason) implements HandlerResult {

		public Skipped {
			Objects.requireNonNull(reason, "reason");
		}

	}

	record Retry(String reason, @Nullable Duration after) implements HandlerResult {

		public Retry {
			Objects.requireNonNull(reason, "reason");
			if (after != null && after.isNegative()) {
				throw new IllegalArgumentException("'after' must not be negative");
			}
		}

	}

	record PermanentFailure(String reason) implements HandlerResult {

		public PermanentFailure {
			Objects.requireNonNull(reason, "reason");
		}

	}

}
