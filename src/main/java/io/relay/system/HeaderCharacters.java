package io.relay.system;

/**
 * The header rules of Spring Security's {@code StrictHttpFirewall}, without its regular expressions: a name is made
 * of assigned, non-control characters, and a value too, tab allowed. The firewall checks every header the
 * application reads, and its {@code Pattern.matcher(...).matches()} allocated a matcher per call: about a tenth of
 * all the memory Relay allocated per webhook request (docs/benchmarks.md). Same rules, a loop, nothing allocated;
 * {@code HeaderCharactersTests} holds them equal to the firewall's own predicates.
 */
final class HeaderCharacters {

	private HeaderCharacters() {
	}

	/** As {@code StrictHttpFirewall.ALLOWED_HEADER_NAMES}: {@code [\p{IsAssigned}&&[^\p{IsControl}]]*}. */
	static boolean allowedName(String name) {
		return assignedAndNotControl(name, false);
	}

	/** As {@code StrictHttpFirewall.ALLOWED_HEADER_VALUES}: {@code [\p{IsAssigned}&&[[^\p{IsControl}]||\t]]*}. */
	static boolean allowedValue(String value) {
		return assignedAndNotControl(value, true);
	}

	private static boolean assignedAndNotControl(String text, boolean tabAllowed) {
		for (int i = 0; i < text.length();) {
			int codePoint = text.codePointAt(i);
			// isISOControl is exactly the Unicode category Cc that \p{IsControl} names.
			if (!Character.isDefined(codePoint)
					|| (Character.isISOControl(codePoint) && !(tabAllowed && codePoint == '\t'))) {
				return false;
			}
			i += Character.charCount(codePoint);
		}
		return true;
	}

}
