package io.relay.iadvize.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import org.jspecify.annotations.Nullable;

/**
 * The time by which one enrichment call must be done ({@code relay.iadvize.call-timeout}), every page, retry and
 * wait for a free slot included. Without it, a long transcript on a slow iAdvize (100 pages, each retried with its
 * timeouts) could outlast the delivery's lease, and another instance would run the same delivery meanwhile.
 * <p>
 * Held in a {@link ScopedValue} for the call's thread, so that the transports, {@link RequestSlots},
 * {@link AccessTokens} and {@link Retries} read it without each being handed it. Outside a call (no deadline bound)
 * nothing is checked.
 *
 * @param at when the call's time is up
 * @param property the setting that gave it, for the message
 * @param timeout that setting's value, for the message
 * @param clock the clock the deadline was taken from
 */
record CallDeadline(Instant at, String property, Duration timeout, Clock clock) {

	static final String CALL = "relay.iadvize.call-timeout";

	static final String DELIVERY = "relay.iadvize.delivery-timeout";

	private static final ScopedValue<CallDeadline> CURRENT = ScopedValue.newInstance();

	/**
	 * Runs {@code call} with a deadline {@code timeout} from now, or the current one when that comes sooner: a call
	 * inside {@link io.relay.iadvize.IAdvizeEnrichment#together} has its own call-timeout within the delivery's.
	 */
	static <T, X extends Throwable> T within(Clock clock, String property, Duration timeout,
			ScopedValue.CallableOp<T, X> call) throws X {
		Instant at = clock.instant().plus(timeout);
		if (CURRENT.isBound() && !at.isBefore(CURRENT.get().at)) {
			return call.call();
		}
		return ScopedValue.where(CURRENT, new CallDeadline(at, property, timeout, clock)).call(call);
	}

	/**
	 * Fails with a retryable {@link IAdvizeApiException.Unavailable} when the current call's time is up: the
	 * delivery is tried again later, as for an iAdvize that does not answer.
	 */
	static void check(Api api, String resource) {
		if (!leavesTimeAfter(Duration.ZERO)) {
			throw givenUp(api, resource);
		}
	}

	/** How long the current call has left (nothing once its time is up), or {@code null} outside a call. */
	static @Nullable Duration timeLeft() {
		if (!CURRENT.isBound()) {
			return null;
		}
		CallDeadline deadline = CURRENT.get();
		Duration left = Duration.between(deadline.clock.instant(), deadline.at);
		return left.isNegative() ? Duration.ZERO : left;
	}

	/** Whether waiting {@code wait} from now still leaves the current call some time (always, outside a call). */
	static boolean leavesTimeAfter(Duration wait) {
		Duration left = timeLeft();
		return left == null || left.compareTo(wait) > 0;
	}

	/** The failure of the current call whose time ran out (see {@link #check}); only inside a call. */
	static IAdvizeApiException.Unavailable givenUp(Api api, String resource) {
		return CURRENT.get().givenUpAt(api, resource);
	}

	/** Whether {@code failure} is a call's running out of its own time (not iAdvize's answer). */
	static boolean ranOut(Throwable failure) {
		return failure instanceof IAdvizeApiException.Unavailable && failure.getCause() instanceof TimeUp;
	}

	private IAdvizeApiException.Unavailable givenUpAt(Api api, String resource) {
		return new IAdvizeApiException.Unavailable(api, resource, Failures.describe(api, resource)
				+ " was given up: the call took longer than " + this.property + " (" + this.timeout + ")", null,
				new TimeUp());
	}

	/** Marks a {@link #givenUpAt given-up} failure. */
	private static final class TimeUp extends RuntimeException {

		TimeUp() {
			super("the call's time was up", null, false, false);
		}

	}

}
