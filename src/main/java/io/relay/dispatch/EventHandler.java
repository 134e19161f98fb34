package io.relay.dispatch;

import io.relay.event.IAdvizeEvent;

/**
 * A workflow step that reacts to events. Declare an implementation as a Spring bean and Relay delivers every
 * stored event of type {@code E} that {@link #accepts} to it, at least once, with retries.
 * <p>
 * A handler must be idempotent towards the outside world: pass {@link Delivery#idempotencyKey()} on to the systems
 * it calls, because a delivery interrupted by a crash runs again.
 *
 * @param <E> the events this handler wants; {@link IAdvizeEvent} for all of them
 */
public interface EventHandler<E extends IAdvizeEvent> {

	/**
	 * A stable name: it keys the deliveries in the database, the idempotency key and the settings under
	 * {@code relay.dispatch.handlers.<name>}. After a rename, the unfinished deliveries of the old name end
	 * {@code SKIPPED}.
	 */
	String name();

	/** The event type this handler wants. */
	Class<E> eventType();

	/**
	 * Whether this event is for this handler (channel, project...). Decided once, when the event is stored:
	 * an event that is not accepted gets no delivery at all. It runs inside the inbox's transaction, before the
	 * webhook is answered: keep it a cheap look at the event, without I/O (a slow filter slows every webhook).
	 * During a rolling upgrade that adds the handler, it is decided when the delivery runs instead, for the events
	 * an instance without the handler stored: let it depend on the event alone.
	 */
	default boolean accepts(E event) {
		return true;
	}

	/**
	 * Handles one delivery. Throwing is the same as {@link HandlerResult#retry(String)}, unless the exception is a
	 * {@link PermanentFailureException}.
	 */
	HandlerResult handle(Delivery<E> delivery) throws Exception;

}
