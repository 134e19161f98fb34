package io.relay.event;

/**
 * How a webhook body is encoded. iAdvize sends JSON; its webhook form also offers form encoding.
 */
public enum PayloadFormat {

	/** {@code application/json}. */
	JSON,

	/** {@code application/x-www-form-urlencoded}; see {@link EventParser} for how fields map onto an event. */
	FORM

}
