package io.relay.workflow.conversationemail;

import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import io.relay.event.Channel;
import io.relay.workflow.mail.EmailSettings;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code conversation-email} workflow: a recap of the conversation, emailed to the visitor when it closes.
 *
 * @param enabled whether the workflow runs (off by default); it then needs {@code spring.mail.host}, the iAdvize
 * GraphQL API ({@code relay.iadvize.graphql.*}) and {@code from}
 * @param from the sender: {@code shop@example.com} or {@code "Example Shop <shop@example.com>"}
 * @param replyTo where the visitor's answers go, if not to {@code from}
 * @param subject the subject; unset, the template's {@code subject.txt} gives it in the conversation's language
 * @param language the language of the email (templates ship in {@code en} and {@code fr})
 * @param languages a language per project id, overriding {@code language}
 * @param channels only conversations on these channels (CHAT, CALL, VIDEO, SMS...); empty means all
 * @param projectIds only conversations of these projects; empty means all
 * @param minVisitorMessages no recap for a conversation in which the visitor wrote fewer messages
 * @param optOut addresses and domains that never get this email (besides {@code relay.mail.opt-out})
 * @param timeZone the time zone of the message times in the recap
 */
@ConfigurationProperties("relay.workflows.conversation-email")
record ConversationEmailProperties(boolean enabled, @Nullable String from, @Nullable String replyTo,
		@Nullable String subject, @DefaultValue("en") String language, @DefaultValue Map<Long, String> languages,
		@DefaultValue List<Channel> channels, @DefaultValue List<Long> projectIds,
		@DefaultValue("1") int minVisitorMessages, @DefaultValue List<String> optOut,
		@DefaultValue("UTC") ZoneId timeZone) {

	static final String NAME = "conversation-email";

	ConversationEmailProperties {
		// Bound even when disabled (the application scans for properties): only an enabled workflow is checked.
		if (enabled) {
			settings(from, replyTo, subject, language, languages, channels, projectIds, minVisitorMessages, optOut);
		}
	}

	EmailSettings settings() {
		return settings(this.from, this.replyTo, this.subject, this.language, this.languages, this.channels,
				this.projectIds, this.minVisitorMessages, this.optOut);
	}

	private static EmailSettings settings(@Nullable String from, @Nullable String replyTo, @Nullable String subject,
			String language, Map<Long, String> languages, List<Channel> channels, List<Long> projectIds,
			int minVisitorMessages, List<String> optOut) {
		return new EmailSettings(NAME, from, replyTo, subject, language, languages,
				EmailSettings.filter(channels, projectIds), minVisitorMessages, optOut);
	}

}
