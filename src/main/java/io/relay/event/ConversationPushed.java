package io.relay.event;

import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;

/**
 * {@code v2.conversation.pushed}: a conversation began, or an operator received a transferred one.
 *
 * @param visitorExternalId deprecated by iAdvize, onsite conversations only; the integer id of the REST API
 */
public record ConversationPushed(String eventId, Platform platform, @Nullable Long projectId, @Nullable Long clientId,
		String conversationId, @Nullable Long operatorId, @Nullable String visitorExternalId, Channel channel,
		@Nullable String visitorId, @Nullable OffsetDateTime createdAt, @Nullable OffsetDateTime sentAt)
		implements ConversationEvent {

	public static final String TYPE = "v2.conversation.pushed";

	public ConversationPushed {
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
