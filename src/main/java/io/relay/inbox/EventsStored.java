package io.relay.inbox;

import java.util.List;

/**
 * Published inside the transaction that stores new events, before it commits, so that a listener can write its own
 * rows in the same transaction (an outbox): either all of them commit, or none.
 *
 * @param events the events stored by this transaction, duplicates excluded, in the order received
 */
public record EventsStored(List<IncomingEvent> events) {

	public EventsStored {
		events = List.copyOf(events);
	}

}
