package io.relay.workflow.outbound;

import io.relay.dispatch.HandlerResult;
import io.relay.iadvize.IAdvizeApiException;

/**
 * What an enrichment failure makes of a delivery, the same way in every outbound workflow.
 */
public final class IAdvizeFailures {

	private IAdvizeFailures() {
	}

	/**
	 * A retryable failure is retried (after iAdvize's {@code Retry-After} when given); any other fails the delivery
	 * for good: it needs a fix (credentials, configuration) and a replay.
	 */
	public static HandlerResult toResult(IAdvizeApiException ex) {
		String reason = String.valueOf(ex.getMessage());
		if (!ex.retryable()) {
			return HandlerResult.permanentFailure(reason);
		}
		return ex.retryAfter().map((after) -> HandlerResult.retryNoSoonerThan(reason, after))
			.orElseGet(() -> HandlerResult.retry(reason));
	}

}
