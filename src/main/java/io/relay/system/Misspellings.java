package io.relay.system;

import java.util.Set;
import java.util.TreeSet;

import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

/**
 * Settings that look like a misspelling of one property ({@code RELAY_WEBHOOK_SECRET} for
 * {@code relay.webhook.secrets}): for a property whose absence Relay would otherwise make up for on its own.
 */
public final class Misspellings {

	/** How far a misspelt name may be from the property it meant. */
	static final int MAX_TYPOS = 2;

	private Misspellings() {
	}

	/**
	 * The settings of {@code environment}, under any relaxed name, at most {@value #MAX_TYPOS} edits from
	 * {@code property} but not it (nor under it); a list's elements ({@code relay.webhook.secret[0]}) as the list.
	 */
	public static Set<String> of(Environment environment, String property) {
		ConfigurationPropertyName meant = ConfigurationPropertyName.of(property);
		Set<String> near = new TreeSet<>();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (source instanceof IterableConfigurationPropertySource iterable) {
				for (ConfigurationPropertyName name : iterable) {
					ConfigurationPropertyName list = name;
					while (list.isLastElementIndexed()) {
						list = list.getParent();
					}
					if (!list.equals(meant) && !meant.isAncestorOf(list)
							&& distance(list.toString(), property, MAX_TYPOS + 1) <= MAX_TYPOS) {
						near.add(list.toString());
					}
				}
			}
		}
		return near;
	}

	/** Levenshtein's distance, or {@code limit} once it cannot be under it. */
	static int distance(String a, String b, int limit) {
		if (Math.abs(a.length() - b.length()) >= limit) {
			return limit;
		}
		int[] previous = new int[b.length() + 1];
		int[] current = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) {
			previous[j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			current[0] = i;
			int rowBest = current[0];
			for (int j = 1; j <= b.length(); j++) {
				int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
				current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
				rowBest = Math.min(rowBest, current[j]);
			}
			if (rowBest >= limit) {
				return limit;
			}
			int[] swap = previous;
			previous = current;
			current = swap;
		}
		return Math.min(previous[b.length()], limit);
	}

}
