package io.relay.dispatch;

import java.time.Instant;

import io.relay.event.IAdvizeEvent;

/**
 * One event handed to one handler.
 *
 * @param id the delivery's id, as shown by the admin API
 * @param idempotencyKey {@code <eventId>:<handler name>}: the same for every attempt and every replay of this
 * delivery, so that the systems a handler calls can recognise a repeat
 * @param event the event
 * @param attempt 1 for the first attempt
 * @param receivedAt when Relay received the event
 * @param <E> the event type
 */
public record Delivery<E extends IAdvizeEvent>(long id, String idempotencyKey, E event, int attempt,
		Instant receivedAt) {

	public static String idempotencyKey(String eventId, String handler) {
		return eventId + ":" + handler;
	}

}
