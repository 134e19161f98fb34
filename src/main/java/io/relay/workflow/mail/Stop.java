package io.relay.workflow.mail;

import java.time.Duration;

import io.relay.dispatch.HandlerResult;

/**
 * Ends a delivery early with a result: thrown from the steps of {@link VisitorMail#sendOnce} (a visitor without
 * email is skipped, an empty pool waits...) so that a workflow reads as a straight line of steps.
 */
public final class Stop extends RuntimeException {

	private final HandlerResult result;

	private Stop(HandlerResult result, String reason) {
		super(reason, null, false, false);
		this.result = result;
	}

	/** Nothing to do for this conversation; recorded with the reason. */
	public static Stop skip(String reason) {
		return new Stop(HandlerResult.skipped(reason), reason);
	}

	/** Try again after the handler's backoff. */
	public static Stop retry(String reason) {
		return new Stop(HandlerResult.retry(reason), reason);
	}

	/** Try again after {@code after}. */
	public static Stop retryAfter(String reason, Duration after) {
		return new Stop(HandlerResult.retryAfter(reason, after), reason);
	}

	/** Give up: the delivery is dead until someone replays it. */
	public static Stop fail(String reason) {
		return new Stop(HandlerResult.permanentFailure(reason), reason);
	}

	public HandlerResult result() {
		return this.result;
	}

}
