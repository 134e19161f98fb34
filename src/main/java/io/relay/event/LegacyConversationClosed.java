package io.relay.event;

import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;

/**
 * The deprecated {@code conversation.closed}; new webhooks send {@link ConversationClosed} instead.
 */
public record LegacyConversationClosed(String eventId, Platform platform, @Nullable Long websiteId,
		@Nullable Long clientId, String conversationId, @Nullable Long operatorId, Channel channel,
		@Nullable String visitorId, @Nullable OffsetDateTime createdAt, @Nullable OffsetDateTime sentAt)
		implements ConversationEvent {

	public static final String TYPE = "conversation.closed";

	public LegacyConversationClosed {
		Events.require(eventId, "eventId");
		Events.require(conversationId, "conversationId");
		platform = Platform.orUnknown(platform);
		channel = Channel.orUnknown(channel);
	}

	@Override
	public String eventType() {
		return TYPE;
	}

}
