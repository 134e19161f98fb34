package io.relay.event;

import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;

/**
 * {@code user.disconnected}: a user disconnected from the administration or the desk.
 */
public record UserDisconnected(String eventId, Platform platform, @Nullable Long clientId, Long userId,
		@Nullable OffsetDateTime createdAt, @Nullable OffsetDateTime sentAt) implements UserEvent {

	public static final String TYPE = "user.disconnected";

	public UserDisconnected {
		Events.require(eventId, "eventId");
		Events.require(userId, "userId");
		platform = Platform.orUnknown(platform);
	}

	@Override
	public String eventType() {
		return TYPE;
	}

}
