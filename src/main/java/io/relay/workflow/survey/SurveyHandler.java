package io.relay.workflow.survey;

import java.util.Map;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.ConversationEvent;
import io.relay.iadvize.Transcript;
import io.relay.workflow.mail.ClosedConversation;
import io.relay.workflow.mail.EmailSettings;
import io.relay.workflow.mail.Letter;
import io.relay.workflow.mail.Recipient;
import io.relay.workflow.mail.VisitorMail;

/**
 * Emails the visitor of a closed conversation a signed link to the survey.
 */
class SurveyHandler implements EventHandler<ConversationEvent> {

	private final EmailSettings settings;

	private final SurveyLinks links;

	private final VisitorMail mail;

	SurveyHandler(EmailSettings settings, SurveyLinks links, VisitorMail mail) {
		this.settings = settings;
		this.links = links;
		this.mail = mail;
	}

	@Override
	public String name() {
		return SurveyProperties.NAME;
	}

	@Override
	public Class<ConversationEvent> eventType() {
		return ConversationEvent.class;
	}

	@Override
	public boolean accepts(ConversationEvent event) {
		return this.settings.filter().accepts(event);
	}

	@Override
	public HandlerResult handle(Delivery<ConversationEvent> delivery) throws Exception {
		return this.mail.sendOnce(delivery, this.settings, this::compose);
	}

	private Letter compose(ClosedConversation conversation) {
		Recipient to = this.mail.recipient(conversation, this.settings);
		if (this.settings.minVisitorMessages() > 0) {
			Transcript transcript = this.mail.transcriptIfKnown(conversation);
			if (transcript != null) {
				VisitorMail.requireVisitorMessages(transcript, this.settings);
			}
		}
		return new Letter(to, Map.of("surveyUrl", this.links.linkFor(conversation)));
	}

}
