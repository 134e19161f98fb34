package io.relay.workflow.mail;

import java.time.OffsetDateTime;
import java.util.List;

import io.relay.event.Channel;
import io.relay.event.ConversationClosed;
import io.relay.event.ConversationEvent;
import io.relay.event.IAdvizeEvent;
import io.relay.event.LegacyConversationClosed;
import io.relay.event.Platform;
import org.jspecify.annotations.Nullable;

/**
 * A conversation that ended: {@code v2.conversation.closed} or the deprecated {@code conversation.closed}, read the
 * same way.
 *
 * @param projectId the project ({@code projectId}; {@code websiteId} in the deprecated event)
 * @param operatorIds the operators who took part, in the order iAdvize lists them
 * @param closedAt when iAdvize says the event happened
 * @param event the event itself, for the enrichment API
 */
public record ClosedConversation(String eventId, Platform platform, @Nullable Long projectId, Channel channel,
		String conversationId, @Nullable String visitorId, List<Long> operatorIds, @Nullable OffsetDateTime closedAt,
		ConversationEvent event) {

	public ClosedConversation {
		operatorIds = List.copyOf(operatorIds);
	}

	/** Whether the event is one of the two close events. */
	public static boolean isClose(IAdvizeEvent event) {
		return event instanceof ConversationClosed || event instanceof LegacyConversationClosed;
	}

	/**
	 * @throws IllegalArgumentException for any other event (a handler's {@code accepts} lets only close events in)
	 */
	public static ClosedConversation of(IAdvizeEvent event) {
		return switch (event) {
			case ConversationClosed closed -> new ClosedConversation(closed.eventId(), closed.platform(),
					closed.projectId(), closed.channel(), closed.conversationId(), closed.visitorId(),
					closed.operatorIds(), closed.createdAt(), closed);
			case LegacyConversationClosed closed -> new ClosedConversation(closed.eventId(), closed.platform(),
					closed.websiteId(), closed.channel(), closed.conversationId(), closed.visitorId(),
					(closed.operatorId() != null) ? List.of(closed.operatorId()) : List.of(), closed.createdAt(),
					closed);
			default -> throw new IllegalArgumentException("not a conversation close event: " + event.eventType());
		};
	}

	/** The operator who spoke last, as far as the event tells (the last one it lists). */
	public @Nullable Long lastOperatorId() {
		return this.operatorIds.isEmpty() ? null : this.operatorIds.getLast();
	}

}
