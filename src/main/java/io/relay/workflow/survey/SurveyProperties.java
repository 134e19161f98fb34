package io.relay.workflow.survey;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.relay.event.Channel;
import io.relay.workflow.mail.EmailSettings;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code survey} workflow: a link to a satisfaction survey, emailed to the visitor when a conversation closes.
 *
 * @param enabled whether the workflow runs (off by default); it then needs {@code spring.mail.host}, the iAdvize REST
 * or GraphQL API, {@code from}, {@code url-template} and {@code token-secret}
 * @param from the sender: {@code shop@example.com} or {@code "Example Shop <shop@example.com>"}
 * @param replyTo where the visitor's answers go, if not to {@code from}
 * @param subject the subject; unset, the template's {@code subject.txt} gives it in the conversation's language
 * @param language the language of the email (templates ship in {@code en} and {@code fr})
 * @param languages a language per project id, overriding {@code language}
 * @param channels only conversations on these channels; empty means all
 * @param projectIds only conversations of these projects; empty means all
 * @param minVisitorMessages no survey for a conversation in which the visitor wrote fewer messages (0: no check, and
 * no transcript is read); needs the GraphQL API for v2 conversations
 * @param optOut addresses and domains that never get this email (besides {@code relay.mail.opt-out})
 * @param urlTemplate the survey link, an http(s) URL with the placeholders {@code {conversationId}},
 * {@code {visitorId}}, {@code {projectId}} and {@code {token}} (required), each replaced by its URL-encoded value
 * @param tokenSecret the HMAC-SHA256 key of the link's token, shared with the survey site; at least 32 characters.
 * Never logged.
 */
@ConfigurationProperties("relay.workflows.survey")
record SurveyProperties(boolean enabled, @Nullable String from, @Nullable String replyTo, @Nullable String subject,
		@DefaultValue("en") String language, @DefaultValue Map<Long, String> languages,
		@DefaultValue List<Channel> channels, @DefaultValue List<Long> projectIds,
		@DefaultValue("0") int minVisitorMessages, @DefaultValue List<String> optOut, @Nullable String urlTemplate,
		@Nullable String tokenSecret) {

	static final String NAME = "survey";

	static final Set<String> PLACEHOLDERS = Set.of("conversationId", "visitorId", "projectId", "token");

	private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");

	private static final int SHORTEST_SECRET = 32;

	SurveyProperties {
		// Bound even when disabled (the application scans for properties): only an enabled workflow is checked.
		if (enabled) {
			settings(from, replyTo, subject, language, languages, channels, projectIds, minVisitorMessages, optOut);
			checkUrlTemplate(urlTemplate);
			checkTokenSecret(tokenSecret);
		}
	}

	private static void checkTokenSecret(@Nullable String tokenSecret) {
		if (tokenSecret == null || tokenSecret.isBlank()) {
			throw new IllegalArgumentException("relay.workflows.survey.token-secret must be set (at least "
					+ SHORTEST_SECRET + " characters, shared with the survey site) when the workflow is enabled");
		}
		if (tokenSecret.getBytes(StandardCharsets.UTF_8).length < SHORTEST_SECRET) {
			throw new IllegalArgumentException("relay.workflows.survey.token-secret must be at least " + SHORTEST_SECRET
					+ " bytes long in UTF-8 (e.g. the output of 'openssl rand -base64 32')");
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

	private static void checkUrlTemplate(@Nullable String template) {
		String property = "relay.workflows.survey.url-template";
		if (template == null || template.isBlank()) {
			throw new IllegalArgumentException(property + " must be set when the workflow is enabled, e.g. "
					+ "https://survey.example.com/s/{projectId}?c={conversationId}&v={visitorId}&t={token}");
		}
		Matcher matcher = PLACEHOLDER.matcher(template);
		while (matcher.find()) {
			if (!PLACEHOLDERS.contains(matcher.group(1))) {
				throw new IllegalArgumentException(property + " has an unknown placeholder {" + matcher.group(1)
						+ "}; the known ones are " + PLACEHOLDERS.stream().sorted().map((name) -> "{" + name + "}").toList());
			}
		}
		if (!template.contains("{token}") || !template.contains("{conversationId}")) {
			throw new IllegalArgumentException(property + " must contain {conversationId} and {token}, so that the "
					+ "survey site knows the conversation and can verify the link");
		}
		try {
			URI uri = URI.create(PLACEHOLDER.matcher(template).replaceAll("x"));
			if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
				throw new IllegalArgumentException();
			}
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException(property + " must be an http(s) URL, but was '" + template + "'");
		}
	}

	// The token secret is a key: a record's own toString would print it wherever this object is shown. The fields
	// themselves, not settings(): that checks them, and throws for a disabled workflow left without a sender.
	@Override
	public String toString() {
		return "SurveyProperties[enabled=" + this.enabled + ", from=" + this.from + ", replyTo=" + this.replyTo
				+ ", subject=" + this.subject + ", language=" + this.language + ", languages=" + this.languages
				+ ", channels=" + this.channels + ", projectIds=" + this.projectIds + ", minVisitorMessages="
				+ this.minVisitorMessages + ", optOut=<" + this.optOut.size() + " addresses>, urlTemplate="
				+ this.urlTemplate + ", tokenSecret=" + ((this.tokenSecret != null) ? "<hidden>" : "<none>") + "]";
	}

}
