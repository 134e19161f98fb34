package io.relay.workflow.mail;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Addresses and domains that never receive anything. An entry with a local part ({@code jane@example.com}) is one
 * address; an entry without one ({@code example.com} or {@code @example.com}) is a domain and its subdomains.
 * Matching ignores case.
 */
final class OptOut {

	/**
	 * What a bare address or domain never holds, though a copied one may ({@code Jane<jane@example.com>}, a list
	 * pasted with its commas): such an entry would match no address, and the visitor would not be opted out.
	 */
	private static final String NOT_IN_AN_ADDRESS = "<>(),;:\"[]\\";

	private final Set<String> addresses = new LinkedHashSet<>();

	private final Set<String> domains = new LinkedHashSet<>();

	OptOut(Collection<String> entries) {
		for (String entry : entries) {
			String normalized = normalize(entry);
			if (normalized.contains("@")) {
				this.addresses.add(normalized);
			}
			else {
				this.domains.add(normalized);
			}
		}
	}

	boolean excludes(String address) {
		String normalized = address.strip().toLowerCase(Locale.ROOT);
		if (this.addresses.contains(normalized)) {
			return true;
		}
		int at = normalized.lastIndexOf('@');
		String domain = normalized.substring(at + 1);
		while (true) {
			if (this.domains.contains(domain)) {
				return true;
			}
			int dot = domain.indexOf('.');
			if (dot < 0) {
				return false;
			}
			domain = domain.substring(dot + 1);
		}
	}

	OptOut with(Collection<String> more) {
		List<String> all = new ArrayList<>(this.addresses);
		all.addAll(this.domains);
		all.addAll(more);
		return new OptOut(all);
	}

	/** Checks a configured list; the message names {@code property}. */
	static List<String> validate(String property, List<String> entries) {
		for (int i = 0; i < entries.size(); i++) {
			String entry = entries.get(i);
			if (entry == null || entry.isBlank() || entry.strip()
				.chars()
				.anyMatch((c) -> Character.isWhitespace(c) || NOT_IN_AN_ADDRESS.indexOf(c) >= 0)
					|| normalize(entry).isEmpty() || normalize(entry).endsWith("@")
					|| normalize(entry).indexOf('@') != normalize(entry).lastIndexOf('@')) {
				throw new IllegalArgumentException(property + "[" + i + "] must be an address (jane@example.com) or "
						+ "a domain (example.com), but was '" + entry + "'");
			}
		}
		return List.copyOf(entries);
	}

	private static String normalize(String entry) {
		String value = entry.strip().toLowerCase(Locale.ROOT);
		if (value.startsWith("@")) {
			value = value.substring(1);
		}
		if (value.startsWith("*.")) {
			value = value.substring(2);
		}
		return value;
	}

}
