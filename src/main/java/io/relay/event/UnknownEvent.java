package io.relay.event;

import java.time.OffsetDateTime;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * An event whose {@code eventType} Relay does not know (yet). It is stored and dispatched like any other, because
 * iAdvize would not send it again if it were refused.
 *
 * @param attributes every top-level field of the payload, as parsed
 */
public record UnknownEvent(String eventId, String eventType, Platform platform, @Nullable Long clientId,
		@Nullable OffsetDateTime createdAt, @Nullable OffsetDateTime sentAt, Map<String, @Nullable Object> attributes)
		implements IAdvizeEvent {

	public UnknownEvent {
		Events.require(eventId, "eventId");
		Events.require(eventType, "eventType");
		platform = Platform.orUnknown(platform);
		// Unmodifiable at any depth: the event is shared by all of its handlers.
		attributes = Events.unmodifiableMap(attributes);
	}

}
