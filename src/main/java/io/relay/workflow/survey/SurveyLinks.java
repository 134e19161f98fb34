package io.relay.workflow.survey;

import java.nio.charset.StandardCharsets;
import java.time.Clock;

import io.relay.workflow.mail.ClosedConversation;
import io.relay.workflow.mail.Stop;
import org.jspecify.annotations.Nullable;
import org.springframework.web.util.UriUtils;

/**
 * Builds the survey link of a conversation from {@code relay.workflows.survey.url-template}, with its token.
 */
final class SurveyLinks {

	private final String template;

	private final String secret;

	private final Clock clock;

	/** Whether the link carries these ids: the token signs only what the survey site receives. */
	private final boolean carriesVisitor;

	private final boolean carriesProject;

	SurveyLinks(String template, String secret, Clock clock) {
		this.template = template;
		this.secret = secret;
		this.clock = clock;
		this.carriesVisitor = template.contains("{visitorId}");
		this.carriesProject = template.contains("{projectId}");
	}

	/**
	 * @throws Stop (a permanent failure) when an id cannot be signed: retrying would fail the same way every time
	 */
	String linkFor(ClosedConversation conversation) {
		String projectId = (conversation.projectId() != null) ? conversation.projectId().toString() : null;
		String token;
		try {
			// Only the ids the link carries: the survey site verifies with what it receives, and an id the template
			// leaves out reaches it as nothing (an empty line), whatever the event said.
			token = SurveyTokens.sign(this.secret, conversation.conversationId(),
					this.carriesVisitor ? conversation.visitorId() : null, this.carriesProject ? projectId : null,
					this.clock.instant());
		}
		catch (IllegalArgumentException ex) {
			throw Stop.fail("no survey link for this conversation: " + ex.getMessage());
		}
		return this.template.replace("{conversationId}", encode(conversation.conversationId()))
			.replace("{visitorId}", encode(conversation.visitorId()))
			.replace("{projectId}", encode(projectId))
			.replace("{token}", encode(token));
	}

	/**
	 * Every character but the unreserved ones percent-encoded (a space as {@code %20}, not a form's {@code +}): the
	 * template may put an id in the path, where a {@code +} would stay a plus.
	 */
	private static String encode(@Nullable String value) {
		return (value != null) ? UriUtils.encode(value, StandardCharsets.UTF_8) : "";
	}

	@Override
	public String toString() {
		return "SurveyLinks[template=" + this.template + ", secret=<hidden>]";
	}

}
