package io.relay.event;

import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
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
		Map<String, @Nullable Object> copy = new LinkedHashMap<>();
		attributes.forEach((name, value) -> copy.put(name, Events.unmodifiable(value)));
		attributes = Collections.unmodifiableMap(copy);
	}

}
