package io.relay.dispatch;

import org.jspecify.annotations.Nullable;

/**
 * Runs deliveries again. A replayed delivery keeps its idempotency key, starts a fresh set of attempts and is
 * picked up at once.
 */
public interface Replays {

	/**
	 * Replays the deliveries of one event.
	 * @param handler only this handler's delivery, or all of them when {@code null} but those of the handlers
	 * {@link #isDisabled disabled} here
	 * @return how many deliveries were replayed (0 when the event is unknown)
	 */
	int replayEvent(String eventId, @Nullable String handler);

	/**
	 * Replays every delivery that is in {@code status} (by default {@link DeliveryStatus#DEAD}) when it starts, of
	 * one handler, or of every handler but those {@link #isDisabled disabled} here.
	 * @return how many deliveries were replayed
	 */
	int replayAll(DeliveryStatus status, @Nullable String handler);

	/**
	 * Whether {@code handler} names a handler: one running here, or one that has deliveries (a workflow since
	 * switched off). A name that is neither is a typo, which would replay nothing.
	 */
	boolean knowsHandler(String handler);

	/**
	 * Whether {@code handler} is disabled on this instance ({@code relay.dispatch.handlers.<name>.enabled=false}):
	 * its deliveries, replayed, would end {@code SKIPPED} without running.
	 */
	boolean isDisabled(String handler);

}
