package io.relay.workflow.conversationemail;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import io.relay.dispatch.Delivery;
import io.relay.event.ConversationEvent;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.iadvize.IAdvizeCredentials;
import io.relay.iadvize.IAdvizeEnrichment;
import io.relay.iadvize.Operator;
import io.relay.iadvize.Transcript;
import io.relay.system.Databases;
import io.relay.workflow.mail.ClosedConversation;
import io.relay.workflow.mail.EmailSettings;
import io.relay.workflow.mail.Letter;
import io.relay.workflow.mail.Recipient;
import io.relay.workflow.mail.VisitorMail;
import io.relay.workflow.mail.VisitorMailHandler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emails the visitor the transcript of a closed conversation: operator and visitor messages with their times (system
 * messages left out), and the operator's name when iAdvize gives it.
 */
class ConversationEmailHandler extends VisitorMailHandler {

	private static final Logger logger = LoggerFactory.getLogger(ConversationEmailHandler.class);

	private final ZoneId timeZone;

	private final IAdvizeEnrichment iadvize;

	private final IAdvizeCredentials credentials;

	/** The most messages a recap shows; further ones are counted ({@code omitted}). */
	static final int MAX_MESSAGES = 300;

	/** The most characters of one message a recap shows. */
	static final int MAX_MESSAGE_LENGTH = 2000;

	ConversationEmailHandler(EmailSettings settings, ZoneId timeZone, VisitorMail mail, IAdvizeEnrichment iadvize,
			IAdvizeCredentials credentials) {
		super(ConversationEmailProperties.NAME, settings, mail);
		this.timeZone = timeZone;
		this.iadvize = iadvize;
		this.credentials = credentials;
	}

	@Override
	protected Letter compose(Delivery<ConversationEvent> delivery, ClosedConversation conversation) {
		Recipient to = mail().recipient(conversation, settings());
		Transcript transcript = this.iadvize.transcript(conversation.event());
		VisitorMail.requireVisitorMessages(transcript, settings());
		String operatorName = operatorName(conversation);
		Locale locale = Locale.forLanguageTag(settings().languageFor(conversation.projectId()));
		DateTimeFormatter time = DateTimeFormatter.ofLocalizedTime(FormatStyle.SHORT)
			.withLocale(locale)
			.withZone(this.timeZone);
		DateTimeFormatter date = DateTimeFormatter.ofLocalizedDate(FormatStyle.LONG)
			.withLocale(locale)
			.withZone(this.timeZone);
		List<Map<String, Object>> lines = transcript.messages()
			.stream()
			.flatMap((message) -> line(message, operatorName, time))
			.toList();
		// A conversation can run to thousands of messages (GraphQL gives up to 10,000), or one pasted document: an
		// email the SMTP server refuses as too large would be retried, then lost. The recap keeps its beginning.
		List<Map<String, Object>> messages = lines.subList(0, Math.min(lines.size(), MAX_MESSAGES));
		Map<String, Object> model = new HashMap<>();
		model.put("operatorName", operatorName);
		model.put("messages", messages);
		model.put("omitted", (lines.size() > MAX_MESSAGES) ? lines.size() - MAX_MESSAGES : null);
		model.put("closedOn", (conversation.closedAt() != null) ? date.format(conversation.closedAt()) : null);
		return new Letter(to, model);
	}

	private static Stream<Map<String, Object>> line(Transcript.Message message, @Nullable String operatorName,
			DateTimeFormatter time) {
		if (message.author() != Transcript.Author.OPERATOR && message.author() != Transcript.Author.VISITOR) {
			return Stream.empty();
		}
		Map<String, Object> line = new HashMap<>();
		boolean operator = message.author() == Transcript.Author.OPERATOR;
		line.put("fromOperator", operator);
		line.put("operatorName", operator ? operatorName : null);
		// At most MAX_MESSAGE_LENGTH characters, the ellipsis of a longer one included: cut as stored text is cut.
		line.put("text", Databases.text(message.text(), MAX_MESSAGE_LENGTH));
		line.put("time", (message.sentAt() != null) ? time.format(message.sentAt()) : null);
		return Stream.of(line);
	}

	/**
	 * The name the operator shows visitors (the pseudonym, else the first name), when the event names one and iAdvize
	 * gives it. A nice-to-have: when the
	 * lookup fails, even for a moment, the recap goes without the name rather than waiting for it.
	 */
	private @Nullable String operatorName(ClosedConversation conversation) {
		Long id = conversation.lastOperatorId();
		if (id == null || !this.credentials.hasRestApi()) {
			return null;
		}
		try {
			Operator operator = this.iadvize.operator(conversation.platform(), id);
			// Never the surname: an employee's family name is not for customers, unless they chose it as pseudonym.
			return Stream.of(operator.pseudo(), operator.firstName())
				.filter((name) -> name != null && !name.isBlank())
				.map(String::strip)
				.findFirst()
				.orElse(null);
		}
		catch (IAdvizeApiException ex) {
			logger.info("Recap of conversation {} goes without the operator's name: {}", conversation.conversationId(),
					ex.getMessage());
			return null;
		}
	}

}
