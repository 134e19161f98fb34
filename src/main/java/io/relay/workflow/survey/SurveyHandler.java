package io.relay.workflow.survey;

import java.util.Map;

import io.relay.dispatch.Delivery;
import io.relay.event.ConversationEvent;
import io.relay.workflow.mail.ClosedConversation;
import io.relay.workflow.mail.EmailSettings;
import io.relay.workflow.mail.Letter;
import io.relay.workflow.mail.Recipient;
import io.relay.workflow.mail.VisitorMail;
import io.relay.workflow.mail.VisitorMailHandler;

/**
 * Emails the visitor of a closed conversation a signed link to the survey.
 */
class SurveyHandler extends VisitorMailHandler {

	private final SurveyLinks links;

	SurveyHandler(EmailSettings settings, SurveyLinks links, VisitorMail mail) {
		super(SurveyProperties.NAME, settings, mail);
		this.links = links;
	}

	@Override
	protected Letter compose(Delivery<ConversationEvent> delivery, ClosedConversation conversation) {
		Recipient to = mail().recipient(conversation, settings());
		mail().requireVisitorMessagesWhenKnown(conversation, settings());
		return new Letter(to, Map.of("surveyUrl", this.links.linkFor(conversation)));
	}

}
