package io.relay.inbox;

/**
 * The inbox could not make a delivery durable (database down, or too slow): the delivery must not be acknowledged.
 */
public class InboxUnavailableException extends Exception {

	public InboxUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

	public InboxUnavailableException(String message) {
		super(message);
	}

}
