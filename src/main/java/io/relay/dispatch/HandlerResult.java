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
		return new Retry(reason, null, false);
	}

	/**
	 * Failed for now: try again after {@code after} instead of the backoff (a wait of the handler's own: checking
	 * again in 15 minutes, say).
	 */
	static HandlerResult retryAfter(String reason, Duration after) {
		return new Retry(reason, after, false);
	}

	/**
	 * Failed for now: try again after the handler's backoff, or after {@code retryAfter} when that is longer (a
	 * remote's {@code Retry-After}: a {@code 0}, or a date already past, must not spend every attempt at once).
	 */
	static HandlerResult retryNoSoonerThan(String reason, Duration retryAfter) {
		return new Retry(reason, retryAfter, true);
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

	/**
	 * A failure to try again.
	 * @param after when, instead of the backoff; {@code null} for the backoff
	 * @param orBackoffIfLonger whether the backoff still applies when it is longer than {@code after}
	 */
	record Retry(String reason, @Nullable Duration after, boolean orBackoffIfLonger) implements HandlerResult {

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
