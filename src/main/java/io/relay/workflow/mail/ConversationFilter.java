package io.relay.workflow.mail;

import java.util.Set;

import io.relay.event.Channel;
import io.relay.event.IAdvizeEvent;

/**
 * Which closed conversations a workflow wants: by channel and project. Decided when the event is stored, so that
 * an event filtered out gets no delivery at all.
 *
 * @param channels the channels wanted; empty means all
 * @param projectIds the projects wanted; empty means all. A conversation without a project id is wanted only when
 * this is empty.
 */
public record ConversationFilter(Set<Channel> channels, Set<Long> projectIds) {

	public ConversationFilter {
		channels = Set.copyOf(channels);
		projectIds = Set.copyOf(projectIds);
	}

	/** Whether the event is a close event that passes the filter. */
	public boolean accepts(IAdvizeEvent event) {
		if (!ClosedConversation.isClose(event)) {
			return false;
		}
		ClosedConversation conversation = ClosedConversation.of(event);
		return (this.channels.isEmpty() || this.channels.contains(conversation.channel()))
				&& (this.projectIds.isEmpty() || (conversation.projectId() != null
						&& this.projectIds.contains(conversation.projectId())));
	}

}
