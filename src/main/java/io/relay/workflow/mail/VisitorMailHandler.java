package io.relay.workflow.mail;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.ConversationEvent;

/**
 * A workflow that emails the visitor once per closed conversation: which conversations it takes (its filter) and how
 * a delivery is sent exactly once are the same for every such workflow; what the email says is the subclass's.
 */
public abstract class VisitorMailHandler implements EventHandler<ConversationEvent> {

	private final String name;

	private final EmailSettings settings;

	private final VisitorMail mail;

	protected VisitorMailHandler(String name, EmailSettings settings, VisitorMail mail) {
		this.name = name;
		this.settings = settings;
		this.mail = mail;
	}

	@Override
	public final String name() {
		return this.name;
	}

	@Override
	public final Class<ConversationEvent> eventType() {
		return ConversationEvent.class;
	}

	@Override
	public final boolean accepts(ConversationEvent event) {
		return this.settings.filter().accepts(event);
	}

	@Override
	public final HandlerResult handle(Delivery<ConversationEvent> delivery) throws Exception {
		return this.mail.sendOnce(delivery, this.settings, (conversation) -> compose(delivery, conversation));
	}

	/**
	 * The email for this conversation; throw a {@link Stop} to skip or retry it instead.
	 */
	protected abstract Letter compose(Delivery<ConversationEvent> delivery, ClosedConversation conversation);

	protected final EmailSettings settings() {
		return this.settings;
	}

	protected final VisitorMail mail() {
		return this.mail;
	}

}
