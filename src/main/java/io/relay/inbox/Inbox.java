package io.relay.inbox;

/**
 * Durable, deduplicating store of the events Relay acknowledges.
 */
public interface Inbox {

	/**
	 * Stores an event unless one with the same id is already stored, and returns once the outcome is durable.
	 * @param event the verified, parsed delivery
	 * @return whether it was new or a duplicate
	 * @throws InboxUnavailableException when the outcome could not be made durable in time: the caller must not
	 * acknowledge, so that iAdvize retries
	 */
	Receipt receive(IncomingEvent event) throws InboxUnavailableException;

	/**
	 * Keeps a correctly signed delivery that could not be read as an event, for an operator to look at.
	 * @throws InboxUnavailableException when it could not be stored
	 */
	void quarantine(QuarantinedDelivery delivery) throws InboxUnavailableException;

	/**
	 * Deletes a quarantined delivery, once an operator has had it stored as an event ({@link #receive}).
	 * @param id its id in the quarantine
	 * @return whether it was there
	 */
	boolean release(long id);

}
