package io.relay.dispatch;

import org.jspecify.annotations.Nullable;

/**
 * Runs deliveries again, or dismisses dead ones. A replayed delivery keeps its idempotency key, starts a fresh set of
 * attempts and is picked up at once.
 */
public interface Replays {

	/**
	 * Replays the deliveries of one event.
	 * @param handler only this handler's delivery, or when {@code null} those of every handler that can run it:
	 * enabled here, or had by another running instance (another's would end {@code SKIPPED} without running)
	 * @return how many deliveries were replayed (0 when the event is unknown), and those of handlers left alone
	 */
	Replayed replayEvent(String eventId, @Nullable String handler);

	/**
	 * Replays every delivery that is in {@code status} (by default {@link DeliveryStatus#DEAD}) when it starts, of
	 * one handler, or of every handler that can run it (as {@link #replayEvent}).
	 * @return how many deliveries were replayed, and those of handlers left alone
	 */
	Replayed replayAll(DeliveryStatus status, @Nullable String handler);

	/**
	 * Ends the event's {@code DEAD} deliveries (of {@code handler}, or of every handler) as {@code SKIPPED}, their
	 * last error kept after the reason: an operator accepts the outcome (an email that may have gone out, a ticket
	 * made by hand) rather than run it again, and the delivery no longer counts as dead.
	 * @param by who dismisses them (the admin user), recorded in their last error and the log
	 * @return how many deliveries were dismissed (0 when the event is unknown or has none dead)
	 */
	int dismissEvent(String eventId, @Nullable String handler, String by);

	/**
	 * Dismisses, as {@link #dismissEvent}, every delivery that is {@code DEAD} when it starts, of {@code handler} or
	 * of every handler: after an incident whose dead deliveries an operator has dealt with by other means.
	 * @param by who dismisses them (the admin user), recorded in their last error and the log
	 * @return how many deliveries were dismissed
	 */
	int dismissAll(@Nullable String handler, String by);

	/**
	 * Whether {@code handler} names a handler: one running here, or one that has deliveries (a workflow since
	 * switched off). A name that is neither is a typo, which would replay nothing.
	 */
	boolean knowsHandler(String handler);

	/**
	 * Whether {@code handler} is disabled ({@code relay.dispatch.handlers.<name>.enabled=false}) on this instance or
	 * another running one (as its heartbeat says): its deliveries, replayed, could end {@code SKIPPED} without
	 * running.
	 */
	boolean isDisabled(String handler);

	/**
	 * Whether an instance running now has {@code handler}: this one, or another as its last heartbeat says. A
	 * replayed delivery of a handler none has ends {@code SKIPPED} after {@code relay.dispatch.unknown-handler-grace}.
	 */
	boolean isRunning(String handler);

}
