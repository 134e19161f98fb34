package io.relay.workflow.outbound;

import java.time.Duration;
import java.util.Optional;

import io.relay.dispatch.HandlerResult;
import org.jspecify.annotations.Nullable;

/**
 * A request that did not succeed, and whether trying again may help. Its message names the workflow, the method,
 * the target (scheme, host and path, never the query) and what happened, with the answer's body shortened: never a
 * credential.
 */
public final class OutboundException extends Exception {

	private final boolean retryable;

	private final @Nullable Duration retryAfter;

	private final @Nullable Integer status;

	private final boolean receiverDidNothing;

	private OutboundException(String message, boolean retryable, @Nullable Duration retryAfter,
			@Nullable Integer status, boolean receiverDidNothing, @Nullable Throwable cause) {
		super(message, cause);
		this.retryable = retryable;
		this.retryAfter = retryAfter;
		this.status = status;
		this.receiverDidNothing = receiverDidNothing;
	}

	/** A failure after which the receiver may have acted on the request (a timeout, a 5xx). */
	static OutboundException retryable(String message, @Nullable Duration retryAfter, @Nullable Integer status,
			@Nullable Throwable cause) {
		return new OutboundException(message, true, retryAfter, status, false, cause);
	}

	/** A failure that says the receiver did nothing: never sent or never connected, or a 429. */
	static OutboundException retryableNotActedOn(String message, @Nullable Duration retryAfter,
			@Nullable Integer status, @Nullable Throwable cause) {
		return new OutboundException(message, true, retryAfter, status, true, cause);
	}

	/** A definite rejection (a 3xx but 303, a 4xx that is not retried): the receiver did nothing. */
	static OutboundException permanent(String message, @Nullable Integer status) {
		return new OutboundException(message, false, null, status, true, null);
	}

	/**
	 * A final answer after which the receiver may have acted on the request: a {@code 303 See Other}, which
	 * answers a {@code POST} that was carried out.
	 */
	static OutboundException permanentMaybeActedOn(String message, @Nullable Integer status) {
		return new OutboundException(message, false, null, status, false, null);
	}

	/** Whether the same request may succeed later. */
	public boolean retryable() {
		return this.retryable;
	}

	/** When the target asked to be called again ({@code Retry-After}), if it said so. */
	public Optional<Duration> retryAfter() {
		return Optional.ofNullable(this.retryAfter);
	}

	/**
	 * Whether this attempt certainly did nothing at the receiver: it was never sent (no free slot, no connection)
	 * or was refused (a 3xx but 303, a 429, a 4xx that is not retried). A timeout, a 5xx or a 303 may follow an
	 * action.
	 */
	public boolean receiverDidNothing() {
		return this.receiverDidNothing;
	}

	/** The HTTP status of the answer, when there was one. */
	public Optional<Integer> status() {
		return Optional.ofNullable(this.status);
	}

	/** What the delivery becomes: retried (not before {@code Retry-After} when given), or dead. */
	public HandlerResult toResult() {
		String reason = String.valueOf(getMessage());
		if (!this.retryable) {
			return HandlerResult.permanentFailure(reason);
		}
		return (this.retryAfter != null) ? HandlerResult.retryNoSoonerThan(reason, this.retryAfter)
				: HandlerResult.retry(reason);
	}

}
