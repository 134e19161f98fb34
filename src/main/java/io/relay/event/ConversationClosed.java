package io.relay.event;

import java.time.OffsetDateTime;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * {@code v2.conversation.closed}: a conversation ended. Offsite conversations close by themselves after 7 days of
 * inactivity.
 *
 * @param operatorIds every operator who took part, in the order iAdvize lists them
 * @param visitorExternalId deprecated by iAdvize, onsite conversations only; the integer id of the REST API
 */
public record ConversationClosed(String eventId, Platform platform, @Nullable Long projectId, @Nullable Long clientId,
		String conversationId, List<Long> operatorIds, @Nullable String visitorExternalId, Channel channel,
		@Nullable String visitorId, @Nullable OffsetDateTime createdAt, @Nullable OffsetDateTime sentAt)
		implements ConversationEvent {

	public static final String TYPE = "v2.conversation.closed";

	public ConversationClosed {
		Events.require(eventId, "eventId");
		Events.require(conversationId, "conversationId");
		platform = Platform.orUnknown(platform);
		channel = Channel.orUnknown(channel);
		operatorIds = Events.copyOf(operatorIds);
	}

	@Override
	public String eventType() {
		return TYPE;
	}

}
