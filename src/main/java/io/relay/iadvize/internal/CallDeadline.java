package io.relay.iadvize.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;

/**
 * The time by which one enrichment call must be done ({@code relay.iadvize.call-timeout}), every page, retry and
 * wait for a free slot included. Without it, a long transcript on a slow iAdvize (100 pages, each retried with its
 * timeouts) could outlast the delivery's lease, and another instance would run the same delivery meanwhile.
 * <p>
 * Held in a {@link ScopedValue} for the call's thread, so that the transports and {@link Retries} read it without
 * each being handed it. Outside a call (no deadline bound) nothing is checked.
 *
 * @param at when the call's time is up
 * @param timeout the configured budget, for the message
 * @param clock the clock the deadline was taken from
 */
record CallDeadline(Instant at, Duration timeout, Clock clock) {

	private static final ScopedValue<CallDeadline> CURRENT = ScopedValue.newInstance();

	/**
	 * Runs {@code call} with a deadline {@code timeout} from now; a call made inside another keeps the outer one's.
	 */
	static <T> T within(Clock clock, Duration timeout, Supplier<T> call) {
		if (CURRENT.isBound()) {
			return call.get();
		}
		return ScopedValue.where(CURRENT, new CallDeadline(clock.instant().plus(timeout), timeout, clock))
			.call(call::get);
	}

	/**
	 * Fails with a retryable {@link IAdvizeApiException.Unavailable} when the current call's time is up: the
	 * delivery is tried again later, as for an iAdvize that does not answer.
	 */
	static void check(Api api, String resource) {
		if (CURRENT.isBound()) {
			CallDeadline deadline = CURRENT.get();
			if (!deadline.clock.instant().isBefore(deadline.at)) {
				throw new IAdvizeApiException.Unavailable(api, resource, Failures.describe(api, resource)
						+ " was given up: the call took longer than relay.iadvize.call-timeout (" + deadline.timeout
						+ ")", null, null);
			}
		}
	}

	/** Whether waiting {@code wait} from now still leaves the current call some time (always, outside a call). */
	static boolean leavesTimeAfter(Duration wait) {
		if (!CURRENT.isBound()) {
			return true;
		}
		CallDeadline deadline = CURRENT.get();
		return deadline.clock.instant().plus(wait).isBefore(deadline.at);
	}

}
