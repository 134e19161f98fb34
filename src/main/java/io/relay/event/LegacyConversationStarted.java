package io.relay.event;

import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;

/**
 * The deprecated {@code conversation.started}: numeric conversation id, lowercase channel, a website instead of a
 * project. Still accepted because old webhooks still send it.
 */
public record LegacyConversationStarted(String eventId, Platform platform, @Nullable Long websiteId,
		@Nullable Long clientId, String conversationId, @Nullable Long operatorId, Channel channel,
		@Nullable String visitorId, @Nullable OffsetDateTime createdAt, @Nullable OffsetDateTime sentAt)
		implements ConversationEvent {

	public static final String TYPE = "conversation.started";

	public LegacyConversationStarted {
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
