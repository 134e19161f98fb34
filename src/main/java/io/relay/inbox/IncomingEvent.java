package io.relay.inbox;

import java.time.Instant;

import io.relay.event.IAdvizeEvent;
import org.jspecify.annotations.Nullable;

/**
 * A verified delivery on its way into the inbox.
 *
 * @param event the parsed event; its {@code eventId} is the deduplication key
 * @param contentType the request's content type, needed to read {@code payload} again
 * @param payload the body exactly as received
 * @param deliveryId {@code X-iAdvize-Delivery}: one per attempt
 * @param correlationId {@code X-iAdvize-CorrelationId}: the same for every attempt of one event
 * @param receivedAt when Relay received it
 */
public record IncomingEvent(IAdvizeEvent event, String contentType, byte[] payload, @Nullable String deliveryId,
		@Nullable String correlationId, Instant receivedAt) {

	public String eventId() {
		return this.event.eventId();
	}

}
