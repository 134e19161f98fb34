package io.relay.event;

/**
 * A body that verified but cannot be read as an iAdvize event. The message says what is wrong, in words meant for
 * the person who looks at the quarantine.
 */
public class MalformedEventException extends Exception {

	public MalformedEventException(String message) {
		super(message);
	}

}
