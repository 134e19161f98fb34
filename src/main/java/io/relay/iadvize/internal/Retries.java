package io.relay.iadvize.internal;

import java.time.Duration;
import java.util.function.Supplier;

import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.core.retry.Retryable;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Retries a call with Spring Framework's {@link RetryTemplate}: only {@link IAdvizeApiException#retryable()
 * retryable} failures, with exponential backoff, or a {@code Retry-After} when that asks for longer. A
 * {@code Retry-After} longer than {@code relay.iadvize.retry.max-delay} is not waited for here: the error goes
 * back to the caller at once, whose own scheduling can wait without holding a thread. No attempt starts, and no
 * wait is begun, past the enrichment call's {@link CallDeadline}. When the attempts or the time run out, the last
 * failure is thrown as it is, so the caller still learns whether to retry later.
 */
final class Retries {

	private static final Logger logger = LoggerFactory.getLogger(Retries.class);

	private final IAdvizeProperties.Retry settings;

	Retries(IAdvizeProperties.Retry settings) {
		this.settings = settings;
	}

	<T> T call(Api api, String resource, Supplier<T> attempt) {
		// A policy per call: it remembers this call's last failure, whose Retry-After sets the next wait.
		RetryTemplate template = new RetryTemplate(new CallPolicy(this.settings));
		try {
			return template.execute(new Retryable<T>() {

				@Override
				public T execute() {
					CallDeadline.check(api, resource);
					return attempt.get();
				}

				@Override
				public String getName() {
					return Failures.describe(api, resource);
				}

			});
		}
		catch (RetryException ex) {
			Throwable last = ex.getCause();
			if (last instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (last instanceof Error error) {
				throw error;
			}
			throw new IllegalStateException("Unexpected checked exception from an iAdvize call", last);
		}
	}

	private static final class CallPolicy implements RetryPolicy {

		private final IAdvizeProperties.Retry settings;

		private final BackOff exponential;

		private volatile @Nullable Throwable last;

		CallPolicy(IAdvizeProperties.Retry settings) {
			this.settings = settings;
			ExponentialBackOff backOff = new ExponentialBackOff(settings.initialDelay().toMillis(),
					settings.multiplier());
			backOff.setMaxInterval(settings.maxDelay().toMillis());
			// Spreads the retries of a burst of calls that failed together, so that they do not return together.
			backOff.setJitter(settings.initialDelay().toMillis() / 4);
			backOff.setMaxAttempts(settings.maxAttempts() - 1L);
			this.exponential = backOff;
		}

		@Override
		public boolean shouldRetry(Throwable failure) {
			this.last = failure;
			if (!(failure instanceof IAdvizeApiException api) || !api.retryable() || CallDeadline.ranOut(failure)) {
				return false;
			}
			Duration asked = api.retryAfter().orElse(null);
			return asked == null || asked.compareTo(this.settings.maxDelay()) <= 0;
		}

		@Override
		public BackOff getBackOff() {
			return () -> {
				BackOffExecution delays = this.exponential.start();
				return () -> {
					long delay = delays.nextBackOff();
					if (delay == BackOffExecution.STOP) {
						return delay;
					}
					Throwable failure = this.last;
					if (failure instanceof IAdvizeApiException api && api.retryAfter().isPresent()) {
						// A minimum: a Retry-After of 0 must not make the retries immediate.
						delay = Math.max(delay, api.retryAfter().get().toMillis());
					}
					if (!CallDeadline.leavesTimeAfter(Duration.ofMillis(delay))) {
						// The retry would start past the call's deadline: the caller gets the last failure now.
						return BackOffExecution.STOP;
					}
					if (logger.isDebugEnabled() && failure != null) {
						logger.debug("Retrying in {} ms: {}", delay, failure.getMessage());
					}
					return delay;
				};
			};
		}

	}

}
