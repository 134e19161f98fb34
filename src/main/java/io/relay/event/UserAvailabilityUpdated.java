package io.relay.event;

import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;

/**
 * {@code user.availability.updated}: a user's availability changed. Listed by iAdvize without an example payload, so only the common fields are typed.
 */
public record UserAvailabilityUpdated(String eventId, Platform platform, @Nullable Long clientId, long userId,
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
