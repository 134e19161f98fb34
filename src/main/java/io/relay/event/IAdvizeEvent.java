package io.relay.event;

import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;

/**
 * An event that iAdvize delivered to a webhook. Each documented {@code eventType} has its own record; anything
 * else becomes an {@link UnknownEvent}, so that nothing iAdvize sends is ever rejected for its type.
 */
public sealed interface IAdvizeEvent permits ConversationEvent, UserEvent, VisitorUpdated, SatisfactionAnswered,
		TransactionAttributed, UnknownEvent {

	/** The identifier iAdvize gives the event; the same on every delivery attempt. */
	String eventId();

	/** The wire name of the type, such as {@code v2.conversation.closed}. */
	String eventType();

	Platform platform();

	@Nullable Long clientId();

	@Nullable OffsetDateTime createdAt();

	@Nullable OffsetDateTime sentAt();

	/** The conversation this event is about, if any (a UUID for v2 events, a number for deprecated ones). */
	default @Nullable String conversationId() {
		return null;
	}

	/** The visitor this event is about, if any. */
	default @Nullable String visitorId() {
		return null;
	}

}
