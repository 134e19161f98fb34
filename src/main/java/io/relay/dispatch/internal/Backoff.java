package io.relay.dispatch.internal;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the wait before attempt {@code n + 1} is drawn uniformly from
 * {@code [0, min(max, initial * 2^(n-1))]}, so that many deliveries failing together do not retry together.
 */
final class Backoff {

	private Backoff() {
	}

	static Duration delay(int failedAttempts, Duration initial, Duration max, RandomGenerator random) {
		long ceiling = ceilingMillis(failedAttempts, initial, max);
		return Duration.ofMillis(random.nextLong(ceiling + 1));
	}

	static long ceilingMillis(int failedAttempts, Duration initial, Duration max) {
		int doublings = Math.min(Math.max(failedAttempts - 1, 0), 62);
		long maxMillis = max.toMillis();
		// Compare before shifting, so that the doubling can never overflow.
		return (initial.toMillis() > (maxMillis >> doublings)) ? maxMillis : initial.toMillis() << doublings;
	}

}
