package io.relay.event;

import org.jspecify.annotations.Nullable;

/**
 * An event about one conversation: the v2 events and the deprecated {@code conversation.*} ones.
 */
public sealed interface ConversationEvent extends IAdvizeEvent
		permits ConversationPushed, ConversationClosed, LegacyConversationStarted, LegacyConversationTransferred,
		LegacyConversationClosed {

	@Override
	String conversationId();

	Channel channel();

	@Override
	@Nullable String visitorId();

}
