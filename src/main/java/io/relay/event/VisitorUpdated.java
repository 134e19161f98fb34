package io.relay.event;

import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;

/**
 * {@code visitor.updated}: an operator changed a visitor's details from the desk or the administration.
 */
public record VisitorUpdated(String eventId, Platform platform, @Nullable Long clientId, @Nullable Long operatorId,
		String visitorId, @Nullable OffsetDateTime createdAt, @Nullable OffsetDateTime sentAt) implements IAdvizeEvent {

	public static final String TYPE = "visitor.updated";

	public VisitorUpdated {
		Events.require(eventId, "eventId");
		Events.require(visitorId, "visitorId");
		platform = Platform.orUnknown(platform);
	}

	@Override
	public String eventType() {
		return TYPE;
	}

}
