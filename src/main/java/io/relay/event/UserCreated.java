package io.relay.event;

import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;

/**
 * {@code user.created}: a user was created in the administration or through the REST API.
 */
public record UserCreated(String eventId, Platform platform, @Nullable Long clientId, Long userId,
		@Nullable OffsetDateTime createdAt, @Nullable OffsetDateTime sentAt) implements UserEvent {

	public static final String TYPE = "user.created";

	public UserCreated {
		Events.require(eventId, "eventId");
		Events.require(userId, "userId");
		platform = Platform.orUnknown(platform);
	}

	@Override
	public String eventType() {
		return TYPE;
	}

}
