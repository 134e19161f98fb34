package io.relay.inbox;

/**
 * What the inbox did with a delivery.
 *
 * @param eventId the event's id (its deduplication key)
 * @param duplicate {@code true} when the event was already stored by an earlier delivery
 */
public record Receipt(String eventId, boolean duplicate) {

}
