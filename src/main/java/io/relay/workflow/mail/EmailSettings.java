package io.relay.workflow.mail;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import io.relay.event.Channel;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import org.jspecify.annotations.Nullable;

/**
 * The settings every email workflow has under {@code relay.workflows.<workflow>}, validated: a wrong value throws an
 * {@link IllegalArgumentException} whose message names the property. Each workflow's own properties record builds
 * one in its constructor, so that startup stops on the first wrong value.
 *
 * @param workflow the workflow's (and handler's) name
 * @param from the sender, {@code shop@example.com} or {@code "Example Shop <shop@example.com>"}
 * @param replyTo where answers go, if not to {@code from}
 * @param subject the subject; when null, the template's {@code subject.txt} gives it
 * @param language the language of the templates, such as {@code en}
 * @param languages a language per project id, overriding {@code language}
 * @param filter the channels and projects wanted
 * @param minVisitorMessages the fewest visitor messages a conversation needs for an email, when its transcript is
 * known; 0 asks for no transcript
 * @param optOut addresses and domains that never receive this workflow's email (added to {@code relay.mail.opt-out})
 */
public record EmailSettings(String workflow, String from, @Nullable String replyTo, @Nullable String subject,
		String language, Map<Long, String> languages, ConversationFilter filter, int minVisitorMessages,
		List<String> optOut) {

	private static final Pattern LANGUAGE = Pattern.compile("[a-z]{2,3}(-[A-Za-z0-9]{2,8})?");

	public EmailSettings {
		String prefix = "relay.workflows." + workflow + ".";
		from = address(prefix + "from", from, true);
		replyTo = address(prefix + "reply-to", replyTo, false);
		if (subject != null && (subject.isBlank() || subject.contains("\n") || subject.contains("\r"))) {
			throw new IllegalArgumentException(prefix + "subject must be one line of text, or unset to use the "
					+ "template's subject.txt");
		}
		language = language(prefix + "language", language);
		languages = Map.copyOf(languages);
		languages.forEach((project, value) -> language(prefix + "languages." + project, value));
		if (minVisitorMessages < 0 || minVisitorMessages > 1000) {
			throw new IllegalArgumentException(
					prefix + "min-visitor-messages must be between 0 and 1000, but was " + minVisitorMessages);
		}
		optOut = OptOut.validate(prefix + "opt-out", optOut);
	}

	/** Builds the filter from the two lists as bound (either may be null when unset). */
	public static ConversationFilter filter(@Nullable List<Channel> channels, @Nullable List<Long> projectIds) {
		return new ConversationFilter(java.util.Set.copyOf((channels != null) ? channels : List.of()),
				java.util.Set.copyOf((projectIds != null) ? projectIds : List.of()));
	}

	/** The language for a conversation of this project. */
	public String languageFor(@Nullable Long projectId) {
		return (projectId != null) ? this.languages.getOrDefault(projectId, this.language) : this.language;
	}

	/** Every language the templates must exist in. */
	public java.util.Set<String> allLanguages() {
		java.util.Set<String> all = new java.util.TreeSet<>(this.languages.values());
		all.add(this.language);
		return all;
	}

	private static String language(String property, @Nullable String value) {
		if (value == null || !LANGUAGE.matcher(value).matches()) {
			throw new IllegalArgumentException(property + " must be a language tag such as en, fr or pt-BR, but was '"
					+ value + "'");
		}
		return value;
	}

	private static @Nullable String address(String property, @Nullable String value, boolean required) {
		if (value == null || value.isBlank()) {
			if (required) {
				throw new IllegalArgumentException(property + " must be set to the sender's address "
						+ "(shop@example.com or \"Example Shop <shop@example.com>\") when the workflow is enabled");
			}
			return null;
		}
		try {
			InternetAddress address = new InternetAddress(value.strip(), true);
			address.validate();
			return value.strip();
		}
		catch (AddressException ex) {
			throw new IllegalArgumentException(property + " must be an email address, but was '" + value + "' ("
					+ ex.getMessage().toLowerCase(Locale.ROOT) + ")");
		}
	}

}
