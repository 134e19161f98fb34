package io.relay.event;

import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;

/**
 * {@code user.availability.updated}: a user's availability changed. Listed by iAdvize without an example payload, so
 * only the common fields are typed, and none is required but {@code eventId}: a payload that names the user
 * otherwise is stored and dispatched with {@code userId} {@code null}, not refused (iAdvize would not send it again).
 */
public record UserAvailabilityUpdated(String eventId, Platform platform, @Nullable Long clientId, @Nullable Long userId,
		@Nullable OffsetDateTime createdAt, @Nullable OffsetDateTime sentAt) implements UserEvent {

	public static final String TYPE = "user.availability.updated";

	public UserAvailabilityUpdated {
		Events.require(eventId, "eventId");
		platform = Platform.orUnknown(platform);
	}

	@Override
	public String eventType() {
		return TYPE;
	}

}
