package io.relay.event;

import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;

/**
 * The deprecated {@code conversation.transferred}: {@code conversationId} is the new conversation,
 * {@code transferredConversationId} the one it came from.
 */
public record LegacyConversationTransferred(String eventId, Platform platform, @Nullable Long websiteId,
		@Nullable Long clientId, String conversationId, @Nullable String transferredConversationId,
		@Nullable Long operatorId, Channel channel, @Nullable String visitorId, @Nullable OffsetDateTime createdAt,
		@Nullable OffsetDateTime sentAt) implements ConversationEvent {

	public static final String TYPE = "conversation.transferred";

	public LegacyConversationTransferred {
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
