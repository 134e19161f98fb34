package io.relay.event;

import org.springframework.http.MediaType;

/**
 * How a webhook body is encoded. iAdvize sends JSON; its webhook form also offers form encoding.
 */
public enum PayloadFormat {

	/** {@code application/json}. */
	JSON,

	/** {@code application/x-www-form-urlencoded}; see {@link EventParser} for how fields map onto an event. */
	FORM;

	/**
	 * How a body of {@code contentType} is read: form-encoded if it says so, JSON otherwise (the webhook refuses
	 * other types before reading, and a delivery kept without a type was read as JSON).
	 */
	public static PayloadFormat of(MediaType contentType) {
		return MediaType.APPLICATION_FORM_URLENCODED.includes(contentType) ? FORM : JSON;
	}

}
