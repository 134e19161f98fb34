package io.relay.inbox;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A correctly signed delivery whose body is not a readable event.
 *
 * @param reason what is wrong with it
 */
public record QuarantinedDelivery(String reason, @Nullable String contentType, byte[] payload,
		@Nullable String deliveryId, @Nullable String correlationId, Instant receivedAt) {

}
