package io.relay.dispatch;

/**
 * Thrown by a handler for a failure that no retry can fix (a 400 from the target system, say): the delivery goes
 * straight to {@link DeliveryStatus#DEAD}.
 */
public class PermanentFailureException extends RuntimeException {

	public PermanentFailureException(String message) {
		super(message);
	}

	public PermanentFailureException(String message, Throwable cause) {
		super(message, cause);
	}

}
