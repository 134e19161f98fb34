package io.relay.system;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

/**
 * Hides credentials in text that comes from elsewhere (an error answer's body, an exception's message) before Relay
 * logs it or keeps it with a delivery. A service that echoes a credential may not echo it as it was sent: JSON
 * escapes it (PHP's {@code json_encode} writes {@code /} as {@code \/}; any character may come as {@code \u002b}),
 * a URL or a form percent-encodes it, HTML writes entities, a log lowers its case, a message cuts it short. Every one
 * of those forms is hidden, and so is a start of {@value #SHORTEST_START} characters or more (the start of a short
 * password is most of it). Secrets shorter than that are hidden only whole, and only in their own case.
 */
public final class SecretText {

	public static final String HIDDEN = "<hidden>";

	/** The shortest start of a secret hidden on its own. */
	static final int SHORTEST_START = 8;

	/**
	 * How far a start is followed (one nested group a character: a long token's would nest hundreds deep). A secret
	 * echoed whole is hidden whatever its length; one cut short after this many characters keeps the rest of its
	 * start visible.
	 */
	static final int LONGEST_START = 64;

	private static final SecretText NONE = new SecretText(null, null);

	/** Every secret whole, longest first: at one place, the longest that matches is hidden. */
	private final @Nullable Pattern whole;

	/** What is left: the starts of secrets cut short. */
	private final @Nullable Pattern starts;

	private SecretText(@Nullable Pattern whole, @Nullable Pattern starts) {
		this.whole = whole;
		this.starts = starts;
	}

	/**
	 * @param secrets the secrets to hide; blank ones and those shorter than {@code shortest} are left out (they
	 * would mangle ordinary words)
	 */
	public static SecretText of(Collection<String> secrets, int shortest) {
		List<String> kept = secrets.stream()
			.filter((secret) -> secret != null && !secret.isBlank() && secret.length() >= shortest)
			.distinct()
			.sorted(Comparator.comparingInt(String::length).reversed())
			.toList();
		if (kept.isEmpty()) {
			return NONE;
		}
		List<String> starts = new ArrayList<>();
		for (String secret : kept) {
			if (secret.length() > SHORTEST_START) {
				starts.add(start(secret));
			}
		}
		return new SecretText(compile(kept.stream().map(SecretText::whole).toList()),
				starts.isEmpty() ? null : compile(starts));
	}

	/**
	 * A secret in any form; in any case only from {@value #SHORTEST_START} characters on: a short one in another
	 * case is more often an ordinary word ({@code test}, {@code Test}) than an echo.
	 */
	private static String whole(String secret) {
		String forms = secret.chars().mapToObj((c) -> anyForm((char) c)).collect(Collectors.joining());
		return (secret.length() >= SHORTEST_START) ? anyCase(forms) : forms;
	}

	/** {@code text} with every form of every secret replaced by {@value #HIDDEN}. */
	public String hide(String text) {
		String result = text;
		if (this.whole != null) {
			result = this.whole.matcher(result).replaceAll(HIDDEN);
		}
		if (this.starts != null) {
			result = this.starts.matcher(result).replaceAll(HIDDEN);
		}
		return result;
	}

	private static Pattern compile(List<String> alternatives) {
		return Pattern.compile(String.join("|", alternatives));
	}

	private static String anyCase(String regex) {
		return "(?iu:" + regex + ")";
	}

	/**
	 * The first {@link #SHORTEST_START} characters, then as many more as follow (up to {@link #LONGEST_START}):
	 * {@code ab(?:c(?:d)?)?}.
	 */
	private static String start(String secret) {
		StringBuilder regex = new StringBuilder();
		for (int i = 0; i < SHORTEST_START; i++) {
			regex.append(anyForm(secret.charAt(i)));
		}
		int end = Math.min(secret.length(), LONGEST_START);
		for (int i = SHORTEST_START; i < end; i++) {
			regex.append("(?:").append(anyForm(secret.charAt(i)));
		}
		regex.append(")?".repeat(end - SHORTEST_START));
		return anyCase(regex.toString());
	}

	/** One character as written, JSON-escaped, percent-encoded or as an HTML entity. */
	private static String anyForm(char c) {
		List<String> forms = new ArrayList<>();
		forms.add(Pattern.quote(String.valueOf(c)));
		// Hex digits in either case, whatever the secret's rule (\u002b and \u002B, %2f and %2F).
		forms.add("(?i:\\\\u" + hex(c, 4) + ")");
		if (c == '/' || c == '"' || c == '\\') {
			forms.add(Pattern.quote("\\" + c));
		}
		if (!Character.isSurrogate(c)) {
			StringBuilder percent = new StringBuilder();
			for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
				percent.append('%').append(hex(b & 0xff, 2));
			}
			forms.add("(?i:" + percent + ")");
		}
		if (c == ' ') {
			forms.add("\\+");
		}
		forms.add("&#0*" + (int) c + ";");
		forms.add("(?i:&#x0*" + Integer.toHexString(c) + ";)");
		String named = switch (c) {
			case '&' -> "&amp;";
			case '<' -> "&lt;";
			case '>' -> "&gt;";
			case '"' -> "&quot;";
			case '\'' -> "&apos;";
			default -> null;
		};
		if (named != null) {
			forms.add(named);
		}
		return "(?:" + String.join("|", forms) + ")";
	}

	private static String hex(int value, int digits) {
		return String.format(Locale.ROOT, "%0" + digits + "x", value);
	}

}
