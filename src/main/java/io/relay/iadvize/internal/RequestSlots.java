package io.relay.iadvize.internal;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;

/**
 * The most requests one API has in flight at once ({@code max-concurrent-requests}): callers beyond it wait for a
 * free slot, first come first served, but no longer than their call's {@link CallDeadline} allows.
 * <p>
 * Written here rather than with Spring's {@code SyncTaskExecutor} concurrency throttle (used before), whose wait
 * has no time limit: under a slow iAdvize, a queue of calls could wait for slots past their deadline and past their
 * delivery's lease.
 */
final class RequestSlots {

	private final Semaphore slots;

	RequestSlots(int max) {
		this.slots = new Semaphore(max, true);
	}

	/**
	 * Runs {@code request} in a slot.
	 * @throws IAdvizeApiException.Unavailable when the call's time ran out while waiting for a slot, or the thread
	 * was interrupted while waiting (retryable either way: nothing was sent)
	 */
	<T> T run(Api api, String resource, Supplier<T> request) {
		acquire(api, resource);
		try {
			// The wait may have ended just as the call's time did.
			CallDeadline.check(api, resource);
			return request.get();
		}
		finally {
			this.slots.release();
		}
	}

	private void acquire(Api api, String resource) {
		try {
			Duration left = CallDeadline.timeLeft();
			if (left == null) {
				this.slots.acquire();
			}
			// convert, not toNanos(): a call-timeout of centuries saturates rather than overflows.
			else if (!this.slots.tryAcquire(TimeUnit.NANOSECONDS.convert(left), TimeUnit.NANOSECONDS)) {
				throw CallDeadline.givenUp(api, resource);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IAdvizeApiException.Unavailable(api, resource,
					Failures.describe(api, resource) + " was interrupted while waiting for a free slot", null, ex);
		}
	}

}
